import {
  ANNOTATION_EXPIRED,
  ANNOTATION_TITLE,
  type AnnotationSubmission,
  annotationDraft,
  annotationModal,
  annotationsSaved,
  readAnnotationForm,
} from '../../../presentation/call-modals.js';
import { callModalSubmission } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';

const NOT_POSTED =
  "\n_I couldn't post this in the thread; invite me there with `/invite @polychat` to see confirmations._";

/** The annotation modal submitted: PolyAI gets the annotations and the thread says who flagged what. */
export function annotationSubmission(services: Services) {
  return callModalSubmission<AnnotationSubmission>(services, {
    title: ANNOTATION_TITLE,
    expired: ANNOTATION_EXPIRED,
    read: readAnnotationForm,
    save: async ({ agentId, conversationId, items }, context, user) => {
      const shown = await services.calls.annotate({ agentId, conversationId, items, user, thread: context });
      return annotationsSaved(conversationId, items) + (shown ? '' : NOT_POSTED);
    },
    retry: (_value, context, values, error) => annotationModal({ context, ...annotationDraft(values), error }),
    doing: 'PolyAI did not take the annotation',
  });
}
