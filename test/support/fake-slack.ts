/**
 * A fake Slack Web API on 127.0.0.1: form-encoded or JSON method calls with
 * bearer-token auth, realistic answers, streamed file uploads
 * (files.getUploadURLExternal → POST upload_url → files.completeUploadExternal),
 * response_url endpoints and fault injection.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BLOCK_LIMITS, blockProblems, viewProblems } from './block-kit.js';
import {
  TEST_APP_ID,
  TEST_APP_TOKEN,
  TEST_BOT_ID,
  TEST_BOT_TOKEN,
  TEST_BOT_USER_ID,
  TEST_TEAM_ID,
} from './constants.js';
import { closeServer, headerRecord, isRecord, listen, readBody, sendJson } from './http-util.js';
import { multipartBoundary, readMultipart } from './multipart.js';
import { compareSlackTs, nextSlackTs } from './slack-ts.js';
import { sleep } from './wait.js';

export type SlackArgs = Record<string, unknown>;
export type SlackApiResponse = { ok: boolean; error?: string } & Record<string, unknown>;

export interface SlackCall {
  method: string;
  /** form values and JSON bodies alike; form values that look like JSON objects/arrays are parsed */
  args: SlackArgs;
  /** performance.now() when the call arrived */
  at: number;
  /** lower-cased names */
  headers: Record<string, string>;
  /** what the fake answered (HTTP 429 answers included) */
  response: SlackApiResponse;
  status: number;
}

export interface SlackMessage {
  ts: string;
  type?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  thread_ts?: string;
  [key: string]: unknown;
}

export interface UploadRecord {
  fileId: string;
  /** filename declared to files.getUploadURLExternal */
  filename: string;
  /** length declared to files.getUploadURLExternal */
  length: number;
  /** bytes received (the file part's bytes for multipart) */
  bytes: number;
  sha256: string;
  contentType?: string;
  multipart: boolean;
  /** filename of the multipart file part, if any */
  partFilename?: string;
  at: number;
  finishedAt: number;
  /** the bytes received, for small raw (non-multipart) uploads such as a suite's YAML */
  content?: Buffer;
}

export interface PendingFile {
  fileId: string;
  filename: string;
  length: number;
  altText?: string;
  snippetType?: string;
  uploaded: boolean;
  completed?: CompletedFile;
}

export interface CompletedFile {
  id: string;
  title?: string;
  channelId?: string;
  threadTs?: string;
  initialComment?: string;
  blocks?: unknown;
}

export interface ResponseUrlPost {
  id: string;
  body: unknown;
  at: number;
  headers: Record<string, string>;
}

export type SlackHandler = (args: SlackArgs, call: SlackCall) => SlackApiResponse | undefined;

export interface FakeSlackOptions {
  botToken?: string;
  /** delay before every Web API answer; settable at any time */
  latencyMs?: number;
  teamId?: string;
  teamDomain?: string;
}

interface SlackFault {
  method: string;
  remaining: number;
  /** `applied`: the call takes effect (a message is posted) and the answer is still the error. */
  kind: 'error' | 'ratelimit' | 'applied';
  error?: string;
  channel?: string;
  retryAfterSeconds?: number;
}

interface Waiter {
  check(): boolean;
}

/** The ID of the direct message between the bot and `user` in the fake (conversations.open). */
export function dmChannelOf(user: string): string {
  return `D${user.replace(/^[UW]/, '')}`;
}

/** Methods that take message blocks, checked against Block Kit's limits. */
const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

export class FakeSlack {
  /** SLACK_API_URL value: http://127.0.0.1:PORT/api/ */
  url = '';
  /** http://127.0.0.1:PORT */
  origin = '';
  port = 0;
  botToken: string;
  latencyMs: number;
  readonly teamId: string;
  readonly teamDomain: string;

  readonly calls: SlackCall[] = [];
  readonly uploads = new Map<string, UploadRecord>();
  readonly files = new Map<string, PendingFile>();
  readonly responses: ResponseUrlPost[] = [];
  readonly views = new Map<string, Record<string, unknown>>();

