import type { AudioDirection } from '../outbound/polyai/types.js';
import type { WatchConditions } from '../outbound/store/records.js';
import type { RunOverrides, ScheduleEvery } from '../outbound/store/suite-records.js';
import { CLIENT_ENVS, type ClientEnv } from '../platform/config.js';
import { SUITE_NAME, SUITE_NAME_RULE } from './suites.js';

/** Settings for a new debug chat, as typed; unset ones fall back to channel and app defaults. */
export interface StartOptions {
  agentId?: string;
  clientEnv?: ClientEnv;
  variantId?: string;
  lang?: string;
  details?: boolean;
  /** PolyAI channel: `chat.polyai` (voice) or `webchat.polyai`. */
  polyaiChannel?: string;
  attributes: Record<string, string>;
}

/** A conversation named by ID or by an Agent Studio link (which may name the agent too). */
export interface ConversationRef {
  conversationId: string;
  agentId?: string;
}

/** What `/polychat help TOPIC` explains beyond the short help. */
export const HELP_TOPICS = ['chat', 'calls', 'tests', 'search', 'watch'] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number];

export type PolychatCommand =
  | { kind: 'help'; topic?: HelpTopic }
  | { kind: 'start'; options: StartOptions; message?: string }
  | { kind: 'end' }
  | { kind: 'agent'; agentId?: string; details?: boolean }
  | { kind: 'list'; agentId?: string; limit: number }
  | { kind: 'call'; conversation: ConversationRef }
  | { kind: 'audio'; conversation: ConversationRef; direction: AudioDirection; redacted?: boolean }
  | { kind: 'note'; conversation: ConversationRef; text: string }
  | { kind: 'resume'; conversation: ConversationRef; options: StartOptions }
  | FindingCommand
  | { kind: 'test'; test: TestCommand }
  | { kind: 'save'; suite: string; caseName?: string };

/** `/polychat test …` (spec §7); `import` comes as a mention with a file. */
export type TestCommand =
  | { action: 'list' | 'import' }
  | { action: 'run'; suite: string; overrides: RunOverrides }
  | { action: 'schedule'; suite: string; every: ScheduleEvery; overrides: RunOverrides }
  | { action: 'unschedule' | 'export'; suite: string };

/** The input was wrong: `message` says what, and the reply shows `usage`. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** Usage of the §8 commands (finding calls); their grammar is at the end of this file. */
const FINDING_USAGE = {
  search:
    '/polychat search [agent=ID] [env=sandbox|pre-release|live] [since=7d] [until=…] [mode=transcript|semantic] [side=user|agent] TEXT',
  sample: '/polychat sample N (at most 20) [agent=ID] [env=…] [since=24h] [until=…]',
  queue: '/polychat queue',
  watch: '/polychat watch [agent=ID] [env=…] [handoff] [score<X] [tag=NAME] [longer=DURATION] [name=NAME]',
  watches: '/polychat watches',
  unwatch: '/polychat unwatch NAME|all',
} as const;

export const USAGE = {
  start:
    '/polychat [agent=ID] [env=sandbox|pre-release|live] [variant=ID] [lang=xx-XX] [details=on|off] [channel=voice|webchat] [attr.NAME=VALUE …] [first message]',
  help: '/polychat help [chat|calls|tests|search|watch]',
  agent: '/polychat agent ID [details=on|off]',
  list: '/polychat list [agent=ID] [limit=N]',
  call: '/polychat call CONVERSATION [agent=ID]',
  audio: '/polychat audio CONVERSATION [direction=combined|user|agent] [redacted=true|false] [agent=ID]',
  note: '/polychat note CONVERSATION [agent=ID] TEXT',
  resume: '/polychat resume CONVERSATION [agent=ID] [env=…] [lang=xx-XX] [details=on|off]',
  end: '@polychat end (in a debug-chat thread)',
  test: '/polychat test list | run SUITE [env=…] [variant=ID] [lang=xx-XX] | schedule SUITE hourly|daily HH:MM|weekdays HH:MM [env=…] [variant=ID] [lang=xx-XX] | unschedule SUITE | export SUITE; @polychat test import (with the YAML file attached)',
  save: '@polychat save as test SUITE [CASE NAME] (in a debug-chat thread)',
  ...FINDING_USAGE,
} as const;

