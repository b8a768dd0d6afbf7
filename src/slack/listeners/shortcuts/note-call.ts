import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services.js';
import { fillNoteModal } from '../../call-modal-flow.js';
import { CHANNEL_NOT_ALLOWED, channelAllowed } from '../../guards.js';
import { doneModal, loadingModal } from '../../presentation/call-modals.js';

const TITLE = 'Add note to call';

/** Message shortcut "Add note to call": opens at once, then fills in the call's current note from PolyAI. */
export function noteCallShortcut(services: Services) {
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
    await fillNoteModal(services, client, opened.view?.id ?? '', target);
  };
}
