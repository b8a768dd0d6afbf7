/** The Slack side of the call-review modals: what they are opened with, and updating them once open. */
import type {
  AllMiddlewareArgs,
  MessageShortcut,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import type { ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { CallTarget } from '../domain/calls/call-reviews.js';
import { PolyAIError } from '../outbound/polyai/errors.js';
import type { SlackMessage } from '../outbound/slack/poster.js';
import { slackErrorCode } from '../outbound/slack/slack-errors.js';
import {
  type AnnotationForm,
  doneModal,
  type FormResult,
  loadingModal,
  type ModalContext,
  type NoteForm,
  noteModal,
  readModalMetadata,
  type StateValues,
  savingModal,
} from '../presentation/call-modals.js';
import { polyaiErrorMessage, polyaiErrorText } from '../presentation/polyai-errors.js';
import type { Services } from './services.js';

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
    ...(target.turn !== undefined && {
      rows: [{ turn: String(target.turn.turn), ...(target.turn.role !== undefined && { role: target.turn.role }) }],
    }),
    ...(target.turns !== undefined && { turns: target.turns }),
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

/**
 * How a call shortcut's modal gets its content: `view` builds it from the store alone, so it opens
 * filled; `fill` needs PolyAI, so the modal opens as "loading" and is filled when the answer comes.
 */
export type CallModalContent =
  | { view: (target: CallTarget) => ModalView }
  | { fill: (client: WebClient, viewId: string, target: CallTarget) => Promise<void> };

/**
 * A message shortcut on a call: the modal opens with the trigger_id (which expires in 3 s) for the
 * call the message belongs to.
 */
export function callShortcut(services: Services, title: string, content: CallModalContent) {
  return async ({
    ack,
    shortcut,
    client,
  }: AllMiddlewareArgs & SlackShortcutMiddlewareArgs<MessageShortcut>): Promise<void> => {
    await ack();
    const channel = shortcut.channel.id;
    if ('view' in content) {
      const target = await services.calls.locate(channel, shortcut.message);
      await client.views.open({ trigger_id: shortcut.trigger_id, view: content.view(target) });
      return;
    }
    const opened = await client.views.open({ trigger_id: shortcut.trigger_id, view: loadingModal(title) });
    await content.fill(client, opened.view?.id ?? '', await services.calls.locate(channel, shortcut.message));
  };
}

/** How one call modal is read, saved and shown again after a PolyAI error. */
export interface CallModalSubmission<T> {
  title: string;
  /** Shown when the modal's context is unreadable (an old or foreign form). */
  expired: string;
  read: (values: StateValues, context: ModalContext) => FormResult<T>;
  /** Sends the form upstream; resolves with the confirmation for the modal. */
  save: (value: T, context: ModalContext, user: string) => Promise<string>;
  /** The form again, as filled in, with the error above it. */
  retry: (value: T, context: ModalContext, values: StateValues, error: string) => ModalView;
  doing: string;
}

/**
 * A call modal submitted: bad fields are answered in the modal; otherwise it shows progress while
 * PolyAI is asked, then the confirmation, or the form again with PolyAI's error (never swallowed).
 */
export function callModalSubmission<T>(services: Services, spec: CallModalSubmission<T>) {
  return async ({
    ack,
    body,
    view,
    client,
  }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    const context = readModalMetadata(view.private_metadata);
    if (context === undefined) {
      await ack({ response_action: 'update', view: doneModal(spec.title, spec.expired) });
      return;
    }
    const form = spec.read(view.state.values, context);
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    await ack({ response_action: 'update', view: savingModal(spec.title) });
    try {
      const done = await spec.save(form.value, context, body.user.id);
      await showAgain(services, client, view.id, doneModal(spec.title, done));
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      await showAgain(
        services,
        client,
        view.id,
        spec.retry(form.value, context, view.state.values, polyaiErrorText(error, spec.doing)),
        {
          channel: context.channel,
          user: body.user.id,
          threadTs: context.threadTs,
          message: polyaiErrorMessage(error, spec.doing),
        },
      );
    }
  };
}
