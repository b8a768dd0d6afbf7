import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services.js';
import { annotationFormFor } from '../../call-modal-flow.js';
import { CHANNEL_NOT_ALLOWED, channelAllowed } from '../../guards.js';
import { annotationModal, doneModal, loadingModal } from '../../presentation/call-modals.js';

const TITLE = 'Annotate call';

/**
 * Message shortcut "Annotate call": the modal opens at once with the trigger_id (which expires
 * in 3 s), then shows the form with the conversation, turn and side the message belongs to.
 */
export function annotateCallShortcut(services: Services) {
  return async ({
    ack,
    shortcut,
    client,
  }: AllMiddlewareArgs & SlackShortcutMiddlewareArgs<MessageShortcut>): Promise<void> => {
    await ack();
    const channel = shortcut.channel.id;
    if (!channelAllowed(services.config, channel)) {
      await client.views.open({ trigger_id: shortcut.trigger_id, view: doneModal(TITLE, CHANNEL_NOT_ALLOWED.text) });
      return;
    }
    const opened = await client.views.open({ trigger_id: shortcut.trigger_id, view: loadingModal(TITLE) });
    const target = await services.calls.locate(channel, shortcut.message);
    await client.views.update({ view_id: opened.view?.id ?? '', view: annotationModal(annotationFormFor(target)) });
  };
}
