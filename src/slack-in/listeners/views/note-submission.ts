import { type NoteSubmission, noteModal, noteSaved, readNoteForm } from '../../../presentation/call-modals.js';
import { callModalSubmission } from '../../call-modal-flow.js';
import type { Services } from '../../services.js';

/** The note modal submitted: PolyAI gets the note and the thread a confirmation. */
export function noteSubmission(services: Services) {
  return callModalSubmission<NoteSubmission>(services, {
    title: 'Add note to call',
    expired: ':warning: This form has expired. Use *Add note to call* on the message again.',
    read: readNoteForm,
    save: async ({ agentId, conversationId, note }, context, user) => {
      await services.calls.setNote({ agentId, conversationId, note, user, thread: context });
      return noteSaved(conversationId, note);
    },
    retry: ({ conversationId, note }, context, _values, error) =>
      noteModal({ context, conversation: conversationId, note, error }),
    doing: 'PolyAI did not save the note',
  });
}
