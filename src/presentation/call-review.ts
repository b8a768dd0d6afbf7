import type { Button, KnownBlock } from '@slack/types';
import type {
  AnnotationItem,
  AnnotationRole,
  AnnotationType,
  AudioDirection,
  ConversationDetail,
  ConversationSummary,
  ConversationTurn,
  ListConversationsResponse,
  ShortSummary,
} from '../outbound/polyai/types.js';
import type { SlackMessage } from '../outbound/slack/poster.js';
import { code, escapeText, shown, slackDate, splitText, truncate } from './text.js';

/** Slack allows this many blocks in one message. */
const MESSAGE_BLOCK_LIMIT = 50;

/** Action IDs of the buttons on call-review messages and conversation lists. */
export const CALL_ACTIONS = {
  audio: { combined: 'call_audio_combined', user: 'call_audio_user', agent: 'call_audio_agent' },
  note: 'call_note',
  annotate: 'call_annotate',
  open: 'call_open',
  more: 'call_list_more',
} as const satisfies { audio: Record<AudioDirection, string> } & Record<string, unknown>;

/** The recording side an audio button asks for. */
export function audioDirectionOf(actionId: string): AudioDirection | undefined {
  return (Object.entries(CALL_ACTIONS.audio) as Array<[AudioDirection, string]>).find(([, id]) => id === actionId)?.[0];
}

/** How annotation types and roles are shown: in PolyAI's words (Agent Studio's labels, the API's roles). */
export const ANNOTATION_LABELS: Record<AnnotationType, string> = {
  missing_topic: 'Missing topic',
  wrong_transcript: 'Wrong transcription',
  wrong_info: 'Wrong information',
};
export const ROLE_LABELS: Record<AnnotationRole, string> = { user: 'User (caller)', agent: 'Agent' };
const DIRECTION_LABELS: Record<AudioDirection, string> = { combined: 'both sides', user: 'caller', agent: 'agent' };

// ------------------------------------------------------------ button values

/** A call as carried in a button's value. */
export interface CallRef {
  agentId: string;
  conversationId: string;
}

export interface ListPageRef {
  agentId: string;
  limit: number;
  offset: number;
}

function parseJson(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function callButtonValue(call: CallRef): string {
  return JSON.stringify({ a: call.agentId, c: call.conversationId });
}

export function readCallButton(value: string | undefined): CallRef | undefined {
  const data = parseJson(value);
  if (typeof data?.a !== 'string' || typeof data.c !== 'string') return undefined;
  return { agentId: data.a, conversationId: data.c };
}

function pageButtonValue(page: ListPageRef): string {
  return JSON.stringify({ a: page.agentId, l: page.limit, o: page.offset });
}

export function readPageButton(value: string | undefined): ListPageRef | undefined {
  const data = parseJson(value);
  if (typeof data?.a !== 'string' || !Number.isSafeInteger(data.l) || !Number.isSafeInteger(data.o)) return undefined;
  return { agentId: data.a, limit: data.l as number, offset: data.o as number };
}

// ------------------------------------------------------------------- values

export function formatDuration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const total = Math.round(seconds);
  const minutes = Math.floor(total / 60);
  return minutes === 0 ? `${total} s` : `${minutes} min ${total % 60} s`;
}

/** A summary is a string in the docs and `{heading, content}` in recorded responses. */
export function summaryText(summary: ShortSummary | undefined): string | undefined {
  if (summary === null || summary === undefined) return undefined;
  if (typeof summary === 'string') return summary.trim() === '' ? undefined : summary;
  if (typeof summary !== 'object') return nonEmpty(summary);
  const parts = [summary.heading, summary.content].map(nonEmpty).filter((p): p is string => p !== undefined);
  return parts.length === 0 ? undefined : parts.join(': ');
}

function plain(value: unknown): string {
  const text = nonEmpty(value);
  return text === undefined ? '—' : escapeText(text);
}

function handoffText(call: ConversationSummary): string {
  if (call.handoff !== true) return call.handoff === false ? 'no' : '—';
  const to = call.handoffDestination ? ` to ${code(call.handoffDestination)}` : '';
  const why = call.handoffReason ? ` (${escapeText(call.handoffReason)})` : '';
  return `yes${to}${why}`;
}

