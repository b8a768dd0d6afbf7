import type { KnownBlock, ModalView, Overflow } from '@slack/types';
import {
  type FunctionCall,
  isRecord,
  label,
  present,
  readTrace,
  type StateChanges,
  stringify,
  type TurnTrace,
} from '../outbound/polyai/metadata.js';
import type { SlackMessage } from '../outbound/slack/poster.js';
import type { ReplyDetails } from '../outbound/store/records.js';
import { section } from './blocks.js';
import { code, escapeText, SECTION_TEXT_LIMIT, slackDate, truncate } from './text.js';

/** Slack's limit on blocks in a modal. */
export const MODAL_BLOCK_LIMIT = 100;
/** Slack's limit on one field of a section. */
const FIELD_TEXT_LIMIT = 2000;
/** Slack's limit on a header block's text. */
const HEADER_TEXT_LIMIT = 150;
/** Kept well under Slack's overall view size, and more than anyone reads in a modal. */
const MODAL_CHAR_BUDGET = 60_000;

/** The action ID of the menu on every agent reply. */
export const TURN_MENU_ACTION = 'turn_menu';

/** What the menu on an agent reply offers. */
export type TurnMenuChoice = 'details' | 'annotate' | 'conversation';

const TURN_MENU: Array<[TurnMenuChoice, string]> = [
  ['details', 'Details'],
  ['annotate', 'Annotate this turn'],
  ['conversation', 'Copy conversation ID'],
];

/**
 * The one compact menu on every agent reply. Each option's value names the choice and the
 * reply within its thread: the turn, and which part of it (delayed responses come in several).
 */
export function turnMenu(reply: string): Overflow {
  return {
    type: 'overflow',
    action_id: TURN_MENU_ACTION,
    options: TURN_MENU.map(([choice, text]) => ({ text: { type: 'plain_text', text }, value: `${choice}:${reply}` })),
  };
}

/** The choice and reply a menu option's value carries; undefined for a value polychat did not make. */
export function readTurnMenu(value: string | undefined): { choice: TurnMenuChoice; reply: string } | undefined {
  const [choice, reply] = (value ?? '').split(':', 2);
  const known = TURN_MENU.find(([name]) => name === choice)?.[0];
  return known === undefined || reply === undefined || reply === '' ? undefined : { choice: known, reply };
}

/** The name of an agent reply within its thread, as its menu carries it. */
export function replyName(turn: number, part: number): string {
  return `${turn}.${part}`;
}

/** "Copy conversation ID": Slack cannot write a clipboard, so the ID is shown alone in a code span, to select. */
export function conversationIdMessage(conversationId: string | undefined): SlackMessage {
  return conversationId === undefined
    ? { text: "polychat no longer knows this reply's conversation (it keeps that for 30 days)." }
    : { text: `Conversation ID of this chat, to copy: ${code(conversationId)}` };
}

function rawText(value: unknown, pretty = false): string {
  return typeof value === 'string' ? value : stringify(value, pretty);
}

/** A value as inline code, cut to about `limit` characters. */
function inline(value: unknown, limit = 300): string {
  const raw = rawText(value);
  return code(raw.length > limit ? `${raw.slice(0, limit)}…` : raw);
}

/** A value as a code block (pretty JSON for structures), cut to `limit` characters with a note. */
function codeBlock(value: unknown, limit: number): string {
  const raw = rawText(value, true);
  const escaped = escapeText(raw).replace(/```/g, "'''");
  const note = `\n… (${raw.length.toLocaleString('en-US')} characters in all)`;
  const body = escaped.length <= limit ? escaped : `${truncate(escaped, limit - note.length)}${note}`;
  return `\`\`\`${body}\`\`\``;
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) }] };
}

/** Blocks within Slack's limits: once the count or size budget is spent, the rest is counted, not shown. */
class Sheet {
  private readonly blocks: KnownBlock[] = [];
  private chars = 0;
  private omitted = 0;

  constructor(
    private readonly maxBlocks: number,
    private readonly maxChars: number,
  ) {}

  add(...blocks: KnownBlock[]): void {
    const size = blocks.reduce((n, block) => n + JSON.stringify(block).length, 0);
    // One block stays free for the note that says something was left out.
    if (
      this.omitted > 0 ||
      this.blocks.length + blocks.length > this.maxBlocks - 1 ||
      this.chars + size > this.maxChars
    ) {
      this.omitted += blocks.length;
      return;
    }
    this.blocks.push(...blocks);
    this.chars += size;
  }

