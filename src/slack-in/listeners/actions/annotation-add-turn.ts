import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import {
  ANNOTATION_EXPIRED,
  ANNOTATION_TITLE,
  annotationDraft,
  annotationModal,
  doneModal,
  readModalMetadata,
  type StateValues,
} from '../../../presentation/call-modals.js';
import { showAgain } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';

/**
 * **Add another turn** in the annotation modal: the same form, as filled in so far, with one
 * more turn row (the button's value is how many rows the form then has).
 */
export function annotationAddTurnAction(services: Services) {
  return async ({
    ack,
    body,
    action,
    client,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const view = body.view;
    if (view === undefined) return;
    const context = readModalMetadata(view.private_metadata);
    if (context === undefined) {
      await showAgain(services, client, view.id, doneModal(ANNOTATION_TITLE, ANNOTATION_EXPIRED));
      return;
    }
    const rows = Number.parseInt(action.value ?? '', 10);
    const draft = annotationDraft(view.state.values as StateValues, Number.isSafeInteger(rows) ? rows : 1);
    await showAgain(services, client, view.id, annotationModal({ context, ...draft }));
  };
}