/** Latency is a number in one version of the docs and an object in recorded responses; its numbers are ms. */
export function latencyText(latency: ConversationTurn['latency']): string | undefined {
  if (typeof latency === 'number' && Number.isFinite(latency)) return `${latency} ms`;
  if (typeof latency !== 'object' || latency === null) return undefined;
  const parts = Object.entries(latency)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string')
    .map(([k, v]) => `${escapeText(k)} ${escapeText(String(v))}${/^\d+(\.\d+)?$/.test(String(v)) ? ' ms' : ''}`);
  return parts.length === 0 ? undefined : truncate(parts.join(', '), 500);
}

// ----------------------------------------------------------- review thread

function callButtons(call: CallRef): KnownBlock {
  const value = callButtonValue(call);
  const button = (action_id: string, text: string): Button => ({
    type: 'button',
    action_id,
    text: { type: 'plain_text', text },
    value,
  });
  return {
    type: 'actions',
    block_id: 'call_controls',
    elements: [
      button(CALL_ACTIONS.audio.combined, ':sound: Audio'),
      button(CALL_ACTIONS.audio.user, 'Caller audio'),
      button(CALL_ACTIONS.audio.agent, 'Agent audio'),
      button(CALL_ACTIONS.note, ':memo: Note'),
      button(CALL_ACTIONS.annotate, ':triangular_flag_on_post: Annotate'),
    ],
  };
}

function textSections(label: string, body: string): KnownBlock[] {
  return splitText(`*${label}:* ${body}`).map((chunk) => ({ type: 'section', text: { type: 'mrkdwn', text: chunk } }));
}

/** The root of a call-review thread: what the call was, its summary and note, and the review buttons. */
export function callRoot(call: ConversationDetail, agentId: string, openedBy: string): SlackMessage {
  const title = `:telephone_receiver: *Call review* of ${code(call.conversationId)} (agent ${code(agentId)}), opened by <@${openedBy}>`;
  const tags = (Array.isArray(call.tags) ? call.tags : []).map(nonEmpty).filter((t): t is string => t !== undefined);
  const fields = [
    `*Channel:* ${plain(call.channel)}  ·  *Direction:* ${plain(call.direction)}`,
    `*Start:* ${slackDate(call.startedAt ?? call.createdAt)}  ·  *Duration:* ${formatDuration(call.duration ?? call.totalDuration)}${call.inProgress === true ? '  ·  _in progress_' : ''}`,
    `*Language:* ${plain(call.language)}  ·  *Environment:* ${plain(call.clientEnv)}  ·  *Variant:* ${call.variantId ? code(call.variantId) : '—'}`,
    `*Handoff:* ${handoffText(call)}`,
    `*Tags:* ${tags.length === 0 ? '—' : tags.map(code).join(' ')}`,
    `*PolyScore:* ${typeof call.polyScore === 'number' ? String(Math.round(call.polyScore * 100) / 100) : '—'}`,
  ].join('\n');
  const summary = summaryText(call.shortSummary);
  const note = nonEmpty(call.note);
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: title } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(fields, 3000) } },
    ...textSections('Summary', summary === undefined ? '_none_' : escapeText(summary)),
    ...textSections('Note', note === undefined ? '_none_' : escapeText(note)),
    callButtons({ agentId, conversationId: call.conversationId }),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'The transcript follows in this thread, several turns a message. Use *Annotate call* on one of them to flag its turns.',
        },
      ],
    },
  ];
  return {
    text: `Call review of conversation ${call.conversationId} (agent ${agentId}), opened by <@${openedBy}>`,
    blocks,
  };
}

/** One turn as an annotation sees it: which turn, and its side when only one side spoke. */
export interface ShownTurn {
  turn: number;
  /** The side the turn shows, when it shows one side only (an annotation is then of that side). */
  role?: AnnotationRole;
}

/** One transcript message as posted, and the turns it shows (several, or part of a long one). */
export interface TranscriptMessage {
  message: SlackMessage;
  turns: ShownTurn[];
}

/**
 * How much block text one transcript message carries at most. Slack takes far more, but
 * collapses long messages behind "Show more"; this keeps about a screenful per message.
 */
const TRANSCRIPT_TEXT_BUDGET = 12_000;

/** Upstream text worth a line: anything but null, undefined and blank, shown as it is. */
function nonEmpty(value: unknown): string | undefined {
  const text = shown(value);
  return text.trim() === '' ? undefined : text;
}