  /** Adds lines as sections of at most Slack's section size, under an optional title line. */
  addLines(title: string, lines: string[]): void {
    let text = title;
    for (const line of lines) {
      const next = text === '' ? line : `${text}\n${line}`;
      if (next.length > SECTION_TEXT_LIMIT && text !== '') {
        this.add(section(text));
        text = line;
      } else text = next;
    }
    if (text !== '') this.add(section(text));
  }

  finish(): KnownBlock[] {
    if (this.omitted === 0) return this.blocks;
    return [
      ...this.blocks,
      context(
        `:scissors: ${this.omitted} more block${this.omitted === 1 ? '' : 's'} left out to fit Slack's limits on a modal.`,
      ),
    ];
  }
}

function flowFields(trace: TurnTrace): KnownBlock | undefined {
  const fields = [
    ['Flow', trace.inFlow],
    ['Step', trace.inStep],
    ['Current node', trace.currentNode],
  ]
    .filter((field): field is [string, string] => field[1] !== undefined)
    .map(([name, value]) => ({
      type: 'mrkdwn' as const,
      text: truncate(`*${name}*\n${inline(value)}`, FIELD_TEXT_LIMIT),
    }));
  return fields.length === 0 ? undefined : { type: 'section', fields };
}

function nodeTrace(nodes: string[]): string {
  const shown: string[] = [];
  let length = 0;
  for (const node of nodes) {
    const item = inline(node, 100);
    if (length + item.length > 2500) break;
    shown.push(item);
    length += item.length + 3;
  }
  const more = nodes.length - shown.length;
  return `*Node trace:* ${shown.join(' → ')}${more > 0 ? ` … (${more} more)` : ''}`;
}

/** A function's duration with its unit where PolyAI names one, else marked as PolyAI's own number. */
function durationText(call: FunctionCall): string {
  const value = escapeText(label(call.duration) ?? stringify(call.duration)).slice(0, 50);
  return call.durationUnit === 'ms' ? `${value} ms` : `duration ${value} _(as PolyAI sends it; no unit given)_`;
}

function functionSection(call: FunctionCall, index: number): KnownBlock {
  const changed = call.stateChanges.added.length + call.stateChanges.updated.length + call.stateChanges.removed.length;
  const facts = [
    `*${index + 1}.* ${inline(call.name ?? '(unnamed)', 150)}`,
    present(call.duration) ? `:stopwatch: ${durationText(call)}` : '',
    present(call.error) ? ':warning: *error*' : '',
    present(call.handoff) ? ':telephone_receiver: handoff' : '',
    present(call.hangup) ? ':end: hang-up' : '',
    changed > 0 ? `:card_index: ${changed} state change${changed === 1 ? '' : 's'}` : '',
  ].filter((fact) => fact !== '');
  const lines = [facts.join('  ·  ')];
  if (present(call.arguments)) lines.push(`Arguments:${codeBlock(call.arguments, 1400)}`);
  if (present(call.error)) lines.push(`Error:${codeBlock(call.error, 700)}`);
  for (const [name, value] of [
    ['Handoff', call.handoff],
    ['Hang-up', call.hangup],
  ] as const) {
    if (present(value) && value !== true) lines.push(`${name}: ${inline(value, 200)}`);
  }
  return section(lines.join('\n'));
}

const CHANGE_KINDS = [
  ['added', ':heavy_plus_sign: added'],
  ['updated', ':pencil2: updated'],
  ['removed', ':heavy_minus_sign: removed'],
] as const;

function changeLines(changes: StateChanges, by: string | undefined): string[] {
  const source = by === undefined ? '' : ` _by ${inline(by, 80)}_`;
  return CHANGE_KINDS.flatMap(([kind, verb]) =>
    changes[kind].map(
      ([key, value]) => `${verb} ${inline(key, 100)}${value === undefined ? '' : ` = ${inline(value, 400)}`}${source}`,
    ),
  );
}

function listLine(title: string, items: unknown[]): string | undefined {
  if (items.length === 0) return undefined;
  const shown = items.slice(0, 30).map((item) => inline(label(item) ?? item, 200));
  const more = items.length > shown.length ? ` … (${items.length - shown.length} more)` : '';
  return `*${title}:* ${shown.join(', ')}${more}`;
}

