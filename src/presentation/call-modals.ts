import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { AnnotationItem, AnnotationRole, AnnotationType } from '../outbound/polyai/types.js';
import { section } from './blocks.js';
import { ANNOTATION_LABELS, annotationLine, ROLE_LABELS } from './call-review.js';
import { type ConversationRef, parseConversationRef, UsageError } from './commands.js';
import { code, escapeText, truncate } from './text.js';

/** Callback IDs of the call-review modals, for their submissions. */
export const CALL_VIEWS = {
  annotate: 'annotate_call_submit',
  note: 'note_call_submit',
} as const;

export const ANNOTATION_TITLE = 'Annotate call';
/** Shown when an annotation form's context is unreadable (an old or foreign form). */
export const ANNOTATION_EXPIRED = ':warning: This form has expired. Use *Annotate call* on the message again.';

/** The button in the annotation modal that adds a turn row. */
export const ANNOTATION_ADD_TURN = 'annotation_add_turn';

/** The most turn rows the annotation modal grows to (3 blocks each, well under Slack's 100); each labelled row is one AnnotationItem. */
export const ANNOTATION_ROWS = 10;
/** Slack's limit on a plain-text input's value. */
const INPUT_LIMIT = 3000;
const ACTION = 'value';

/** Where a modal came from, carried in `private_metadata`: the thread to confirm in, and the agent when known. */
export interface ModalContext {
  channel: string;
  threadTs: string;
  agentId?: string;
  /** The annotation modal's shown turns, kept so its rows offer them again after **Add another turn**. */
  turns?: number[];
}

export function modalMetadata(context: ModalContext): string {
  return JSON.stringify(context);
}

export function readModalMetadata(raw: string): ModalContext | undefined {
  try {
    const data: unknown = JSON.parse(raw);
    if (typeof data !== 'object' || data === null) return undefined;
    const { channel, threadTs, agentId, turns } = data as Record<string, unknown>;
    if (typeof channel !== 'string' || typeof threadTs !== 'string') return undefined;
    const shownTurns = Array.isArray(turns) && turns.every(Number.isSafeInteger) ? (turns as number[]) : undefined;
    return {
      channel,
      threadTs,
      ...(typeof agentId === 'string' && { agentId }),
      ...(shownTurns !== undefined && { turns: shownTurns }),
    };
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
function turnInput(i: number, initial: string | undefined, shownTurns: number[] | undefined): KnownBlock {
  const label = i === 1 ? 'Turn' : `Turn (${ordinal(i)} annotation)`;
  if (shownTurns !== undefined && shownTurns.length > 1) {
    const choices = Object.fromEntries(shownTurns.slice(0, 100).map((turn) => [String(turn), `Turn ${turn}`]));
    return select(`turn_${i}`, label, choices, initial);
  }
  return {
    type: 'input',
    block_id: `turn_${i}`,
    label: plainText(label),
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

function turnRow(i: number, draft: AnnotationRowDraft, shownTurns: number[] | undefined): KnownBlock[] {
  return [
    ...(i === 1 ? [] : [{ type: 'divider' as const }]),
    turnInput(i, draft.turn, shownTurns),
    select(`side_${i}`, 'Role', ROLE_LABELS, draft.role),
    select(`label_${i}`, 'Annotation type', ANNOTATION_LABELS, draft.label),
  ];
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * The annotation form: one turn row to begin with (prefilled when the message shows a turn,
 * its role only when it shows one side), and **Add another turn** for more.
 */
export function annotationModal(form: AnnotationForm): ModalView {
  const shownTurns = form.turns ?? form.context.turns;
  const drafts = (form.rows ?? []).slice(0, ANNOTATION_ROWS);
  const rows = drafts.length === 0 ? [{}] : drafts;
  const addTurn: KnownBlock[] =
    rows.length >= ANNOTATION_ROWS
      ? []
      : [
          {
            type: 'actions',
            block_id: 'annotation_rows',
            elements: [
              {
                type: 'button',
                action_id: ANNOTATION_ADD_TURN,
                text: plainText('Add another turn'),
                value: String(rows.length + 1),
              },
            ],
          },
        ];
  return {
    type: 'modal',
    callback_id: CALL_VIEWS.annotate,
    private_metadata: modalMetadata({ ...form.context, ...(shownTurns !== undefined && { turns: shownTurns }) }),
    title: plainText(ANNOTATION_TITLE),
    submit: plainText('Annotate'),
    close: plainText('Cancel'),
    blocks: [
      ...errorBlocks(form.error),
      ...conversationBlocks(form.conversation, form.context),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'User turns are usually a *Missing topic* or a *Wrong transcription*; agent turns *Wrong information*. A turn without an annotation type is left out.',
          },
        ],
      },
      ...rows.flatMap((draft, i) => turnRow(i + 1, draft, shownTurns)),
      ...addTurn,
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

/**
 * The rows as typed, to show the form again (after a failed submission, or with a row added):
 * at least `shown` rows, and every row up to the last one with anything in it.
 */
export function annotationDraft(values: StateValues, shown = 1): { conversation?: string; rows: AnnotationRowDraft[] } {
  const rows: AnnotationRowDraft[] = [];
  for (let i = 1; i <= ANNOTATION_ROWS; i++) {
    const role = field(values, `side_${i}`);
    const label = field(values, `label_${i}`);
    rows.push({
      turn: field(values, `turn_${i}`),
      ...(isKey(ROLE_LABELS, role) && { role }),
      ...(isKey(ANNOTATION_LABELS, label) && { label }),
    });
  }
  const used = rows.findLastIndex((row) => Object.values(row).some((value) => value !== undefined)) + 1;
  rows.splice(Math.min(ANNOTATION_ROWS, Math.max(used, shown)));
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
    if (!isKey(ROLE_LABELS, role)) errors[`side_${i}`] = 'Which role: the user (caller) or the agent?';
    else if (turn !== undefined) items.push({ turnId: Number(turn), role, annotationType: label });
  }
  if (items.length === 0 && Object.keys(errors).every((k) => k === 'conversation' || k === 'agent')) {
    errors.label_1 = 'Choose the annotation type: what is wrong with the turn.';
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