/** One turn's blocks: its lines (split under the section limit) and the latency, when there is one. */
function turnBlocks(turn: ConversationTurn, index: number): { blocks: KnownBlock[]; role?: AnnotationRole } {
  const caller = nonEmpty(turn.user_input);
  const dtmf = nonEmpty(turn.user_input_dtmf);
  const agent = nonEmpty(turn.agent_response);
  const lines = [`*Turn ${index}*`];
  if (caller !== undefined || dtmf !== undefined) {
    const keys = dtmf === undefined ? '' : ` _(keypad: ${escapeText(dtmf)})_`;
    lines.push(`:bust_in_silhouette: *Caller* · ${slackDate(turn.user_input_datetime, '{time_secs}')}${keys}`);
    if (caller !== undefined) lines.push(`> ${escapeText(caller).replace(/\n/g, '\n> ')}`);
  }
  if (agent !== undefined) {
    lines.push(`:robot_face: *Agent* · ${slackDate(turn.agent_response_datetime, '{time_secs}')}`);
    lines.push(escapeText(agent));
  }
  if (caller === undefined && dtmf === undefined && agent === undefined)
    lines.push('_(nothing was said in this turn)_');
  const latency = latencyText(turn.latency);
  const blocks: KnownBlock[] = splitText(lines.join('\n')).map((chunk) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: chunk },
  }));
  if (latency !== undefined) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:stopwatch: latency ${latency}` }] });
  }
  const callerSpoke = caller !== undefined || dtmf !== undefined;
  if (callerSpoke === (agent !== undefined)) return { blocks };
  return { blocks, role: callerSpoke ? 'user' : 'agent' };
}

function blockTextLength(block: KnownBlock): number {
  if (block.type === 'section') return block.text?.text.length ?? 0;
  if (block.type === 'context') return block.elements.reduce((n, e) => n + ('text' in e ? e.text.length : 0), 0);
  return 0;
}

function turnRange(turns: ShownTurn[]): string {
  const first = turns[0]?.turn ?? 0;
  const last = turns.at(-1)?.turn ?? first;
  return first === last ? `turn ${first}` : `turns ${first}–${last}`;
}

/**
 * A call's transcript in as few messages as Slack's limits allow (spec §6: about one message a
 * second per channel): consecutive turns share a message up to 50 blocks and a screenful of
 * text; a turn starts a new message rather than being cut, unless it is longer than one.
 */
export function transcriptMessages(call: ConversationDetail): TranscriptMessage[] {
  const messages: TranscriptMessage[] = [];
  let blocks: KnownBlock[] = [];
  let turns: ShownTurn[] = [];
  let size = 0;
  const flush = () => {
    if (blocks.length === 0) return;
    messages.push({ message: { text: `Transcript of ${call.conversationId}, ${turnRange(turns)}`, blocks }, turns });
    blocks = [];
    turns = [];
    size = 0;
  };
  const all = Array.isArray(call.turns) ? call.turns : [];
  all.forEach((turn, index) => {
    const own = turnBlocks(typeof turn === 'object' && turn !== null ? turn : {}, index);
    const ownSize = own.blocks.reduce((n, b) => n + blockTextLength(b), 0);
    if (blocks.length + own.blocks.length > MESSAGE_BLOCK_LIMIT || size + ownSize > TRANSCRIPT_TEXT_BUDGET) flush();
    for (const block of own.blocks) {
      const length = blockTextLength(block);
      if (blocks.length + 1 > MESSAGE_BLOCK_LIMIT || size + length > TRANSCRIPT_TEXT_BUDGET) flush();
      blocks.push(block);
      size += length;
      if (turns.at(-1)?.turn !== index) turns.push({ turn: index, ...(own.role !== undefined && { role: own.role }) });
    }
  });
  flush();
  return messages;
}

export const NO_TURNS: SlackMessage = {
  text: ':page_facing_up: PolyAI has no transcript turns for this conversation.',
};

// ---------------------------------------------------------------- listing

function listEntry(call: ConversationSummary, agentId: string): KnownBlock {
  const summary = summaryText(call.shortSummary);
  const line = [
    code(call.conversationId),
    slackDate(call.startedAt ?? call.createdAt),
    formatDuration(call.duration ?? call.totalDuration),
    plain(call.channel),
    ...(call.inProgress === true ? ['_in progress_'] : []),
  ].join('  ·  ');
  const text = summary === undefined ? line : `${line}\n${escapeText(truncate(summary, 400))}`;
  return {
    type: 'section',
    text: { type: 'mrkdwn', text },
    accessory: {
      type: 'button',
      action_id: CALL_ACTIONS.open,
      text: { type: 'plain_text', text: 'Open' },
      value: callButtonValue({ agentId, conversationId: call.conversationId }),
    },
  };
}

/** One page of conversations, each with an Open button, and More when there may be another page. */
export function conversationList(page: ListConversationsResponse, request: ListPageRef): SlackMessage[] {
  // A page without a list (or with holes in it) is shown as what it has.
  const conversations = (Array.isArray(page.conversations) ? page.conversations : []).filter(
    (call): call is ConversationSummary => typeof call === 'object' && call !== null,
  );
  const shown = conversations.length;
  const end = request.offset + shown;
  // `count` is the total in some API versions and the page's size in others: only a count
  // past this page's start is surely a total. Without one, a full page may have a next.
  const total =
    typeof page.count === 'number' && (page.count > end || (page.count === end && request.offset > 0))
      ? page.count
      : undefined;
  const more = total === undefined ? shown >= request.limit : total > end;
  const range =
    shown === 0 ? '' : `${request.offset + 1}–${request.offset + shown}${total === undefined ? '' : ` of ${total}`}`;
  const heading =
    shown === 0
      ? request.offset === 0
        ? `No conversations found for agent ${code(request.agentId)}.`
        : `No more conversations for agent ${code(request.agentId)}.`
      : `:telephone_receiver: Conversations of agent ${code(request.agentId)}: ${range}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: heading } },
    ...conversations.map((call) => listEntry(call, request.agentId)),
  ];
  if (shown > 0 && more) {
    blocks.push({
      type: 'actions',
      block_id: 'call_list_paging',
      elements: [
        {
          type: 'button',
          action_id: CALL_ACTIONS.more,
          text: { type: 'plain_text', text: 'More' },
          value: pageButtonValue({ ...request, offset: request.offset + shown }),
        },
      ],
    });
  }
  const messages: SlackMessage[] = [];
  for (let i = 0; i < blocks.length; i += MESSAGE_BLOCK_LIMIT) {
    messages.push({
      text: i === 0 ? heading : `${heading} (continued)`,
      blocks: blocks.slice(i, i + MESSAGE_BLOCK_LIMIT),
    });
  }
  return messages;
}