/** The header lines of the modal: which turn, of which conversation, how long it took. */
function summary(details: ReplyDetails): KnownBlock[] {
  const title = details.turn === 0 ? 'Greeting' : `Turn ${details.turn}`;
  const facts = [
    `Conversation ${code(details.conversationId)}`,
    `agent ${code(details.agentId)}`,
    details.clientEnv,
    `:stopwatch: answered in *${details.latencyMs} ms* (measured by polychat)`,
    slackDate(details.at),
  ].filter((fact) => fact !== '');
  const said = [
    details.userInput.trim() === '' ? undefined : `*User:* ${truncate(escapeText(details.userInput), 900)}`,
    `*Agent:* ${details.response.trim() === '' ? '_(no text)_' : truncate(escapeText(details.response), 1500)}`,
  ].filter((line): line is string => line !== undefined);
  return [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, HEADER_TEXT_LIMIT) } },
    context(facts.join('  ·  ')),
    section(said.join('\n')),
  ];
}

/** The body of the modal: every part of the trace that PolyAI sent, in the order a designer reads it. */
function traceBlocks(sheet: Sheet, trace: TurnTrace): boolean {
  let shown = false;
  const add = (...blocks: KnownBlock[]) => {
    shown = true;
    sheet.add(...blocks);
  };
  const flow = flowFields(trace);
  if (flow !== undefined) add(flow);
  if (trace.nodeTrace.length > 0) add(section(nodeTrace(trace.nodeTrace)));

  if (trace.functions.length > 0) {
    add({ type: 'divider' }, section(`*Function calls (${trace.functions.length})*`));
    trace.functions.forEach((call, i) => {
      sheet.add(functionSection(call, i));
    });
  }

  const changes = [
    ...trace.functions.flatMap((call) => changeLines(call.stateChanges, call.name ?? '(unnamed)')),
    ...changeLines(trace.stateChanges, undefined),
  ];
  if (changes.length > 0) {
    add({ type: 'divider' });
    sheet.addLines(`*State changes (${changes.length})*`, changes);
  }

  const retrieval = [
    listLine('Retrieved topics', trace.retrievedTopics),
    listLine('Retrieved sources', trace.retrievedSources),
    present(trace.citedTopic)
      ? `*Cited topic:* ${inline(label(trace.citedTopic) ?? trace.citedTopic, 300)}`
      : undefined,
    present(trace.handoffDestination)
      ? `*Handoff destination:* ${inline(label(trace.handoffDestination) ?? trace.handoffDestination, 300)}`
      : undefined,
    trace.asrLangCode !== undefined || trace.ttsLangCode !== undefined
      ? `*Language:* ASR ${inline(trace.asrLangCode ?? '—', 40)} · TTS ${inline(trace.ttsLangCode ?? '—', 40)}`
      : undefined,
  ].filter((line): line is string => line !== undefined);
  if (retrieval.length > 0) {
    add({ type: 'divider' });
    sheet.addLines('', retrieval);
  }

  if (present(trace.state)) add({ type: 'divider' }, section(`*State after the turn*${codeBlock(trace.state, 2800)}`));
  if (present(trace.metrics)) add(section(`*Metrics*${codeBlock(trace.metrics, 1500)}`));
  if (Array.isArray(trace.llmRequests) && trace.llmRequests.length > 0) {
    add(section(`*LLM requests:* ${trace.llmRequests.length}`));
  } else if (present(trace.llmRequests)) add(section(`*LLM requests*${codeBlock(trace.llmRequests, 1000)}`));
  if (trace.other.length > 0) add(section(`*Other fields*${codeBlock(Object.fromEntries(trace.other), 2000)}`));
  return shown;
}

/**
 * The Details modal of one agent reply. Pure, and safe on any metadata: whatever the
 * shape, the view stays within Slack's limits (blocks, text sizes) and says what it cut.
 */
export function turnDetailsView(details: ReplyDetails | undefined): ModalView {
  const view = (blocks: KnownBlock[]): ModalView => ({
    type: 'modal',
    title: { type: 'plain_text', text: 'Turn details' },
    close: { type: 'plain_text', text: 'Close' },
    blocks,
  });
  if (details === undefined) {
    return view([
      section(
        "The details of this reply aren't available: polychat keeps them for 30 days, from the time the reply was posted.",
      ),
    ]);
  }
  const sheet = new Sheet(MODAL_BLOCK_LIMIT, MODAL_CHAR_BUDGET);
  sheet.add(...summary(details));
  const shown = traceBlocks(sheet, readTrace(details.metadata));
  if (!shown) {
    const { metadata } = details;
    const sent =
      metadata === undefined || metadata === null
        ? 'no metadata'
        : isRecord(metadata)
          ? 'no trace fields'
          : `metadata of an unexpected shape (${Array.isArray(metadata) ? 'a list' : typeof metadata})`;
    sheet.add(context(`PolyAI sent ${sent} for this reply.`));
  }
  return view(sheet.finish());
}