  private readonly server: Server;
  private readonly faults: SlackFault[] = [];
  /** Per-channel chat.postMessage token buckets, when `limitPostRate` turned them on. */
  private postRate: { burst: number; perSecond: number } | undefined;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly uploadFaults: number[] = [];
  private readonly handlers = new Map<string, SlackHandler>();
  private readonly messages = new Map<string, SlackMessage[]>();
  private readonly reactions = new Map<string, Map<string, Set<string>>>();
  /** `assistant.threads.setStatus` by `channel:thread_ts`; cleared when the app replies in the thread. */
  private readonly statuses = new Map<string, string>();
  private readonly channels = new Map<string, Record<string, unknown>>();
  private readonly users = new Map<string, Record<string, unknown>>();
  private readonly waiters = new Set<Waiter>();
  private fileCounter = 0;
  /** files shared by users (hostFile), served at their url_private */
  private readonly hosted = new Map<string, { name: string; content: Buffer }>();
  private viewCounter = 0;
  private responseCounter = 0;

  constructor(opts: FakeSlackOptions = {}) {
    this.botToken = opts.botToken ?? TEST_BOT_TOKEN;
    this.latencyMs = opts.latencyMs ?? 0;
    this.teamId = opts.teamId ?? TEST_TEAM_ID;
    this.teamDomain = opts.teamDomain ?? 'polychat-test';
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(err) });
        else res.destroy();
      });
    });
  }

  async start(): Promise<this> {
    this.port = await listen(this.server);
    this.origin = `http://127.0.0.1:${this.port}`;
    this.url = `${this.origin}/api/`;
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  // ------------------------------------------------------------- controls

  /** A file as a user would share it: its `files` entry for an event, served with the bot token only. */
  hostFile(name: string, content: string): { id: string; name: string; url_private: string; filetype: string } {
    const id = `F${(++this.fileCounter).toString().padStart(4, '0')}SHARED`;
    this.hosted.set(id, { name, content: Buffer.from(content, 'utf8') });
    return { id, name, url_private: `${this.origin}/files/${id}/${encodeURIComponent(name)}`, filetype: 'yaml' };
  }

  /** The next `n` calls of `method` (to `channel`, when given) answer `{ok:false, error}`. */
  failNext(method: string, error: string, n = 1, channel?: string): void {
    this.faults.push({ method, remaining: n, kind: 'error', error, channel });
  }

  /**
   * The next `n` calls of `method` (to `channel`, when given) take effect but answer
   * `{ok:false, error}`: Slack's `internal_error` "some aspect of the operation succeeded".
   */
  failNextAfterApplying(method: string, error: string, n = 1, channel?: string): void {
    this.faults.push({ method, remaining: n, kind: 'applied', error, channel });
  }

  /** The next `n` calls of `method` (to `channel`, when given) answer HTTP 429 with `Retry-After`. */
  rateLimitNext(method: string, retryAfterSeconds: number, n = 1, channel?: string): void {
    this.faults.push({ method, remaining: n, kind: 'ratelimit', retryAfterSeconds, channel });
  }

  /**
   * Slack's per-channel posting limit: chat.postMessage in one channel may burst `burst` messages,
   * then about `perSecond` a second; beyond that it answers 429 with `Retry-After`. Off by default;
   * `undefined` turns it off again.
   */
  limitPostRate(limit: { burst?: number; perSecond?: number } | undefined): void {
    this.postRate = limit === undefined ? undefined : { burst: limit.burst ?? 3, perSecond: limit.perSecond ?? 1 };
    this.buckets.clear();
  }

  /** Seconds until `channel` may post again, or undefined when a post may go now (and takes its token). */
  private postRateWait(method: string, channel: unknown): number | undefined {
    if (this.postRate === undefined || method !== 'chat.postMessage' || typeof channel !== 'string') return undefined;
    const { burst, perSecond } = this.postRate;
    const now = performance.now();
    const bucket = this.buckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** The next `n` uploads to an upload_url answer this HTTP status (after reading the body). */
  failNextUpload(status = 500, n = 1): void {
    for (let i = 0; i < n; i++) this.uploadFaults.push(status);
  }

  /** Replace the answer of one method; return undefined to fall back to the built-in one. */
  on(method: string, handler: SlackHandler | undefined): void {
    if (handler) this.handlers.set(method, handler);
    else this.handlers.delete(method);
  }

  /** Put a message into a channel (for conversations.replies/history, chat.update, …). */
  seedMessage(channel: string, message: Partial<SlackMessage> & { text?: string }): SlackMessage {
    const msg: SlackMessage = { type: 'message', ...message, ts: message.ts ?? nextSlackTs() };
    const list = this.messages.get(channel) ?? [];
    list.push(msg);
    list.sort((a, b) => compareSlackTs(a.ts, b.ts));
    this.messages.set(channel, list);
    return msg;
  }

  /** Messages of a channel (oldest first); with `threadTs`, the thread's root and replies. */
  messagesIn(channel: string, threadTs?: string): SlackMessage[] {
    const list = this.messages.get(channel) ?? [];
    if (threadTs === undefined) return [...list];
    return list.filter((m) => m.ts === threadTs || m.thread_ts === threadTs);
  }

  setChannel(id: string, info: Record<string, unknown>): void {
    this.channels.set(id, info);
  }

  setUser(id: string, info: Record<string, unknown>): void {
    this.users.set(id, info);
  }

  /** Reaction names currently on a message. */
  reactionsOn(channel: string, ts: string): string[] {
    const byName = this.reactions.get(`${channel}:${ts}`);
    return byName ? [...byName.entries()].filter(([, users]) => users.size > 0).map(([name]) => name) : [];
  }

  /** The status the app shows under a thread now ('' when none). */
  threadStatus(channel: string, threadTs: string): string {
    return this.statuses.get(`${channel}:${threadTs}`) ?? '';
  }

  /** A response_url the app may POST to; posts are recorded in `responses`. */
  createResponseUrl(): string {
    return `${this.origin}/respond/${++this.responseCounter}-${randomBytes(6).toString('hex')}`;
  }

  /** Forget calls, uploads, responses, messages, reactions, views and faults (not channels/users/handlers). */
  reset(): void {
    this.calls.length = 0;
    this.responses.length = 0;
    this.uploads.clear();
    this.files.clear();
    this.views.clear();
    this.messages.clear();
    this.reactions.clear();
    this.statuses.clear();
    this.faults.length = 0;
    this.uploadFaults.length = 0;
    this.postRate = undefined;
    this.buckets.clear();
  }

  // -------------------------------------------------------------- queries

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** First call of `method` matching `predicate`, recorded already or arriving within `timeoutMs`. */
  async waitFor(
    method: string,
    predicate: (c: SlackCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<SlackCall> {
    const [first] = await this.waitForCount(method, 1, predicate, timeoutMs);
    return first as SlackCall;
  }

  /** Resolves with all matching calls once there are at least `n`. */
  async waitForCount(
    method: string,
    n: number,
    predicate: (c: SlackCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<SlackCall[]> {
    const matching = () => this.calls.filter((c) => c.method === method && predicate(c));
    try {
      return await this.waitForState(() => {
        const hits = matching();
        return hits.length >= n ? hits : undefined;
      }, timeoutMs);
    } catch {
      const seen = this.calls.map((c) => c.method).join(', ') || 'none';
      throw new Error(
        `fake Slack: wanted ${n} matching ${method} call(s) within ${timeoutMs} ms, got ${matching().length}; calls so far: ${seen}`,
      );
    }
  }

  /** Resolves when an upload (of `fileId`, or any) has been fully received. */
  async waitForUpload(fileId?: string, timeoutMs = 10_000): Promise<UploadRecord> {
    try {
      return await this.waitForState(
        () => (fileId === undefined ? [...this.uploads.values()][0] : this.uploads.get(fileId)),
        timeoutMs,
      );
    } catch {
      throw new Error(`fake Slack: no upload${fileId ? ` of ${fileId}` : ''} within ${timeoutMs} ms`);
    }
  }

  async waitForResponse(
    predicate: (r: ResponseUrlPost) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ResponseUrlPost> {
    try {
      return await this.waitForState(() => this.responses.find(predicate), timeoutMs);
    } catch {
      throw new Error(
        `fake Slack: no matching response_url post within ${timeoutMs} ms (${this.responses.length} posts seen)`,
      );
    }
  }

  private waitForState<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const v = probe();
          if (v === undefined) return false;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(v);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error('timeout'));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w.check();
  }

  // -------------------------------------------------------------- serving

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (api && (method === 'POST' || method === 'GET')) return this.apiCall(req, res, api[1] as string, url);
    const upload = /^\/upload\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (upload && method === 'POST') return this.upload(req, res, upload[1] as string);
    const respond = /^\/respond\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
    if (respond && method === 'POST') return this.responseUrl(req, res, respond[1] as string);
    const file = /^\/files\/([A-Za-z0-9]+)\/[^/]+$/.exec(url.pathname);
    const hosted = file === null ? undefined : this.hosted.get(file[1] as string);
    if (hosted && method === 'GET') {
      if (req.headers.authorization !== `Bearer ${this.botToken}`) {
        res.writeHead(403, { 'Content-Type': 'text/plain' });
        res.end('forbidden');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': hosted.content.length });
      res.end(hosted.content);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  }

  private async apiCall(req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
    const at = performance.now();
    const headers = headerRecord(req.headers);
    const raw = (await readBody(req)).toString('utf8');
    const args = parseArgs(headers['content-type'], raw, url.searchParams);
    const call: SlackCall = { method, args, at, headers, response: { ok: false }, status: 200 };

    if (this.latencyMs > 0) await sleep(this.latencyMs);

    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    let response: SlackApiResponse;
    let status = 200;
    let extraHeaders: Record<string, string> = {};
    const fault = token === this.botToken ? this.takeFault(method, args) : undefined;
    const rateWait =
      token === this.botToken && fault === undefined ? this.postRateWait(method, args.channel) : undefined;
    if (token === undefined) response = { ok: false, error: 'not_authed' };
    else if (method.startsWith('apps.connections.') ? token !== TEST_APP_TOKEN : token !== this.botToken) {
      // Socket Mode opens its connection with the app-level token; every other method takes the bot token.
      response = { ok: false, error: 'invalid_auth' };
    } else if (fault?.kind === 'ratelimit') {
      status = 429;
      extraHeaders = { 'Retry-After': String(fault.retryAfterSeconds ?? 1) };
      response = { ok: false, error: 'ratelimited' };
    } else if (rateWait !== undefined) {
      status = 429;
      extraHeaders = { 'Retry-After': String(rateWait) };
      response = { ok: false, error: 'ratelimited' };
    } else if (fault?.kind === 'error') response = { ok: false, error: fault.error ?? 'fatal_error' };
    else if (fault?.kind === 'applied') {
      this.handlers.get(method)?.(args, call) ?? this.answer(method, args);
      response = { ok: false, error: fault.error ?? 'internal_error' };
    } else response = this.handlers.get(method)?.(args, call) ?? this.answer(method, args);

    call.response = response;
    call.status = status;
    this.calls.push(call);
    this.notify();
    sendJson(res, status, response, extraHeaders);
  }

  private takeFault(method: string, args: SlackArgs): SlackFault | undefined {
    const channel = args.channel ?? args.channel_id;
    const idx = this.faults.findIndex(
      (f) =>
        f.remaining > 0 &&
        (f.method === method || f.method === '*') &&
        (f.channel === undefined || f.channel === channel),
    );
    if (idx < 0) return undefined;
    const fault = this.faults[idx] as SlackFault;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(idx, 1);
    return fault;
  }

  private answer(method: string, args: SlackArgs): SlackApiResponse {
    const str = (k: string): string | undefined => {
      const v = args[k];
      return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
    };
    const channel = str('channel') ?? str('channel_id');
    if (MESSAGE_METHODS.has(method)) {
      const problems = blockProblems(args.blocks, BLOCK_LIMITS.message);
      if (problems.length > 0) return { ok: false, error: 'invalid_blocks', errors: problems };
    }
    switch (method) {
      case 'api.test':
        return { ok: true, args };
      case 'auth.test':
        return {
          ok: true,
          url: `https://${this.teamDomain}.slack.com/`,
          team: 'Polychat Test',
          user: 'polychat',
          team_id: this.teamId,
          user_id: TEST_BOT_USER_ID,
          bot_id: TEST_BOT_ID,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!str('text') && args.blocks === undefined && args.attachments === undefined) {
          return { ok: false, error: 'no_text' };
        }
        const threadTs = str('thread_ts');
        // As Slack does: the app's reply in a thread clears the status it showed there.
        if (threadTs) this.statuses.delete(`${channel}:${threadTs}`);
        const message = this.seedMessage(channel, {
          type: 'message',
          text: str('text') ?? '',
          user: TEST_BOT_USER_ID,
          bot_id: TEST_BOT_ID,
          app_id: TEST_APP_ID,
          team: this.teamId,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(args.blocks !== undefined ? { blocks: args.blocks } : {}),
          ...(args.attachments !== undefined ? { attachments: args.attachments } : {}),
          ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
          ...postedAs(args),
        });
        return { ok: true, channel, ts: message.ts, message };
      }
      case 'chat.postEphemeral':
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!str('user')) return { ok: false, error: 'user_not_in_channel' };
        if (!str('text') && args.blocks === undefined && args.attachments === undefined) {
          return { ok: false, error: 'no_text' };
        }
        return { ok: true, message_ts: nextSlackTs() };
      case 'chat.update': {
        const ts = str('ts');
        const msg = channel && ts ? this.messagesIn(channel).find((m) => m.ts === ts) : undefined;
        if (!channel || !ts || !msg) return { ok: false, error: 'message_not_found' };
        if (args.text !== undefined) msg.text = String(args.text);
        if (args.blocks !== undefined) msg.blocks = args.blocks;
        if (args.attachments !== undefined) msg.attachments = args.attachments;
        msg.edited = { user: TEST_BOT_USER_ID, ts: nextSlackTs() };
        return { ok: true, channel, ts, text: msg.text ?? '', message: { ...msg } };
      }
      case 'chat.delete': {
        const ts = str('ts');
        const list = channel ? this.messages.get(channel) : undefined;
        const idx = list && ts ? list.findIndex((m) => m.ts === ts) : -1;
        if (!channel || !ts || !list || idx < 0) return { ok: false, error: 'message_not_found' };
        list.splice(idx, 1);
        return { ok: true, channel, ts };
      }
      case 'chat.getPermalink': {
        const ts = str('message_ts');
        if (!channel || !ts) return { ok: false, error: 'invalid_arguments' };
        return {
          ok: true,
          channel,
          permalink: `https://example.slack.com/archives/${channel}/p${ts.replace('.', '')}`,
        };
      }
      case 'reactions.add':
      case 'reactions.remove': {
        const ts = str('timestamp');
        const name = str('name');
        if (!channel || !ts || !name) return { ok: false, error: 'invalid_arguments' };
        const key = `${channel}:${ts}`;
        const byName = this.reactions.get(key) ?? new Map<string, Set<string>>();
        this.reactions.set(key, byName);
        const users = byName.get(name) ?? new Set<string>();
        byName.set(name, users);
        if (method === 'reactions.add') {
          if (users.has(TEST_BOT_USER_ID)) return { ok: false, error: 'already_reacted' };
          users.add(TEST_BOT_USER_ID);
        } else {
          if (!users.has(TEST_BOT_USER_ID)) return { ok: false, error: 'no_reaction' };
          users.delete(TEST_BOT_USER_ID);
        }
        return { ok: true };
      }
      case 'assistant.threads.setStatus': {
        const channelId = str('channel_id');
        const threadTs = str('thread_ts');
        if (!channelId || !threadTs || typeof args.status !== 'string')
          return { ok: false, error: 'invalid_arguments' };
        if (args.status === '') this.statuses.delete(`${channelId}:${threadTs}`);
        else this.statuses.set(`${channelId}:${threadTs}`, args.status);
        return { ok: true };
      }
      case 'views.open':
      case 'views.push':
      case 'views.publish':
      case 'views.update':
        return this.viewCall(method, args);
      case 'conversations.info': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        return {
          ok: true,
          channel: {
            id: channel,
            name: `channel-${channel.toLowerCase()}`,
            is_channel: true,
            is_group: false,
            is_im: false,
            is_private: false,
            is_archived: false,
            is_member: true,
            created: 1_700_000_000,
            creator: 'U0CREATOR',
            topic: { value: '', creator: '', last_set: 0 },
            purpose: { value: '', creator: '', last_set: 0 },
            ...this.channels.get(channel),
          },
        };
      }
      case 'conversations.open': {
        // One user: their DM with the bot, the same ID every time (as Slack does).
        const users = str('users');
        if (!users) return { ok: false, error: 'users_list_not_supplied' };
        if (users.includes(',')) return { ok: false, error: 'not_enough_users' };
        return { ok: true, channel: { id: dmChannelOf(users), is_im: true, user: users } };
      }
      case 'conversations.replies': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ts = str('ts');
        if (!ts) return { ok: false, error: 'invalid_arguments' };
        return {
          ok: true,
          messages: this.messagesIn(channel, ts),
          has_more: false,
          response_metadata: { next_cursor: '' },
        };
      }
      case 'conversations.history': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const top = this.messagesIn(channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
        return { ok: true, messages: top.reverse(), has_more: false, response_metadata: { next_cursor: '' } };
      }
      case 'users.info': {
        const user = str('user');
        if (!user) return { ok: false, error: 'user_not_found' };
        const name = `user-${user.toLowerCase()}`;
        return {
          ok: true,
          user: {
            id: user,
            team_id: this.teamId,
            name,
            real_name: `Test User ${user}`,
            deleted: false,
            is_bot: false,
            tz: 'Europe/London',
            tz_label: 'Greenwich Mean Time',
            tz_offset: 0,
            profile: { real_name: `Test User ${user}`, display_name: name },
            ...this.users.get(user),
          },
        };
      }
      case 'files.getUploadURLExternal': {
        const filename = str('filename');
        const length = Number(args.length);
        if (!filename || !Number.isInteger(length) || length < 0) return { ok: false, error: 'invalid_arguments' };
        const fileId = `F${(++this.fileCounter).toString().padStart(4, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;
        this.files.set(fileId, {
          fileId,
          filename,
          length,
          altText: str('alt_txt') ?? str('alt_text'),
          snippetType: str('snippet_type'),
          uploaded: false,
        });
        return { ok: true, upload_url: `${this.origin}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = args.files;
        if (!Array.isArray(files) || files.length === 0) return { ok: false, error: 'invalid_arguments' };
        const out: Array<Record<string, unknown>> = [];
        for (const f of files) {
          if (!isRecord(f) || typeof f.id !== 'string') return { ok: false, error: 'invalid_arguments' };
          const pending = this.files.get(f.id);
          if (!pending?.uploaded) return { ok: false, error: 'file_not_found' };
          const title = typeof f.title === 'string' ? f.title : pending.filename;
          pending.completed = {
            id: f.id,
            title,
            channelId: channel,
            threadTs: str('thread_ts'),
            initialComment: str('initial_comment'),
            blocks: args.blocks,
          };
          const upload = this.uploads.get(f.id);
          out.push({
            id: f.id,
            title,
            name: pending.filename,
            size: upload?.bytes ?? pending.length,
            permalink: `https://example.slack.com/files/${TEST_BOT_USER_ID}/${f.id}/${pending.filename}`,
          });
        }
        return { ok: true, files: out };
      }
      default:
        return { ok: true };
    }
  }

  private viewCall(method: string, args: SlackArgs): SlackApiResponse {
    const view = args.view;
    if (!isRecord(view)) return { ok: false, error: 'invalid_arguments' };
    const problems = viewProblems(view);
    if (problems.length > 0) {
      return { ok: false, error: 'invalid_arguments', response_metadata: { messages: problems } };
    }
    if (method === 'views.open' || method === 'views.push') {
      if (typeof args.trigger_id !== 'string' || args.trigger_id === '') {
        return { ok: false, error: 'invalid_arguments' };
      }
    }
    let id: string;
    if (method === 'views.update') {
      const viewId = typeof args.view_id === 'string' ? args.view_id : undefined;
      const externalId = typeof args.external_id === 'string' ? args.external_id : undefined;
      const existing = viewId
        ? this.views.get(viewId)
        : [...this.views.values()].find((v) => externalId !== undefined && v.external_id === externalId);
      if (!existing || typeof existing.id !== 'string') return { ok: false, error: 'not_found' };
      id = existing.id;
    } else {
      id = `V${(++this.viewCounter).toString().padStart(6, '0')}`;
    }
    const stored: Record<string, unknown> = {
      id,
      team_id: this.teamId,
      type: 'modal',
      private_metadata: '',
      callback_id: '',
      external_id: '',
      state: { values: {} },
      root_view_id: id,
      previous_view_id: null,
      app_id: TEST_APP_ID,
      app_installed_team_id: this.teamId,
      bot_id: TEST_BOT_ID,
      ...view,
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    };
    this.views.set(id, stored);
    return { ok: true, view: stored };
  }

  private async upload(req: IncomingMessage, res: ServerResponse, fileId: string): Promise<void> {
    const at = performance.now();
    const pending = this.files.get(fileId);
    const hash = createHash('sha256');
    let bytes = 0;
    const contentType = req.headers['content-type'];
    const boundary = multipartBoundary(contentType);
    let partFilename: string | undefined;
    let content: Buffer | undefined;
    if (boundary) {
      let filePartName: string | undefined;
      await readMultipart(req, boundary, {
        onFileData: (part, data) => {
          // Only the first file part counts (Slack takes one file per upload URL).
          filePartName ??= `${part.name}\0${part.filename}`;
          if (filePartName !== `${part.name}\0${part.filename}`) return;
          partFilename = part.filename;
          hash.update(data);
          bytes += data.length;
        },
      });
    } else {
      const kept: Buffer[] = [];
      for await (const chunk of req) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        hash.update(buf);
        bytes += buf.length;
        if (bytes <= 1024 * 1024) kept.push(buf);
      }
      if (bytes <= 1024 * 1024) content = Buffer.concat(kept);
    }
    const failStatus = this.uploadFaults.shift();
    if (failStatus !== undefined) {
      res.writeHead(failStatus, { 'Content-Type': 'text/plain' });
      res.end('upload failed');
      return;
    }
    if (!pending) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('file_not_found');
      return;
    }
    pending.uploaded = true;
    this.uploads.set(fileId, {
      fileId,
      filename: pending.filename,
      length: pending.length,
      bytes,
      sha256: hash.digest('hex'),
      contentType,
      multipart: boundary !== undefined,
      partFilename,
      at,
      finishedAt: performance.now(),
      ...(content !== undefined && { content }),
    });
    this.notify();
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`OK - ${bytes}`);
  }

  private async responseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const at = performance.now();
    const headers = headerRecord(req.headers);
    const raw = (await readBody(req)).toString('utf8');
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // keep the raw text
    }
    this.responses.push({ id, body, at, headers });
    this.notify();
    sendJson(res, 200, { ok: true });
  }
}

