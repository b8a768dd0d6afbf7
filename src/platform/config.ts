import { existsSync } from 'node:fs';

/** The polychat configuration of spec §1, read once at start-up. */
export interface Config {
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string;
  };
  port: number;
  polyai: {
    apiKey: string;
    baseUrl: string;
    defaultAgentId: string | undefined;
    clientEnv: ClientEnv;
    timeoutMs: number;
  };
  logLevel: LogLevel;
  storeUrl: string;
  allowedChannels: ReadonlySet<string> | undefined;
  unredactedAudioUsers: ReadonlySet<string>;
  /** Conversations API v3 (spec §8): search, samples and watches; `undefined` when not configured. */
  conversations: ConversationsConfig | undefined;
  /** How often each watch polls for new calls. */
  watchIntervalS: number;
  /** The same in milliseconds; `POLYCHAT_WATCH_INTERVAL_MS` (for tests) sets it below 5 s. */
  watchIntervalMs: number;
  /** IANA time zone of suite schedule times (spec §7). */
  timezone: string;
  /** After SIGTERM, how long the instance goes on serving (not ready) before its port closes. */
  shutdownDelayMs: number;
  /** How long a turn runs before its progress is shown (a shorter one is over before anyone could see it). */
  progressDelayMs: number;
  /** How often schedules are checked and running suite runs renew their heartbeat (tests make it short). */
  suiteTickMs: number;
}

export interface ConversationsConfig {
  accountId: string;
  baseUrl: string;
  /** Key for agents not named in `keys`; undefined when only per-agent keys are set. */
  defaultKey: string | undefined;
  /** Per-agent keys (v3 keys are scoped to one project). */
  keys: ReadonlyMap<string, string>;
}

export const CLIENT_ENVS = ['sandbox', 'pre-release', 'live'] as const;
export type ClientEnv = (typeof CLIENT_ENVS)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration problem: the message is one line that names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

function required(env: Env, name: string, hint: string): string {
  const value = read(env, name);
  if (value === undefined) throw new ConfigError(`${name} is required: ${hint}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = read(env, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function url(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  }
  return raw;
}

function idList(env: Env, name: string, pattern: RegExp): ReadonlySet<string> | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const ids = raw
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const bad = ids.find((id) => !pattern.test(id));
  if (bad !== undefined) throw new ConfigError(`${name} has "${bad}", which is not a Slack ID`);
  return new Set(ids);
}

function prefixed(name: string, prefix: string, value: string | undefined): string | undefined {
  if (value !== undefined && !value.startsWith(prefix)) {
    throw new ConfigError(`${name} must start with "${prefix}"`);
  }
  return value;
}

function agentKeys(env: Env): ReadonlyMap<string, string> {
  const name = 'POLYAI_CONVERSATIONS_API_KEYS';
  const raw = read(env, name);
  const keys = new Map<string, string>();
  if (raw === undefined) return keys;
  for (const pair of raw.split(',').map((p) => p.trim())) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const agent = pair.slice(0, eq).trim();
    const key = pair.slice(eq + 1).trim();
    // The key itself is never echoed: this message goes to the logs.
    if (eq <= 0 || key === '')
      throw new ConfigError(
        `${name} must be AGENT_ID=KEY pairs separated by commas (got "${agent || pair.split('=')[0]}=…")`,
      );
    keys.set(agent, key);
  }
  return keys;
}

/** The v3 settings, or undefined when the account or every key is missing (the §8 commands then say what to set). */
function conversations(env: Env): ConversationsConfig | undefined {
  const region = read(env, 'POLYAI_PLATFORM_REGION') ?? 'us-1';
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new ConfigError(`POLYAI_PLATFORM_REGION must be a region such as us-1, uk-1 or euw-1 (got "${region}")`);
  }
  const baseUrl = url(env, 'POLYAI_PLATFORM_URL', `https://api.${region}.platform.polyai.app`).replace(/\/+$/, '');
  const accountId = read(env, 'POLYAI_ACCOUNT_ID');
  const defaultKey = read(env, 'POLYAI_CONVERSATIONS_API_KEY');
  const keys = agentKeys(env);
  if (accountId === undefined || (defaultKey === undefined && keys.size === 0)) return undefined;
  return { accountId, baseUrl, defaultKey, keys };
}

function watchInterval(env: Env): { watchIntervalS: number; watchIntervalMs: number } {
  const seconds = integer(env, 'POLYCHAT_WATCH_INTERVAL_S', 60, 5, 86_400);
  const ms = integer(env, 'POLYCHAT_WATCH_INTERVAL_MS', seconds * 1000, 100, 86_400_000);
  return { watchIntervalS: Math.max(1, Math.round(ms / 1000)), watchIntervalMs: ms };
}

function timezone(env: Env): string {
  const value = read(env, 'POLYCHAT_TIMEZONE') ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    throw new ConfigError(`POLYCHAT_TIMEZONE must be an IANA time zone such as UTC or Europe/London (got "${value}")`);
  }
  return value;
}