// ---------------------------------------------------------- confirmations

export function noteConfirmation(user: string, conversationId: string, note: string): SlackMessage {
  const text =
    note.trim() === ''
      ? `:memo: <@${user}> cleared the note of ${code(conversationId)}.`
      : `:memo: <@${user}> set the note of ${code(conversationId)}:\n> ${escapeText(truncate(note, 2800)).replace(/\n/g, '\n> ')}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export function annotationLine(item: AnnotationItem): string {
  return `turn ${item.turnId} (${item.role}) as *${ANNOTATION_LABELS[item.annotationType]}*`;
}

export function annotationConfirmation(user: string, conversationId: string, items: AnnotationItem[]): SlackMessage {
  const text = `:triangular_flag_on_post: <@${user}> flagged ${code(conversationId)}: ${items.map(annotationLine).join('; ')}.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } }] };
}

// ------------------------------------------------------------------- audio

/** `<conversation>-<direction>[-redacted].wav` */
export function audioFilename(conversationId: string, direction: AudioDirection, redacted: boolean): string {
  return `${conversationId}-${direction}${redacted ? '-redacted' : ''}.wav`;
}

export function audioComment(
  conversationId: string,
  direction: AudioDirection,
  redacted: boolean,
  user: string,
): string {
  return `:studio_microphone: Recording of ${code(conversationId)} (${DIRECTION_LABELS[direction]}, ${redacted ? 'redacted' : 'unredacted'}), requested by <@${user}>`;
}

/** Said where the recording would have been posted, when the unredacted one went to a DM instead. */
export function sentPrivately(conversationId: string, direction: AudioDirection, user: string): SlackMessage {
  return {
    text: `:lock: The unredacted recording of ${code(conversationId)} (${DIRECTION_LABELS[direction]}) was sent privately to <@${user}> in a direct message, so that only they can play it.`,
  };
}

export const UNREDACTED_REFUSED: SlackMessage = {
  text: ':no_entry: Only people listed in `POLYCHAT_UNREDACTED_AUDIO_USERS` may fetch unredacted recordings, so nothing was fetched. Leave out `redacted=false` to get the redacted recording, or ask an admin to add you.',
};

export function recordingNotFound(conversationId: string, reference: string): SlackMessage {
  const text = `:mute: PolyAI has no recording of ${code(conversationId)}. Chat conversations have none, and a call's recording may not have been kept.${reference === '' ? '' : ` (${reference})`}`;
  return { text };
}

export function audioFailed(conversationId: string, reason: string): SlackMessage {
  return {
    text: `:warning: The recording of ${code(conversationId)} could not be uploaded: ${escapeText(reason)}. Nothing was posted; try again.`,
  };
}