export const ALL_USAGE = Object.values(USAGE).join('\n');

/** A real example of each command, shown under its usage when it was typed wrong. */
export const EXAMPLES: Partial<Record<keyof typeof USAGE, string>> = {
  start: '/polychat agent=agent-1 env=pre-release lang=en-GB I want to change my booking',
  help: '/polychat help calls',
  agent: '/polychat agent agent-1 details=on',
  list: '/polychat list limit=5',
  call: '/polychat call CA3f9c2e7d',
  audio: '/polychat audio CA3f9c2e7d direction=user',
  note: '/polychat note CA3f9c2e7d Caller asked for a refund twice',
  resume: '/polychat resume conv-8d1e4b env=pre-release',
  end: '@polychat end',
  search: '/polychat search since=24h side=user refund',
  sample: '/polychat sample 10 since=24h',
  queue: '/polychat queue',
  watch: '/polychat watch handoff score<0.5 name=escalations',
  watches: '/polychat watches',
  unwatch: '/polychat unwatch escalations',
  test: '/polychat test run booking env=pre-release',
  save: '@polychat save as test booking happy-path',
};

/** The example for a usage line, when it has one. */
export function exampleFor(usage: string): string | undefined {
  const key = (Object.keys(USAGE) as Array<keyof typeof USAGE>).find((name) => USAGE[name] === usage);
  return key === undefined ? undefined : EXAMPLES[key];
}

const SUBCOMMANDS = new Set([
  'help',
  'agent',
  'list',
  'call',
  'audio',
  'note',
  'resume',
  'end',
  'test',
  'save',
  ...Object.keys(FINDING_USAGE),
]);
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const LANG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const ATTR_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

interface Token {
  /** `key` for `key=value` words, else undefined. */
  key?: string;
  value: string;
  /** Where the rest of the input starts after this word. */
  end: number;
}

/** The next word of `text` from `at`, with `key="quoted value"` kept whole. */
function nextToken(text: string, at: number): Token | undefined {
  const start = text.slice(at).search(/\S/);
  if (start === -1) return undefined;
  const from = at + start;
  const option = /^([A-Za-z][A-Za-z0-9_.-]*)=(?:"([^"]*)"|“([^”]*)”|(\S*))/.exec(text.slice(from));
  if (option) {
    const value = option[2] ?? option[3] ?? option[4] ?? '';
    return { key: option[1]?.toLowerCase(), value, end: from + option[0].length };
  }
  const word = /^\S+/.exec(text.slice(from))?.[0] ?? '';
  return { value: word, end: from + word.length };
}

/** Reads `key=value` words until the first word that is not one; returns them and the rest. */
function readOptions(text: string, at: number): { options: Array<{ key: string; value: string }>; rest: string } {
  const options: Array<{ key: string; value: string }> = [];
  let position = at;
  for (;;) {
    const token = nextToken(text, position);
    if (token?.key === undefined) break;
    options.push({ key: token.key, value: token.value });
    position = token.end;
  }
  return { options, rest: text.slice(position).trim() };
}

function id(value: string, what: string, usage: string): string {
  if (!ID.test(value)) {
    throw new UsageError(`"${value}" is not a valid ${what}: use letters, digits, "-", "_", "." or ":"`, usage);
  }
  return value;
}

function onOff(value: string, key: string, usage: string): boolean {
  if (value === 'on' || value === 'true') return true;
  if (value === 'off' || value === 'false') return false;
  throw new UsageError(`${key}= takes on or off (got "${value}")`, usage);
}

