import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { loadingModal } from '../../../presentation/call-modals.js';
import { readCallButton } from '../../../presentation/call-review.js';
import { fillNoteModal } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The Note button of a call review: the note modal, opened at once, then filled with the current note. */
export function callNoteAction(services: Services) {
  return async ({
    ack,
    body,
    action,
    client,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const call = readCallButton(action.value);
    const thread = pressedIn(body);
    if (call === undefined || thread === undefined) return;
    const opened = await client.views.open({ trigger_id: body.trigger_id, view: loadingModal('Add note to call') });
    await fillNoteModal(services, client, opened.view?.id ?? '', { thread, ...call });
  };
}
