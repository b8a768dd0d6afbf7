import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { annotationModal } from '../../../presentation/call-modals.js';
import { readCallButton } from '../../../presentation/call-review.js';
import { annotationFormFor } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The Annotate button of a call review: the annotation modal for that call, opened at once. */
export function callAnnotateAction(_services: Services) {
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
    const form = annotationFormFor({ thread, ...call });
    await client.views.open({ trigger_id: body.trigger_id, view: annotationModal(form) });
  };
}