/** Reads start options (`allowed` names the keys accepted here); also checks modal fields that mirror them. */
export function startOptions(
  pairs: Array<{ key: string; value: string }>,
  usage: string,
  allowed: Set<string>,
): StartOptions {
  const options: StartOptions = { attributes: {} };
  for (const { key, value } of pairs) {
    const name = key.startsWith('attr.') ? 'attr' : key;
    if (!allowed.has(name)) {
      throw new UsageError(
        `Unknown option "${key}=". Options here are ${[...allowed].map((k) => (k === 'attr' ? 'attr.NAME' : k)).join('=, ')}=`,
        usage,
      );
    }
    if (value === '') throw new UsageError(`${key}= needs a value`, usage);
    switch (name) {
      case 'agent':
        options.agentId = id(value, 'agent ID', usage);
        break;
      case 'env':
        if (!(CLIENT_ENVS as readonly string[]).includes(value)) {
          throw new UsageError(`env= must be one of ${CLIENT_ENVS.join(', ')} (got "${value}")`, usage);
        }
        options.clientEnv = value as ClientEnv;
        break;
      case 'variant':
        options.variantId = id(value, 'variant ID', usage);
        break;
      case 'lang':
        if (!LANG.test(value))
          throw new UsageError(`lang= takes a language code such as en-US (got "${value}")`, usage);
        options.lang = value;
        break;
      case 'details':
        options.details = onOff(value, 'details', usage);
        break;
      case 'channel':
        if (value !== 'voice' && value !== 'webchat') {
          throw new UsageError(`channel= must be voice or webchat (got "${value}")`, usage);
        }
        options.polyaiChannel = value === 'voice' ? 'chat.polyai' : 'webchat.polyai';
        break;
      case 'attr': {
        const attr = key.slice('attr.'.length);
        if (!ATTR_NAME.test(attr)) throw new UsageError(`"${key}" needs a name: attr.NAME=VALUE`, usage);
        options.attributes[attr] = value;
        break;
      }
    }
  }
  return options;
}

/** Reads CONVERSATION: an ID, or an Agent Studio link with one in it (Slack may wrap links in <…>). */
export function parseConversationRef(raw: string, usage: string): ConversationRef {
  const text = raw.replace(/^<([^>|]+)(\|[^>]*)?>$/, '$1');
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`"${raw}" is not a link I can read`, usage);
    }
    const fromQuery = url.searchParams.get('conversationId') ?? url.searchParams.get('conversation_id');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const after = (names: string[]) => {
      const i = segments.findIndex((s) => names.includes(s.toLowerCase()));
      return i === -1 ? undefined : segments[i + 1];
    };
    const conversationId = fromQuery ?? after(['conversations', 'conversation', 'calls', 'call']);
    if (conversationId === undefined || !ID.test(conversationId)) {
      throw new UsageError(`I found no conversation ID in the link ${text}`, usage);
    }
    const agentId = after(['agents', 'agent', 'projects', 'project']);
    return agentId !== undefined && ID.test(agentId) ? { conversationId, agentId } : { conversationId };
  }
  return { conversationId: id(text, 'conversation ID', usage) };
}

function conversationArg(text: string, at: number, usage: string): { ref: ConversationRef; end: number } {
  const token = nextToken(text, at);
  if (token === undefined || token.key !== undefined)
    throw new UsageError('Name the conversation: an ID or an Agent Studio link', usage);
  return { ref: parseConversationRef(token.value, usage), end: token.end };
}

function agentOf(ref: ConversationRef, options: StartOptions): ConversationRef {
  const agentId = options.agentId ?? ref.agentId;
  return agentId === undefined
    ? { conversationId: ref.conversationId }
    : { conversationId: ref.conversationId, agentId };
}

function noExtra(rest: string, usage: string): void {
  if (rest !== '') throw new UsageError(`I don't understand "${rest}"`, usage);
}

/** Edits (insert, delete, change, swap) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The subcommand a lone word was probably meant to be ("lsit", "hlep", "calls"), so a typo gets
 * usage instead of starting a chat; any other text is a first message, as the usage says.
 */
function misspeltSubcommand(word: string): string | undefined {
  if (word.length < 3) return undefined;
  return [...SUBCOMMANDS].find((name) => editDistance(word, name) <= (name.length <= 4 ? 1 : 2));
}

