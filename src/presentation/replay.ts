import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { SlackMessage } from '../outbound/slack/poster.js';
import type { SessionSettings, ThreadRef } from '../outbound/store/records.js';
import { CLIENT_ENVS } from '../platform/config.js';
import { type StartOptions, startOptions, USAGE, UsageError } from './commands.js';
import { code, escapeText, SECTION_TEXT_LIMIT, truncate } from './text.js';

/** The Replay modal's callback, and its inputs (block ID, action ID). */
export const REPLAY_VIEW = 'replay_submit';
export const REPLAY_INPUTS = {
  env: { block: 'replay_env', action: 'env' },
  variant: { block: 'replay_variant', action: 'variant' },
  lang: { block: 'replay_lang', action: 'lang' },
} as const;
export const REPLAY_ACTIONS = { stop: 'replay_stop' } as const;
/** Blocks per comparison message, under Slack's 50. */
const BLOCKS_PER_MESSAGE = 45;

/** What a replay runs against. */
export interface ReplayTarget {
  clientEnv: SessionSettings['clientEnv'];
  variantId?: string;
  lang?: string;
}

/** One compared turn: what the user wrote, what the agent said before, and on the replay. */
export interface ReplayRow {
  /** The turn's place in the source thread; 0 is the greeting. */
  turn: number;
  user: string;
  before: string[];
  /** Undefined when the replay got no answer to this turn. */
  after: string[] | undefined;
  changed: boolean;
}

export type ReplayState = 'starting' | 'running' | 'finished' | 'stopped' | 'ended' | 'interrupted' | 'failed';

export interface ReplayProgress {
  id: string;
  target: ReplayTarget;
  state: ReplayState;
  /** User turns to replay, and replayed so far. */
  total: number;
  done: number;
  /** The replay's thread, once it has one. */
  link?: string;
  rows?: ReplayRow[];
  stoppedBy?: string;
}

function targetText(target: ReplayTarget): string {
  return [
    code(target.clientEnv),
    target.variantId === undefined ? 'default variant' : `variant ${code(target.variantId)}`,
    target.lang === undefined ? 'default language' : code(target.lang),
  ].join(' · ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const isGreeting = (row: ReplayRow) => row.turn === 0 && row.user === '';

/** "N of M turns changed", the line a replay is judged by: M counts the user turns replayed, not the greeting. */
export function changedSummary(rows: ReplayRow[]): string {
  const turns = rows.filter((row) => !isGreeting(row));
  const changed = turns.filter((row) => row.changed).length;
  return `${changed} of ${plural(turns.length, 'turn')} changed`;
}

/** The greeting's comparison, shown apart from the count. */
function greetingLine(rows: ReplayRow[]): string[] {
  const greeting = rows.find(isGreeting);
  if (greeting === undefined) return [];
  return [greeting.changed ? 'The greeting changed too (not counted above).' : 'The greeting is the same.'];
}

function option(value: string): PlainTextOption {
  return { text: { type: 'plain_text', text: value }, value };
}

/** The Replay modal: environment, variant and language for a new session that replays this thread's user turns. */
export function replayModal(settings: SessionSettings, thread: ThreadRef, userTurns: number): ModalView {
  const base = {
    type: 'modal' as const,
    callback_id: REPLAY_VIEW,
    private_metadata: JSON.stringify({ channel: thread.channel, threadTs: thread.threadTs }),
    title: { type: 'plain_text' as const, text: 'Replay this thread' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
  };
  if (userTurns === 0) {
    return {
      ...base,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'This thread has no user turns to replay yet.' } }],
    };
  }
  const intro = `Sends the ${plural(userTurns, 'user turn')} of this thread, in order, to a new session in a new thread, then compares the agent's replies turn by turn. Now: ${targetText(settings)}.`;
  return {
    ...base,
    submit: { type: 'plain_text', text: 'Replay' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      {
        type: 'input',
        block_id: REPLAY_INPUTS.env.block,
        label: { type: 'plain_text', text: 'Environment' },
        element: {
          type: 'static_select',
          action_id: REPLAY_INPUTS.env.action,
          options: CLIENT_ENVS.map(option),
          initial_option: option(settings.clientEnv),
        },
      },
      {
        type: 'input',
        block_id: REPLAY_INPUTS.variant.block,
        optional: true,
        label: { type: 'plain_text', text: 'Variant' },
        hint: { type: 'plain_text', text: 'Empty for the default variant.' },
        element: {
          type: 'plain_text_input',
          action_id: REPLAY_INPUTS.variant.action,
          ...(settings.variantId !== undefined && { initial_value: truncate(settings.variantId, 150) }),
        },
      },
      {
        type: 'input',
        block_id: REPLAY_INPUTS.lang.block,
        optional: true,
        label: { type: 'plain_text', text: 'Language' },
        hint: { type: 'plain_text', text: 'A language code such as en-GB; empty for the default.' },
        element: {
          type: 'plain_text_input',
          action_id: REPLAY_INPUTS.lang.action,
          ...(settings.lang !== undefined && { initial_value: settings.lang }),
        },
      },
    ],
  };
}

