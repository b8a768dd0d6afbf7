import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { PolyAIError } from '../../../polyai/errors.js';
import type { Services } from '../../../services.js';
import { showAgain } from '../../call-modal-flow.js';
import {
  doneModal,
  noteModal,
  noteSaved,
  readModalMetadata,
  readNoteForm,
  savingModal,
} from '../../presentation/call-modals.js';
import { polyaiErrorMessage, polyaiErrorText } from '../../presentation/polyai-errors.js';

const TITLE = 'Add note to call';

/** The note modal submitted: PolyAI gets the note and the thread a confirmation; a PolyAI error brings the form back. */
export function noteSubmission(services: Services) {
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
        view: doneModal(TITLE, ':warning: This form has expired. Use *Add note to call* on the message again.'),
      });
      return;
    }
    const form = readNoteForm(view.state.values, context);
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    await ack({ response_action: 'update', view: savingModal(TITLE) });
    const { agentId, conversationId, note } = form.value;
    try {
      await services.calls.setNote({ agentId, conversationId, note, user: body.user.id, thread: context });
      await showAgain(services, client, view.id, doneModal(TITLE, noteSaved(conversationId, note)));
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      const doing = 'PolyAI did not save the note';
      await showAgain(
        services,
        client,
        view.id,
        noteModal({ context, conversation: conversationId, note, error: polyaiErrorText(error, doing) }),
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