/** Parses the text after `/polychat` (or after `@polychat`); throws UsageError on anything wrong. */
export function parseCommand(input: string): PolychatCommand {
  const text = input.trim();
  const first = nextToken(text, 0);
  const word = first?.key === undefined ? first?.value.toLowerCase() : undefined;
  if (first === undefined || word === undefined || !SUBCOMMANDS.has(word)) {
    if (first !== undefined && first.key === undefined) {
      // Options come before a first message, so "word key=value…" can only be a command.
      const after = readOptions(text, first.end);
      const commandShaped = after.rest === '';
      const meant = commandShaped ? misspeltSubcommand(first.value.toLowerCase()) : undefined;
      if (meant !== undefined) {
        const usage: string = (USAGE as Record<string, string>)[meant] ?? ALL_USAGE;
        throw new UsageError(`Unknown command "${first.value}". Did you mean \`/polychat ${meant}\`?`, usage);
      }
      if (commandShaped && after.options.length > 0)
        throw new UsageError(`Unknown command "${first.value}"`, ALL_USAGE);
    }
    const { options, rest } = readOptions(text, 0);
    const parsed = startOptions(
      options,
      USAGE.start,
      new Set(['agent', 'env', 'variant', 'lang', 'details', 'channel', 'attr']),
    );
    return rest === '' ? { kind: 'start', options: parsed } : { kind: 'start', options: parsed, message: rest };
  }
  const afterWord = first.end;
  switch (word) {
    case 'help': {
      const rest = text.slice(afterWord).trim().toLowerCase();
      if (rest === '') return { kind: 'help' };
      // "call", "tests" and "watches" mean the topics they name.
      const stem = (word: string) => word.replace(/e?s$/, '');
      const topic = HELP_TOPICS.find((name) => stem(name) === stem(rest));
      if (topic === undefined) {
        throw new UsageError(`There is no help on "${rest}". Topics are ${HELP_TOPICS.join(', ')}`, USAGE.help);
      }
      return { kind: 'help', topic };
    }
    case 'end': {
      noExtra(text.slice(afterWord).trim(), USAGE.end);
      return { kind: 'end' };
    }
    case 'agent': {
      const token = nextToken(text, afterWord);
      const agentId =
        token !== undefined && token.key === undefined ? id(token.value, 'agent ID', USAGE.agent) : undefined;
      const { options, rest } = readOptions(text, agentId === undefined ? afterWord : (token?.end ?? afterWord));
      noExtra(rest, USAGE.agent);
      const parsed = startOptions(options, USAGE.agent, new Set(['details']));
      return {
        kind: 'agent',
        ...(agentId !== undefined && { agentId }),
        ...(parsed.details !== undefined && { details: parsed.details }),
      };
    }
    case 'list': {
      const { options, rest } = readOptions(text, afterWord);
      noExtra(rest, USAGE.list);
      let limit = 10;
      let agentId: string | undefined;
      for (const { key, value } of options) {
        if (key === 'agent') agentId = id(value, 'agent ID', USAGE.list);
        else if (key === 'limit') {
          if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 50) {
            throw new UsageError(`limit= takes a whole number from 1 to 50 (got "${value}")`, USAGE.list);
          }
          limit = Number(value);
        } else throw new UsageError(`Unknown option "${key}=". Options here are agent= and limit=`, USAGE.list);
      }
      return agentId === undefined ? { kind: 'list', limit } : { kind: 'list', agentId, limit };
    }
    case 'call': {
      const { ref, end } = conversationArg(text, afterWord, USAGE.call);
      const { options, rest } = readOptions(text, end);
      noExtra(rest, USAGE.call);
      return { kind: 'call', conversation: agentOf(ref, startOptions(options, USAGE.call, new Set(['agent']))) };
    }
    case 'audio': {
      const { ref, end } = conversationArg(text, afterWord, USAGE.audio);
      const { options, rest } = readOptions(text, end);
      noExtra(rest, USAGE.audio);
      let direction: AudioDirection = 'combined';
      let redacted: boolean | undefined;
      const agent: Array<{ key: string; value: string }> = [];
      for (const { key, value } of options) {
        if (key === 'direction') {
          if (value !== 'combined' && value !== 'user' && value !== 'agent') {
            throw new UsageError(`direction= must be combined, user or agent (got "${value}")`, USAGE.audio);
          }
          direction = value;
        } else if (key === 'redacted') {
          if (value !== 'true' && value !== 'false') {
            throw new UsageError(`redacted= must be true or false (got "${value}")`, USAGE.audio);
          }
          redacted = value === 'true';
        } else agent.push({ key, value });
      }
      const conversation = agentOf(ref, startOptions(agent, USAGE.audio, new Set(['agent'])));
      return { kind: 'audio', conversation, direction, ...(redacted !== undefined && { redacted }) };
    }
    case 'note': {
      const { ref, end } = conversationArg(text, afterWord, USAGE.note);
      const { options, rest } = readOptions(text, end);
      if (rest === '') throw new UsageError('Write the note after the conversation', USAGE.note);
      return {
        kind: 'note',
        conversation: agentOf(ref, startOptions(options, USAGE.note, new Set(['agent']))),
        text: rest,
      };
    }
    case 'resume': {
      const { ref, end } = conversationArg(text, afterWord, USAGE.resume);
      const { options, rest } = readOptions(text, end);
      noExtra(rest, USAGE.resume);
      const parsed = startOptions(options, USAGE.resume, new Set(['agent', 'env', 'lang', 'details']));
      const conversation = agentOf(ref, parsed);
      return { kind: 'resume', conversation, options: parsed };
    }
    case 'search':
    case 'sample':
    case 'queue':
    case 'watch':
    case 'watches':
    case 'unwatch':
      return parseFinding(word, text, afterWord);
    case 'test':
      return { kind: 'test', test: parseTest(text, afterWord) };
    case 'save': {
      const words = text.slice(afterWord).trim().split(/\s+/);
      if (words[0]?.toLowerCase() !== 'as' || words[1]?.toLowerCase() !== 'test') {
        throw new UsageError('Write `save as test SUITE [CASE NAME]`', USAGE.save);
      }
      const suite = suiteName(words[2], USAGE.save);
      const caseName = words.slice(3).join(' ');
      return caseName === '' ? { kind: 'save', suite } : { kind: 'save', suite, caseName };
    }
  }
  throw new UsageError(`Unknown command "${word}"`, ALL_USAGE);
}