/** The thread a Replay modal was opened for, from its private metadata. */
export function readReplayThread(privateMetadata: string): ThreadRef | undefined {
  try {
    const data: unknown = JSON.parse(privateMetadata);
    if (typeof data !== 'object' || data === null) return undefined;
    const { channel, threadTs } = data as Record<string, unknown>;
    return typeof channel === 'string' && typeof threadTs === 'string' ? { channel, threadTs } : undefined;
  } catch {
    return undefined;
  }
}

type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

/** The Replay modal's fields, checked as the same options typed in a command are; errors are keyed by block. */
export function readReplayForm(
  values: StateValues,
): { ok: true; target: ReplayTarget } | { ok: false; errors: Record<string, string> } {
  const read = (input: { block: string; action: string }) => {
    const element = values[input.block]?.[input.action];
    return (element?.selected_option?.value ?? element?.value ?? '').trim();
  };
  const errors: Record<string, string> = {};
  const check = (key: 'env' | 'variant' | 'lang'): Partial<StartOptions> => {
    const value = read(REPLAY_INPUTS[key]);
    if (value === '') return {};
    try {
      return startOptions([{ key, value }], USAGE.start, new Set([key]));
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      errors[REPLAY_INPUTS[key].block] = error.message;
      return {};
    }
  };
  const { clientEnv } = check('env');
  const { variantId } = check('variant');
  const { lang } = check('lang');
  if (clientEnv === undefined && errors[REPLAY_INPUTS.env.block] === undefined) {
    errors[REPLAY_INPUTS.env.block] = 'Choose an environment';
  }
  if (Object.keys(errors).length > 0 || clientEnv === undefined) return { ok: false, errors };
  return {
    ok: true,
    target: { clientEnv, ...(variantId !== undefined && { variantId }), ...(lang !== undefined && { lang }) },
  };
}

function progressLine(p: ReplayProgress): string {
  const where = p.link === undefined ? 'a new thread' : `<${p.link}|a new thread>`;
  const what = `${plural(p.total, 'user turn')} against ${targetText(p.target)}`;
  const result = p.rows === undefined ? '' : `: *${changedSummary(p.rows)}*, compared in ${where}`;
  switch (p.state) {
    case 'starting':
      return `:repeat: Starting a replay of ${what}…`;
    case 'running':
      return `:repeat: Replaying ${what} in ${where}: ${p.done} of ${p.total} done.`;
    case 'finished':
      return `:white_check_mark: Replayed ${what}${result}.`;
    case 'stopped':
      return `:octagonal_sign: Replay stopped${p.stoppedBy === undefined ? '' : ` by <@${p.stoppedBy}>`} after ${p.done} of ${p.total} user turns${result}.`;
    case 'ended':
      return `:checkered_flag: The agent ended the replayed conversation after ${p.done} of ${p.total} user turns${result}.`;
    case 'interrupted':
      return `:warning: The replay was interrupted (the app was restarting) after ${p.done} of ${p.total} user turns${result}.`;
    case 'failed':
      return `:warning: The replay of ${what} could not go on${p.link === undefined ? '' : `; see <${p.link}|its thread>`}.`;
  }
}

