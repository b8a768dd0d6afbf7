import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { AnnotationItem, AnnotationRole, AnnotationType } from '../outbound/polyai/types.js';
import { section } from './blocks.js';
import { ANNOTATION_LABELS, annotationLine, SIDE_LABELS } from './call-review.js';
import { type ConversationRef, parseConversationRef, UsageError } from './commands.js';
import { code, escapeText, truncate } from './text.js';

/** Callback IDs of the call-review modals, for their submissions. */
export const CALL_VIEWS = {
  annotate: 'annotate_call_submit',
  note: 'note_call_submit',
} as const;

/** How many annotation rows the modal offers; each labelled row is one AnnotationItem. */
export const ANNOTATION_ROWS = 3;
/** Slack's limit on a plain-text input's value. */
const INPUT_LIMIT = 3000;
const ACTION = 'value';

/** Where a modal came from, carried in `private_metadata`: the thread to confirm in, and the agent when known. */
export interface ModalContext {
  channel: string;
  threadTs: string;
  agentId?: string;
}

export function modalMetadata(context: ModalContext): string {
  return JSON.stringify(context);
}

export function readModalMetadata(raw: string): ModalContext | undefined {
  try {
    const data: unknown = JSON.parse(raw);
    if (typeof data !== 'object' || data === null) return undefined;
    const { channel, threadTs, agentId } = data as Record<string, unknown>;
    if (typeof channel !== 'string' || typeof threadTs !== 'string') return undefined;
    return typeof agentId === 'string' ? { channel, threadTs, agentId } : { channel, threadTs };
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------ plain views

function plainText(text: string) {
  return { type: 'plain_text' as const, text };
}

/** Opened at once with the trigger_id, then replaced once what the form needs is known. */
export function loadingModal(title: string): ModalView {
  return {
    type: 'modal',
    title: plainText(title),
    close: plainText('Cancel'),
    blocks: [section(':hourglass_flowing_sand: Loading…')],
  };
}

/** Shown while the submission is with PolyAI. */
export function savingModal(title: string): ModalView {
  return {
    type: 'modal',
    title: plainText(title),
    close: plainText('Close'),
    blocks: [section(':hourglass_flowing_sand: Saving…')],
  };
}

export function doneModal(title: string, text: string): ModalView {
  return { type: 'modal', title: plainText(title), close: plainText('Close'), blocks: [section(text)] };
}

// ----------------------------------------------------------------- inputs

function textInput(
  blockId: string,
  label: string,
  initial: string | undefined,
  options: { multiline?: boolean; optional?: boolean; hint?: string; placeholder?: string } = {},
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(label),
    optional: options.optional ?? false,
    ...(options.hint !== undefined && { hint: plainText(options.hint) }),
    element: {
      type: 'plain_text_input',
      action_id: ACTION,
      multiline: options.multiline ?? false,
      max_length: INPUT_LIMIT,
      ...(options.placeholder !== undefined && { placeholder: plainText(options.placeholder) }),
      ...(initial !== undefined && initial !== '' && { initial_value: truncate(initial, INPUT_LIMIT) }),
    },
  };
}

function option<T extends string>(value: T, text: string): PlainTextOption {
  return { text: plainText(text), value };
}

function select<T extends string>(
  blockId: string,
  label: string,
  choices: Record<T, string>,
  initial: T | undefined,
): KnownBlock {
  const options = (Object.entries(choices) as Array<[T, string]>).map(([value, text]) => option(value, text));
  const selected = options.find((o) => o.value === initial);
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(label),
    optional: true,
    element: {
      type: 'static_select',
      action_id: ACTION,
      placeholder: plainText('Choose'),
      options,
      ...(selected !== undefined && { initial_option: selected }),
    },
  };
}

function conversationBlocks(conversation: string | undefined, context: ModalContext): KnownBlock[] {
  return [
    textInput('conversation', 'Conversation', conversation, {
      hint: 'A conversation ID or an Agent Studio link that contains one.',
      placeholder: 'e.g. CA1234… or https://studio.poly.ai/…',
    }),
    context.agentId === undefined
      ? textInput('agent', 'Agent ID', undefined, {
          hint: 'No agent is set for this channel; name the one the conversation belongs to.',
        })
      : { type: 'context', elements: [{ type: 'mrkdwn', text: `Agent ${code(context.agentId)}` }] },
  ];
}

