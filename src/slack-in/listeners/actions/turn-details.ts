import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { slackErrorCode } from '../../../outbound/slack/slack-errors.js';
import { turnDetailsView } from '../../../presentation/turn-details.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The Details button on an agent reply: a modal with the reply's trace, opened while the trigger is fresh. */
export function turnDetailsAction(services: Services) {
  return async ({
    ack,
    body,
    action,
    client,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const thread = pressedIn(body);
    const details =
      thread === undefined || action.value === undefined
        ? undefined
        : await services.store.replyDetails(thread, action.value);
    const channel = thread?.channel;
    const threadTs = thread?.threadTs;
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: turnDetailsView(details) });
    } catch (error) {
      const code = slackErrorCode(error) ?? String(error);
      services.logger.warn({ channel, threadTs, slackError: code }, 'turn details not shown');
      if (channel !== undefined) {
        await services.slack.ephemeral(
          channel,
          body.user.id,
          { text: `:warning: Slack would not show the details of this reply (\`${code}\`).` },
          threadTs,
        );
      }
    }
  };
}