// ------------------------------------------------ finding calls (spec §8)

/** A point in time as typed: so long before the command ran, or a fixed time. */
export type TimeSpec = { agoMs: number } | { at: string };

export interface CallRange {
  agentId?: string;
  clientEnv?: ClientEnv;
  since?: TimeSpec;
  until?: TimeSpec;
}

export interface SearchCommand extends CallRange {
  mode: 'transcript' | 'semantic';
  side?: 'user' | 'agent';
  text: string;
}

export type FindingCommand =
  | { kind: 'search'; search: SearchCommand }
  | { kind: 'sample'; count: number; range: CallRange }
  | { kind: 'queue' }
  | { kind: 'watch'; name?: string; conditions: WatchConditions }
  | { kind: 'watches' }
  | { kind: 'unwatch'; name: string };

export const SAMPLE_MAX = 20;
const SEARCH_TEXT_MAX = 500;
const WATCH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `24h`, `7d` (and `90s`) in milliseconds, or undefined when it is not one. */
export function durationMs(value: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(value.trim().toLowerCase());
  if (match === null) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  return ms > 0 ? ms : undefined;
}

function timeSpec(key: string, value: string, usage: string): TimeSpec {
  const ago = durationMs(value);
  if (ago !== undefined) return { agoMs: ago };
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (/^\d{4}-\d{2}-\d{2}T/.test(iso) && !Number.isNaN(Date.parse(iso))) return { at: new Date(iso).toISOString() };
  throw new UsageError(
    `${key}= takes a duration (30m, 24h, 7d), a date (2026-11-01) or an ISO time (got "${value}")`,
    usage,
  );
}

