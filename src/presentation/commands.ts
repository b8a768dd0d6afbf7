import type { AudioDirection } from '../outbound/polyai/types.js';
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

export type PolychatCommand =
  | { kind: 'help' }
  | { kind: 'start'; options: StartOptions; message?: string }
  | { kind: 'end' }
  | { kind: 'agent'; agentId?: string; details?: boolean }
  | { kind: 'list'; agentId?: string; limit: number }
  | { kind: 'call'; conversation: ConversationRef }
  | { kind: 'audio'; conversation: ConversationRef; direction: AudioDirection; redacted?: boolean }
  | { kind: 'note'; conversation: ConversationRef; text: string }
  | { kind: 'resume'; conversation: ConversationRef; options: StartOptions }
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

export const USAGE = {
  start:
    '/polychat [agent=ID] [env=sandbox|pre-release|live] [variant=ID] [lang=xx-XX] [details=on|off] [channel=voice|webchat] [attr.NAME=VALUE …] [first message]',
  help: '/polychat help',
  agent: '/polychat agent ID [details=on|off]',
  list: '/polychat list [agent=ID] [limit=N]',
  call: '/polychat call CONVERSATION [agent=ID]',
  audio: '/polychat audio CONVERSATION [direction=combined|user|agent] [redacted=true|false] [agent=ID]',
  note: '/polychat note CONVERSATION [agent=ID] TEXT',
  resume: '/polychat resume CONVERSATION [agent=ID] [env=…] [lang=xx-XX] [details=on|off]',
  end: '@polychat end (in a debug-chat thread)',
  test: '/polychat test list | run SUITE [env=…] [variant=ID] [lang=xx-XX] | schedule SUITE hourly|daily HH:MM|weekdays HH:MM [env=…] [variant=ID] [lang=xx-XX] | unschedule SUITE | export SUITE; @polychat test import (with the YAML file attached)',
  save: '@polychat save as test SUITE [CASE NAME] (in a debug-chat thread)',
} as const;

export const ALL_USAGE = Object.values(USAGE).join('\n');

const SUBCOMMANDS = new Set(['help', 'agent', 'list', 'call', 'audio', 'note', 'resume', 'end', 'test', 'save']);
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
        throw new UsageError(`Unknown command "${first.value}". Did you mean \`/polychat ${meant}\`?`, ALL_USAGE);
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
    case 'help':
    case 'end': {
      noExtra(text.slice(afterWord).trim(), USAGE[word]);
      return { kind: word };
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
