import type { AllMiddlewareArgs, BlockAction, OverflowAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from '../../../outbound/slack/slack-errors.js';
import type { ThreadRef } from '../../../outbound/store/records.js';
import { annotationModal } from '../../../presentation/call-modals.js';
import { conversationIdMessage, readTurnMenu, turnDetailsView } from '../../../presentation/turn-details.js';
import { annotationFormFor } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/**
 * The menu on an agent reply: its Details modal, the annotation modal prefilled for its turn,
 * or its conversation ID to copy. Modals open while the trigger is fresh (3 s).
 */
export function turnMenuAction(services: Services) {
  return async ({
    ack,
    body,
    action,
    client,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<OverflowAction>>): Promise<void> => {
    await ack();
    const thread = pressedIn(body);
    const chosen = readTurnMenu(action.selected_option?.value);
    if (thread === undefined || chosen === undefined) return;
    const user = body.user.id;
    switch (chosen.choice) {
      case 'details': {
        const details = await services.store.replyDetails(thread, chosen.reply);
        await openModal(services, client, body.trigger_id, turnDetailsView(details), thread, user, 'the details');
        return;
      }
      case 'annotate': {
        const target = await services.calls.locate(thread.channel, {
          ts: body.message?.ts ?? '',
          thread_ts: thread.threadTs,
        });
        const view = annotationModal(annotationFormFor(target));
        await openModal(services, client, body.trigger_id, view, thread, user, 'the annotation form');
        return;
      }
      case 'conversation': {
        const details = await services.store.replyDetails(thread, chosen.reply);
        const session = details === undefined ? await services.store.session(thread) : undefined;
        const conversationId = details?.conversationId ?? (session?.conversationId || undefined);
        await services.slack.ephemeral(thread.channel, user, conversationIdMessage(conversationId), thread.threadTs);
        return;
      }
    }
  };
}

/** Opens a modal from the menu; when Slack refuses, the person is told in the thread instead. */
async function openModal(
  services: Services,
  client: WebClient,
  triggerId: string,
  view: ModalView,
  thread: ThreadRef,
  user: string,
  what: string,
): Promise<void> {
  try {
    await client.views.open({ trigger_id: triggerId, view });
  } catch (error) {
    const code = slackErrorCode(error) ?? String(error);
    services.logger.warn(
      { channel: thread.channel, threadTs: thread.threadTs, slackError: code },
      'turn menu modal not shown',
    );
    await services.slack.ephemeral(
      thread.channel,
      user,
      { text: `:warning: Slack would not show ${what} of this reply (\`${code}\`).` },
      thread.threadTs,
    );
  }
}