/**
 * The name and icon a post asked for (`chat:write.customize`), as Slack echoes them on the
 * message: `username`, and `icons` keyed `emoji` or `image_48`.
 */
export function postedAs(args: SlackArgs): { username?: string; icons?: Record<string, string> } {
  const username = typeof args.username === 'string' && args.username !== '' ? args.username : undefined;
  const icons: Record<string, string> | undefined =
    typeof args.icon_emoji === 'string'
      ? { emoji: args.icon_emoji }
      : typeof args.icon_url === 'string'
        ? { image_48: args.icon_url }
        : undefined;
  return { ...(username !== undefined && { username }), ...(icons !== undefined && { icons }) };
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  return new FakeSlack(opts).start();
}

/** Parses a Web API request body the way Slack does: form-encoded or JSON. */
export function parseArgs(contentType: string | undefined, raw: string, query?: URLSearchParams): SlackArgs {
  const args: SlackArgs = {};
  if (query) for (const [k, v] of query) args[k] = v;
  if (raw === '') return args;
  if (contentType && /application\/json/i.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isRecord(parsed)) Object.assign(args, parsed);
    } catch {
      // Slack answers invalid_json; the call is still recorded
      args.__invalid_json = raw;
    }
    return args;
  }
  for (const [k, v] of new URLSearchParams(raw)) args[k] = maybeJson(v);
  return args;
}

function maybeJson(value: string): unknown {
  const t = value.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}
