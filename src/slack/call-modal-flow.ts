/** The Slack side of the call-review modals: what they are opened with, and updating them once open. */
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { CallTarget } from '../calls/call-reviews.js';
import { PolyAIError } from '../polyai/errors.js';
import type { Services } from '../services.js';
import type { SlackMessage } from './poster.js';
import { type AnnotationForm, type ModalContext, type NoteForm, noteModal } from './presentation/call-modals.js';
import { polyaiErrorText } from './presentation/polyai-errors.js';
import { slackErrorCode } from './slack-errors.js';

/** What a modal opened on a call carries: where to confirm, the agent, and the conversation when known. */
export function modalContext(target: CallTarget): ModalContext {
  const { channel, threadTs } = target.thread;
  return target.agentId === undefined ? { channel, threadTs } : { channel, threadTs, agentId: target.agentId };
}

/** The annotation form for a call: the conversation prefilled, and the turn and side when the message shows one. */
export function annotationFormFor(target: CallTarget): AnnotationForm {
  return {
    context: modalContext(target),
    ...(target.conversationId !== undefined && { conversation: target.conversationId }),
    ...(target.turn !== undefined && { rows: [{ turn: String(target.turn.turn), role: target.turn.role }] }),
  };
}

/**
 * Replaces an open (loading) modal with the note form, prefilled with the call's current note.
 * A PolyAI error while loading it is shown in the form, which can still be submitted.
 */
export async function fillNoteModal(
  services: Services,
  client: WebClient,
  viewId: string,
  target: CallTarget,
): Promise<void> {
  const form: NoteForm = { context: modalContext(target) };
  if (target.conversationId !== undefined) {
    form.conversation = target.conversationId;
    if (target.agentId !== undefined) {
      try {
        form.note = await services.calls.currentNote(target.agentId, target.conversationId);
      } catch (error) {
        if (!(error instanceof PolyAIError)) throw error;
        form.error = polyaiErrorText(error, 'The current note could not be loaded');
      }
    }
  }
  await client.views.update({ view_id: viewId, view: noteModal(form) });
}

/**
 * Shows `view` in a modal that is already open. When that fails (the person closed it),
 * `fallback` is said in the thread instead, so that an error is never lost.
 */
export async function showAgain(
  services: Services,
  client: WebClient,
  viewId: string,
  view: ModalView,
  fallback?: { channel: string; user: string; threadTs: string; message: SlackMessage },
): Promise<void> {
  try {
    await client.views.update({ view_id: viewId, view });
  } catch (error) {
    services.logger.debug({ viewId, slackError: slackErrorCode(error) ?? String(error) }, 'modal not updated');
    if (fallback !== undefined)
      await services.slack.ephemeral(fallback.channel, fallback.user, fallback.message, fallback.threadTs);
  }
}