/** The progress message in the replayed thread; updated as turns are replayed, with Stop while it runs. */
export function replayProgress(p: ReplayProgress): SlackMessage {
  const text = progressLine(p);
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  if (p.state === 'starting' || p.state === 'running') {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: REPLAY_ACTIONS.stop,
          text: { type: 'plain_text', text: 'Stop' },
          style: 'danger',
          value: p.id,
        },
      ],
    });
  }
  return { text, blocks };
}

/** Told to whoever pressed Stop; the progress message says when the replay has stopped. */
export const REPLAY_STOPPING: SlackMessage = {
  text: ':hourglass_flowing_sand: The replay stops after the turn it is on; its message will say when.',
};

export const REPLAY_OVER: SlackMessage = { text: 'This replay is over already.' };

/** A user turn as the replay sends it into the new thread. */
export function replayedTurn(n: number, total: number, text: string): SlackMessage {
  return { text: `:repeat: *User turn ${n} of ${total}:* ${escapeText(text)}` };
}

function quoted(replies: string[] | undefined, limit: number): string {
  if (replies === undefined || replies.length === 0) return '> _(no answer)_';
  const text = replies.join('\n').trim();
  if (text === '') return '> _(no text)_';
  return truncate(escapeText(text), limit)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

function rowBlock(row: ReplayRow): KnownBlock {
  const name = row.turn === 0 && row.user === '' ? 'Greeting' : `Turn ${row.turn}`;
  const user = row.user === '' ? '' : ` · _${truncate(escapeText(row.user.replace(/\s+/g, ' ')), 200)}_`;
  const text = row.changed
    ? `:large_orange_diamond: *${name}: changed*${user}\n*Before:*\n${quoted(row.before, 1300)}\n*After:*\n${quoted(row.after, 1300)}`
    : `:white_check_mark: *${name}: same*${user}`;
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) } };
}

/**
 * The turn-by-turn comparison of a replay, for its thread: the summary line first, then
 * every compared turn (both texts for changed ones), in as many messages as Slack needs.
 */
export function replayComparison(
  p: Pick<ReplayProgress, 'state' | 'total' | 'done' | 'stoppedBy'> & {
    rows: ReplayRow[];
    source?: string;
    before: ReplayTarget;
    after: ReplayTarget;
  },
): SlackMessage[] {
  const summary = changedSummary(p.rows);
  const source = p.source === undefined ? 'the original thread' : `<${p.source}|the original thread>`;
  const left = p.total - p.done;
  const why =
    p.state === 'stopped'
      ? `stopped${p.stoppedBy === undefined ? '' : ` by <@${p.stoppedBy}>`}`
      : p.state === 'ended'
        ? 'the agent ended the conversation'
        : 'the replay was interrupted';
  const head = [
    `:bar_chart: *Replay comparison: ${summary}.*`,
    ...greetingLine(p.rows),
    `Before: ${source} (${targetText(p.before)}). After: this thread (${targetText(p.after)}).`,
    ...(left > 0 ? [`${plural(left, 'user turn')} not replayed: ${why}.`] : []),
  ].join('\n');
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: head } }, ...p.rows.map(rowBlock)];
  const messages: SlackMessage[] = [];
  for (let at = 0; at < blocks.length; at += BLOCKS_PER_MESSAGE) {
    messages.push({
      text: at === 0 ? `Replay comparison: ${summary}` : `Replay comparison (continued): ${summary}`,
      blocks: blocks.slice(at, at + BLOCKS_PER_MESSAGE),
    });
  }
  return messages;
}