function errorBlocks(error: string | undefined): KnownBlock[] {
  return error === undefined ? [] : [section(error)];
}

// ------------------------------------------------------------- annotation

/** What the rows of the form hold, as typed (kept so a failed submission can be shown again). */
export interface AnnotationRowDraft {
  turn?: string;
  role?: AnnotationRole;
  label?: AnnotationType;
}

export interface AnnotationForm {
  context: ModalContext;
  conversation?: string;
  rows?: AnnotationRowDraft[];
  /** The turns the message shows, when several: each row then offers exactly these. */
  turns?: number[];
  /** A problem to show above the form, e.g. a PolyAI error on the last submission. */
  error?: string;
}

/** A row's turn: a choice of the turns the message shows, or a number when it shows one (or none). */
function turnInput(row: number, initial: string | undefined, shown: number[] | undefined): KnownBlock {
  if (shown !== undefined && shown.length > 1) {
    const choices = Object.fromEntries(shown.slice(0, 100).map((turn) => [String(turn), `Turn ${turn}`]));
    return select(`turn_${row}`, 'Turn', choices, row === 1 ? initial : undefined);
  }
  return {
    type: 'input',
    block_id: `turn_${row}`,
    label: plainText('Turn'),
    optional: true,
    hint: plainText('Zero-based: the greeting is turn 0.'),
    element: {
      type: 'number_input',
      action_id: ACTION,
      is_decimal_allowed: false,
      min_value: '0',
      ...(initial !== undefined && initial !== '' && { initial_value: initial }),
    },
  };
}

export function annotationModal(form: AnnotationForm): ModalView {
  const rows: KnownBlock[] = [];
  for (let i = 1; i <= ANNOTATION_ROWS; i++) {
    const draft = form.rows?.[i - 1] ?? {};
    rows.push(
      { type: 'header', text: plainText(i === 1 ? 'What is wrong' : `Also (optional)`) },
      turnInput(i, draft.turn, form.turns),
      select(`side_${i}`, 'Side', SIDE_LABELS, draft.role),
      select(`label_${i}`, 'Label', ANNOTATION_LABELS, draft.label),
    );
  }
  return {
    type: 'modal',
    callback_id: CALL_VIEWS.annotate,
    private_metadata: modalMetadata(form.context),
    title: plainText('Annotate call'),
    submit: plainText('Flag'),
    close: plainText('Cancel'),
    blocks: [
      ...errorBlocks(form.error),
      ...conversationBlocks(form.conversation, form.context),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Caller turns are usually a *Missing topic* or a *Wrong transcription*; agent turns *Wrong information*. Rows without a label are left out.',
          },
        ],
      },
      ...rows,
    ],
  };
}

export type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