/** Reads the options every §8 command shares; `extra` handles the command's own keys (false: unknown). */
function rangeOptions(
  pairs: Array<{ key: string; value: string }>,
  usage: string,
  allowed: string[],
  extra: (key: string, value: string) => boolean = () => false,
): CallRange {
  const range: CallRange = {};
  for (const { key, value } of pairs) {
    if (!allowed.includes(key)) {
      throw new UsageError(`Unknown option "${key}=". Options here are ${allowed.join('=, ')}=`, usage);
    }
    if (value === '') throw new UsageError(`${key}= needs a value`, usage);
    if (key === 'agent' || key === 'env') Object.assign(range, startOptions([{ key, value }], usage, new Set([key])));
    else if (key === 'since' || key === 'until') range[key] = timeSpec(key, value, usage);
    else if (!extra(key, value)) throw new UsageError(`Unknown option "${key}="`, usage);
  }
  const { agentId, clientEnv, ...times } = range as CallRange & { attributes?: unknown };
  return {
    ...(agentId !== undefined && { agentId }),
    ...(clientEnv !== undefined && { clientEnv }),
    ...(times.since !== undefined && { since: times.since }),
    ...(times.until !== undefined && { until: times.until }),
  };
}

function parseFinding(word: keyof typeof FINDING_USAGE, text: string, at: number): FindingCommand {
  const usage = FINDING_USAGE[word];
  switch (word) {
    case 'queue':
    case 'watches':
      noExtra(text.slice(at).trim(), usage);
      return { kind: word };
    case 'unwatch': {
      const name = text.slice(at).trim();
      if (name === '') throw new UsageError('Name the watch to stop (see `/polychat watches`), or `all`', usage);
      if (!WATCH_NAME.test(name)) throw new UsageError(`"${name}" is not a watch name`, usage);
      return { kind: 'unwatch', name };
    }
    case 'search': {
      const { options, rest } = readOptions(text, at);
      let mode = 'transcript' as SearchCommand['mode'];
      let side: SearchCommand['side'];
      const range = rangeOptions(options, usage, ['agent', 'env', 'since', 'until', 'mode', 'side'], (key, value) => {
        if (key === 'mode') {
          if (value !== 'transcript' && value !== 'semantic')
            throw new UsageError(`mode= must be transcript or semantic (got "${value}")`, usage);
          mode = value;
        } else if (value !== 'user' && value !== 'agent') {
          throw new UsageError(`side= must be user or agent (got "${value}")`, usage);
        } else side = value;
        return true;
      });
      if (rest === '') throw new UsageError('Write what to search for after the options', usage);
      if (rest.length > SEARCH_TEXT_MAX)
        throw new UsageError(`Search for at most ${SEARCH_TEXT_MAX} characters (got ${rest.length})`, usage);
      if (side !== undefined && mode === 'semantic')
        throw new UsageError('side= works with transcript search only; leave out mode=semantic or side=', usage);
      return { kind: 'search', search: { ...range, mode, ...(side !== undefined && { side }), text: rest } };
    }
    case 'sample': {
      const first = nextToken(text, at);
      let count = 10;
      let from = at;
      if (first !== undefined && first.key === undefined) {
        if (!/^\d+$/.test(first.value) || Number(first.value) < 1 || Number(first.value) > SAMPLE_MAX) {
          throw new UsageError(`N must be a whole number from 1 to ${SAMPLE_MAX} (got "${first.value}")`, usage);
        }
        count = Number(first.value);
        from = first.end;
      }
      const { options, rest } = readOptions(text, from);
      noExtra(rest, usage);
      return { kind: 'sample', count, range: rangeOptions(options, usage, ['agent', 'env', 'since', 'until']) };
    }
    case 'watch': {
      const conditions: WatchConditions = {};
      let name: string | undefined;
      // Slack escapes "<" in command text, so "score<0.5" may arrive as "score&lt;0.5".
      const words = text.slice(at).replace(/&lt;/g, '<');
      const pairs: Array<{ key: string; value: string }> = [];
      for (let token = nextToken(words, 0); token !== undefined; token = nextToken(words, token.end)) {
        if (token.key !== undefined) {
          pairs.push({ key: token.key, value: token.value });
          continue;
        }
        const score = /^score<(\d+(?:\.\d+)?)$/i.exec(token.value);
        if (token.value.toLowerCase() === 'handoff') conditions.handoff = true;
        else if (score !== null) conditions.scoreBelow = Number(score[1]);
        else throw new UsageError(`I don't understand "${token.value}"`, usage);
      }
      const range = rangeOptions(pairs, usage, ['agent', 'env', 'tag', 'longer', 'name'], (key, value) => {
        if (key === 'tag') conditions.tag = value;
        else if (key === 'longer') {
          const ms = durationMs(value);
          if (ms === undefined)
            throw new UsageError(`longer= takes a duration such as 90s or 5m (got "${value}")`, usage);
          conditions.longerThanS = ms / 1000;
        } else {
          if (!WATCH_NAME.test(value) || value.toLowerCase() === 'all')
            throw new UsageError(
              `name= takes letters, digits, "-" and "_" (not "all"), up to 40 (got "${value}")`,
              usage,
            );
          name = value;
        }
        return true;
      });
      if (range.agentId !== undefined) conditions.agentId = range.agentId;
      if (range.clientEnv !== undefined) conditions.clientEnv = range.clientEnv;
      return { kind: 'watch', ...(name !== undefined && { name }), conditions };
    }
  }
}

