import { ANNOTATION_TITLE, annotationModal } from '../../../presentation/call-modals.js';
import { annotationFormFor, callShortcut } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';

/** Message shortcut "Annotate call": the form, prefilled with the conversation, turn and side the message shows. */
export function annotateCallShortcut(services: Services) {
  return callShortcut(services, ANNOTATION_TITLE, { view: (target) => annotationModal(annotationFormFor(target)) });
}