function storeUrl(env: Env): string {
  const value = read(env, 'STORE_URL') ?? 'sqlite://data/polychat.sqlite';
  if (!/^(sqlite:\/\/.+|rediss?:\/\/.+|memory:\/\/)$/.test(value)) {
    throw new ConfigError('STORE_URL must be sqlite://PATH, redis://HOST:PORT or memory://');
  }
  return value;
}

/** Parses the environment; throws ConfigError with a one-line message on the first bad value. */
export function parseConfig(env: Env): Config {
  const appToken = prefixed('SLACK_APP_TOKEN', 'xapp-', read(env, 'SLACK_APP_TOKEN'));
  const botToken = required(env, 'SLACK_BOT_TOKEN', 'the bot token (xoxb-…) from OAuth & Permissions');
  prefixed('SLACK_BOT_TOKEN', 'xoxb-', botToken);
  const signingSecret =
    appToken === undefined
      ? required(env, 'SLACK_SIGNING_SECRET', 'in HTTP mode, the signing secret from Basic Information')
      : read(env, 'SLACK_SIGNING_SECRET');
  const region = read(env, 'POLYAI_REGION') ?? 'us';
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new ConfigError(`POLYAI_REGION must be a region word such as us, uk, eu or studio (got "${region}")`);
  }
  return {
    slack: {
      botToken,
      signingSecret,
      appToken,
      // The Web API client appends method names to this, so it must end in a slash.
      apiUrl: url(env, 'SLACK_API_URL', 'https://slack.com/api/').replace(/\/*$/, '/'),
    },
    port: integer(env, 'PORT', 3000, 0, 65535),
    polyai: {
      apiKey: required(env, 'POLYAI_API_KEY', 'the PolyAI API key, sent as X-API-KEY'),
      baseUrl: url(env, 'POLYAI_BASE_URL', `https://api.${region}.poly.ai`).replace(/\/+$/, ''),
      defaultAgentId: read(env, 'POLYAI_AGENT_ID'),
      clientEnv: oneOf(env, 'POLYAI_CLIENT_ENV', CLIENT_ENVS, 'sandbox'),
      timeoutMs: integer(env, 'POLYAI_TIMEOUT_MS', 30_000, 1, 600_000),
    },
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    storeUrl: storeUrl(env),
    allowedChannels: idList(env, 'POLYCHAT_ALLOWED_CHANNELS', /^[CGD][A-Z0-9_]+$/),
    unredactedAudioUsers: idList(env, 'POLYCHAT_UNREDACTED_AUDIO_USERS', /^[UW][A-Z0-9_]+$/) ?? new Set(),
    conversations: conversations(env),
    ...watchInterval(env),
    timezone: timezone(env),
    shutdownDelayMs: integer(env, 'POLYCHAT_SHUTDOWN_DELAY_MS', 0, 0, 60_000),
    progressDelayMs: integer(env, 'POLYCHAT_PROGRESS_DELAY_MS', 300, 0, 60_000),
    suiteTickMs: integer(env, 'POLYCHAT_SUITE_TICK_MS', 15_000, 100, 3_600_000),
  };
}

/** Loads `.env` from the working directory when present; real environment variables win. */
export function loadDotEnv(path = '.env'): void {
  if (!existsSync(path)) return;
  try {
    process.loadEnvFile(path);
  } catch (error) {
    throw new ConfigError(`.env could not be read: ${(error as Error).message.split('\n')[0]}`);
  }
}