// ------------------------------------------------ regression suites (spec §7)

const SCHEDULE_TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

function suiteName(value: string | undefined, usage: string): string {
  if (value === undefined || value === '') throw new UsageError('Name the suite', usage);
  if (!SUITE_NAME.test(value)) {
    throw new UsageError(`"${value}" is not a suite name: use ${SUITE_NAME_RULE}`, usage);
  }
  return value;
}

/** A run's `env=`, `variant=` and `lang=`, checked as a chat's are. */
function runOverrides(pairs: Array<{ key: string; value: string }>): RunOverrides {
  const { clientEnv, variantId, lang } = startOptions(pairs, USAGE.test, new Set(['env', 'variant', 'lang']));
  return {
    ...(clientEnv !== undefined && { clientEnv }),
    ...(variantId !== undefined && { variantId }),
    ...(lang !== undefined && { lang }),
  };
}

function parseTest(text: string, at: number): TestCommand {
  const usage = USAGE.test;
  const sub = nextToken(text, at);
  const action = sub?.key === undefined ? sub?.value.toLowerCase() : undefined;
  const after = sub?.end ?? at;
  switch (action) {
    case 'list':
    case 'import':
      noExtra(text.slice(after).trim(), usage);
      return { action };
    case 'export':
    case 'unschedule': {
      const name = nextToken(text, after);
      noExtra(name === undefined ? '' : text.slice(name.end).trim(), usage);
      return { action, suite: suiteName(name?.key === undefined ? name?.value : undefined, usage) };
    }
    case 'run': {
      const name = nextToken(text, after);
      const suite = suiteName(name?.key === undefined ? name?.value : undefined, usage);
      const { options, rest } = readOptions(text, name?.end ?? after);
      noExtra(rest, usage);
      return { action, suite, overrides: runOverrides(options) };
    }
    case 'schedule': {
      const name = nextToken(text, after);
      const suite = suiteName(name?.key === undefined ? name?.value : undefined, usage);
      const kind = nextToken(text, name?.end ?? after);
      const word = kind?.key === undefined ? kind?.value.toLowerCase() : undefined;
      let every: ScheduleEvery;
      let end = kind?.end ?? after;
      if (word === 'hourly') every = { kind: 'hourly' };
      else if (word === 'daily' || word === 'weekdays') {
        const time = nextToken(text, end);
        const match = time?.key === undefined ? SCHEDULE_TIME.exec(time?.value ?? '') : null;
        if (match === null) {
          throw new UsageError(`${word} needs a time HH:MM, such as ${word} 09:30 (got "${time?.value ?? ''}")`, usage);
        }
        every = { kind: word, time: `${(match[1] as string).padStart(2, '0')}:${match[2]}` };
        end = time?.end ?? end;
      } else {
        throw new UsageError('Say when: hourly, daily HH:MM or weekdays HH:MM', usage);
      }
      const { options, rest } = readOptions(text, end);
      noExtra(rest, usage);
      return { action, suite, every, overrides: runOverrides(options) };
    }
  }
  throw new UsageError(sub === undefined ? 'Say what to do with tests' : `Unknown test command "${sub.value}"`, usage);
}