function field(values: StateValues, blockId: string): string | undefined {
  const state = values[blockId]?.[ACTION];
  const raw = state?.selected_option?.value ?? state?.value ?? undefined;
  const value = raw?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function isKey<T extends string>(choices: Record<T, string>, value: string | undefined): value is T {
  return value !== undefined && Object.hasOwn(choices, value);
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

/** The call a modal names: a typed (or prefilled) conversation, and the agent from a link, the context or the form. */
function readCall(
  values: StateValues,
  context: ModalContext,
  errors: Record<string, string>,
): { conversationId: string; agentId: string } | undefined {
  const typed = field(values, 'conversation');
  if (typed === undefined) {
    errors.conversation = 'Name the conversation: an ID or an Agent Studio link.';
    return undefined;
  }
  let ref: ConversationRef;
  try {
    ref = parseConversationRef(typed, '');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    errors.conversation = `${error.message}.`;
    return undefined;
  }
  const agentId = ref.agentId ?? context.agentId ?? field(values, 'agent');
  if (agentId === undefined) {
    errors[values.agent === undefined ? 'conversation' : 'agent'] = 'Name the agent this conversation belongs to.';
    return undefined;
  }
  return { conversationId: ref.conversationId, agentId };
}

export interface AnnotationSubmission {
  agentId: string;
  conversationId: string;
  items: AnnotationItem[];
}

/** The rows as typed, to show the form again after a failed submission. */
export function annotationDraft(values: StateValues): { conversation?: string; rows: AnnotationRowDraft[] } {
  const rows: AnnotationRowDraft[] = [];
  for (let i = 1; i <= ANNOTATION_ROWS; i++) {
    const role = field(values, `side_${i}`);
    const label = field(values, `label_${i}`);
    rows.push({
      turn: field(values, `turn_${i}`),
      ...(isKey(SIDE_LABELS, role) && { role }),
      ...(isKey(ANNOTATION_LABELS, label) && { label }),
    });
  }
  const conversation = field(values, 'conversation');
  return conversation === undefined ? { rows } : { conversation, rows };
}

/**
 * Reads a submitted annotation form. A row counts when it has a label; it then needs a turn
 * (a whole number, 0 or more) and a side. Problems come back as errors keyed by block ID.
 */
export function readAnnotationForm(values: StateValues, context: ModalContext): FormResult<AnnotationSubmission> {
  const errors: Record<string, string> = {};
  const call = readCall(values, context, errors);
  const items: AnnotationItem[] = [];
  for (let i = 1; i <= ANNOTATION_ROWS; i++) {
    const turn = field(values, `turn_${i}`);
    const role = field(values, `side_${i}`);
    const label = field(values, `label_${i}`);
    if (turn !== undefined && !/^\d{1,9}$/.test(turn)) {
      errors[`turn_${i}`] = 'A turn is a whole number, 0 or more (the greeting is turn 0).';
      continue;
    }
    if (label === undefined) continue;
    if (!isKey(ANNOTATION_LABELS, label)) {
      errors[`label_${i}`] = 'Choose one of the labels.';
      continue;
    }
    if (turn === undefined) errors[`turn_${i}`] = 'Which turn? The greeting is turn 0.';
    if (!isKey(SIDE_LABELS, role)) errors[`side_${i}`] = 'Which side: caller or agent?';
    else if (turn !== undefined) items.push({ turnId: Number(turn), role, annotationType: label });
  }
  if (items.length === 0 && Object.keys(errors).every((k) => k === 'conversation' || k === 'agent')) {
    errors.label_1 = 'Choose what is wrong with the turn.';
  }
  if (Object.keys(errors).length > 0 || call === undefined) return { ok: false, errors };
  return { ok: true, value: { ...call, items } };
}

export function annotationsSaved(conversationId: string, items: AnnotationItem[]): string {
  return `:white_check_mark: Flagged ${code(conversationId)}: ${items.map(annotationLine).join('; ')}.`;
}

// ------------------------------------------------------------------- note

export interface NoteForm {
  context: ModalContext;
  conversation?: string;
  note?: string;
  error?: string;
}

export function noteModal(form: NoteForm): ModalView {
  return {
    type: 'modal',
    callback_id: CALL_VIEWS.note,
    private_metadata: modalMetadata(form.context),
    title: plainText('Add note to call'),
    submit: plainText('Save'),
    close: plainText('Cancel'),
    blocks: [
      ...errorBlocks(form.error),
      ...conversationBlocks(form.conversation, form.context),
      textInput('note', 'Note', form.note, {
        multiline: true,
        optional: true,
        hint: "This replaces the call's note in PolyAI; leave it empty to clear it.",
      }),
    ],
  };
}

export interface NoteSubmission {
  agentId: string;
  conversationId: string;
  note: string;
}

export function readNoteForm(values: StateValues, context: ModalContext): FormResult<NoteSubmission> {
  const errors: Record<string, string> = {};
  const call = readCall(values, context, errors);
  if (Object.keys(errors).length > 0 || call === undefined) return { ok: false, errors };
  return { ok: true, value: { ...call, note: values.note?.[ACTION]?.value ?? '' } };
}

export function noteSaved(conversationId: string, note: string): string {
  return note.trim() === ''
    ? `:white_check_mark: Cleared the note of ${code(conversationId)}.`
    : `:white_check_mark: Saved the note of ${code(conversationId)}:\n> ${escapeText(truncate(note, 2500)).replace(/\n/g, '\n> ')}`;
}
