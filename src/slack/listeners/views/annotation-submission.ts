import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { PolyAIError } from '../../../polyai/errors.js';
import type { Services } from '../../../services.js';
import { showAgain } from '../../call-modal-flow.js';
import {
  annotationDraft,
  annotationModal,
  annotationsSaved,
  doneModal,
  readAnnotationForm,
  readModalMetadata,
  savingModal,
} from '../../presentation/call-modals.js';
import { polyaiErrorMessage, polyaiErrorText } from '../../presentation/polyai-errors.js';

const TITLE = 'Annotate call';
const NOT_POSTED =
  "\n_I couldn't post this in the thread; invite me there with `/invite @polychat` to see confirmations._";

/**
 * The annotation modal submitted: bad fields are answered in the modal; otherwise the modal
 * shows progress, PolyAI gets the annotations, and the thread gets the confirmation. A PolyAI
 * error brings the form back, as filled in, with the error above it.
 */
export function annotationSubmission(services: Services) {
  return async ({
    ack,
    body,
    view,
    client,
  }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    const context = readModalMetadata(view.private_metadata);
    if (context === undefined) {
      await ack({
        response_action: 'update',
        view: doneModal(TITLE, ':warning: This form has expired. Use *Annotate call* on the message again.'),
      });
      return;
    }
    const form = readAnnotationForm(view.state.values, context);
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    await ack({ response_action: 'update', view: savingModal(TITLE) });
    const { agentId, conversationId, items } = form.value;
    try {
      const shown = await services.calls.annotate({
        agentId,
        conversationId,
        items,
        user: body.user.id,
        thread: context,
      });
      const text = annotationsSaved(conversationId, items) + (shown ? '' : NOT_POSTED);
      await showAgain(services, client, view.id, doneModal(TITLE, text));
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      const doing = 'PolyAI did not take the annotation';
      await showAgain(
        services,
        client,
        view.id,
        annotationModal({ context, ...annotationDraft(view.state.values), error: polyaiErrorText(error, doing) }),
        {
          channel: context.channel,
          user: body.user.id,
          threadTs: context.threadTs,
          message: polyaiErrorMessage(error, doing),
        },
      );
    }
  };
}
