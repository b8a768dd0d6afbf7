/**
 * A fake PolyAI Conversations API on 127.0.0.1 that speaks the real wire
 * format: `X-API-KEY` auth, `X-PolyAI-Correlation-Id` echo, the error
 * envelope, debug-chat sessions, conversations for review, notes,
 * annotations and streamed WAV recordings.
 */
import { createCipheriv, createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { TEST_POLYAI_KEY } from './constants.js';
import { closeServer, errorEnvelope, headerRecord, isRecord, listen, readBody, sendJson } from './http-util.js';
import { sleep, waitUntil } from './wait.js';

// ---------------------------------------------------------------- wire types

export type ClientEnv = 'sandbox' | 'pre-release' | 'live';
export const CLIENT_ENVS: readonly ClientEnv[] = ['sandbox', 'pre-release', 'live'];
export type AudioDirection = 'combined' | 'user' | 'agent';
export type AnnotationRole = 'user' | 'agent';
export type AnnotationType = 'missing_topic' | 'wrong_transcript' | 'wrong_info';

export interface DebugChatResponse {
  conversationId: string;
  userInput: string;
  response: string;
  metadata: Record<string, unknown>;
  conversationEnded: boolean;
  delayedResponse: boolean;
}

export interface PolyErrorEnvelope {
  success: false;
  error: string;
  error_id: string;
  error_code: string;
  error_message: string;
  data: null;
}

export interface ConversationTurn {
  user_input?: string | null;
  agent_response?: string | null;
  user_input_datetime?: string | null;
  agent_response_datetime?: string | null;
  user_input_dtmf?: string | null;
  latency?: number | Record<string, unknown> | null;
  intents?: unknown;
  entities?: unknown;
  turn_id?: number;
  [key: string]: unknown;
}

export interface ConversationSummary {
  conversationId: string;
  accountId: string;
  projectId: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string | null;
  channel?: string;
  fromNumber?: string | null;
  toNumber?: string | null;
  language?: string;
  variantId?: string | null;
  clientEnv?: string;
  totalDuration?: number;
  polyaiDuration?: number;
  duration?: number;
  inProgress?: boolean;
  handoff?: boolean;
  handoffDestination?: string | null;
  handoffReason?: string | null;
  direction?: string;
  tags?: string[];
  polyScore?: number | null;
  shortSummary?: string | { heading: string; content: string } | null;
  deploymentId?: string | null;
  note?: string | null;
  audioUrl?: string | null;
  [key: string]: unknown;
}

export interface ConversationDetail extends ConversationSummary {
  turns: ConversationTurn[];
  metrics?: Record<string, unknown>;
  functionEvents?: Record<string, unknown>;
}

export interface ListConversationsResponse {
  conversations: ConversationSummary[];
  count: number;
  limit: number;
  offset: number;
}

export interface AnnotationItem {
  turnId: number;
  role: AnnotationRole;
  annotationType: AnnotationType;
}

// ---------------------------------------------------------- recording types

export type PolyOp =
  | 'createDebugChat'
  | 'respondDebugChat'
  | 'listConversations'
  | 'getConversation'
  | 'upsertNote'
  | 'addAnnotations'
  | 'getAudio'
  | 'unknown';

export interface PolyRequest {
  op: PolyOp;
  method: string;
  path: string;
  query: Record<string, string>;
  /** lower-cased names */
  headers: Record<string, string>;
  /** parsed JSON, or the raw text when it is not JSON, or undefined when empty */
  body: unknown;
  rawBody: string;
  /** performance.now() when the request arrived */
  at: number;
  /** performance.now() when the response finished or the connection closed */
  finishedAt?: number;
  status?: number;
  agentId?: string;
  conversationId?: string;
  correlationId: string;
}

export interface DebugChatTurnRecord {
  message: string;
  response: string;
  at: string;
}

export interface DebugChatSession {
  agentId: string;
  conversationId: string;
  clientEnv: ClientEnv;
  asrLangCode?: string;
  ttsLangCode?: string;
  variantId?: string;
  channel?: string;
  integrationAttributes?: Record<string, unknown>;
  createBody: Record<string, unknown>;
  greeting: string;
  createdAt: string;
  /** every answered turn, including empty-message collections of delayed replies */
  turns: DebugChatTurnRecord[];
  /** answered turns that were not collections of a delayed reply */
  userTurns: number;
  ended: boolean;
}

// ------------------------------------------------------------- control types

export interface TurnContext {
  agentId: string;
  conversationId: string;
  message: string;
  body: Record<string, unknown>;
  /** zero-based: how many user turns (not delayed-reply collections) this conversation answered before */
  turnIndex: number;
  headers: Record<string, string>;
  session: DebugChatSession;
}

export interface ReplyOverride {
  response?: string;
  userInput?: string;
  metadata?: Record<string, unknown>;
  conversationEnded?: boolean;
  delayedResponse?: boolean;
}

/** Sent as is: any status, any body (JSON-encoded unless a string). */
export interface RawReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Reply = ReplyOverride | RawReply;
export type Responder = (ctx: TurnContext) => Reply | undefined | Promise<Reply | undefined>;

export interface FailSpec {
  status: number;
  error_code: string;
  message?: string;
  headers?: Record<string, string>;
  /** only requests of these ops consume the failure (default: any op) */
  op?: PolyOp | PolyOp[];
}

export interface RecordingSpec {
  /** size of the PCM data chunk; the file is 44 bytes longer */
  bytes: number;
  /** seed of the pseudo-random PCM (default: the conversation ID) */
  seed?: string;
  /** omit Content-Length (Transfer-Encoding: chunked) */
  chunked?: boolean;
  /** cut the connection after this many bytes of the file were sent */
  abortAfterBytes?: number;
}

export interface FakePolyAIOptions {
  apiKey?: string;
  knownAgents?: string[];
  greeting?: string;
  latencyMs?: number;
  /** status for a turn on an unknown conversation: 404 (default) or 410, both seen in the wild */
  unknownConversationStatus?: 404 | 410;
}

interface Fault {
  remaining: number;
  ops?: PolyOp[];
  kind: 'fail' | 'ratelimit' | 'hang';
  spec?: FailSpec;
  retryAfterSeconds?: number;
}

interface Route {
  op: PolyOp;
  agentId?: string;
  conversationId?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const AUDIO_CHUNK = 64 * 1024;
const WAV_HEADER_BYTES = 44;
const ANNOTATION_ROLES: readonly string[] = ['user', 'agent'];
const ANNOTATION_TYPES: readonly string[] = ['missing_topic', 'wrong_transcript', 'wrong_info'];
const AUDIO_DIRECTIONS: readonly string[] = ['combined', 'user', 'agent'];

// ------------------------------------------------------------------ the fake

export class FakePolyAI {
  /** base URL, e.g. http://127.0.0.1:PORT (no trailing slash) */
  url = '';
  port = 0;
  apiKey: string;
  knownAgents: string[];
  greeting: string;
  /** fixed delay before every debug-chat answer; settable at any time */
  latencyMs: number;
  unknownConversationStatus: 404 | 410;

  readonly requests: PolyRequest[] = [];
  readonly sessions = new Map<string, DebugChatSession>();
  readonly notes = new Map<string, string>();
  readonly annotations = new Map<string, AnnotationItem[]>();

  private readonly server: Server;
  private readonly conversations = new Map<string, Map<string, ConversationDetail>>();
  private readonly recordings = new Map<string, RecordingSpec>();
  private readonly faults: Fault[] = [];
  private readonly endAfterTurns = new Map<string, number>();
  private readonly delayed = new Map<string, string[]>();
  private readonly pendingParts = new Map<string, string[]>();
  private responder: Responder | undefined;

  constructor(opts: FakePolyAIOptions = {}) {
    this.apiKey = opts.apiKey ?? TEST_POLYAI_KEY;
    this.knownAgents = [...(opts.knownAgents ?? ['agent-1', 'agent-2'])];
    this.greeting = opts.greeting ?? 'Hello! How can I help?';
    this.latencyMs = opts.latencyMs ?? 0;
    this.unknownConversationStatus = opts.unknownConversationStatus ?? 404;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (!res.headersSent) this.sendError(res, 500, 'INTERNAL_SERVER_ERROR', message, '');
        else res.destroy();
      });
    });
  }

  async start(): Promise<this> {
    this.port = await listen(this.server);
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  // ------------------------------------------------------------- controls

  /** Script the replies to user turns; return undefined to fall back to the default. */
  setResponder(fn: Responder | undefined): void {
    this.responder = fn;
  }

  /** The next `n` matching requests answer with this error envelope. */
  failNext(n: number, spec: FailSpec): void {
    this.faults.push({ remaining: n, ops: opList(spec.op), kind: 'fail', spec });
  }

  /** The next `n` matching requests answer 429 with `Retry-After`. */
  rateLimitNext(n: number, retryAfterSeconds: number, op?: PolyOp | PolyOp[]): void {
    this.faults.push({ remaining: n, ops: opList(op), kind: 'ratelimit', retryAfterSeconds });
  }

  /** The next `n` matching requests are never answered (until close()). */
  hangNext(n: number, op?: PolyOp | PolyOp[]): void {
    this.faults.push({ remaining: n, ops: opList(op), kind: 'hang' });
  }

  /** The reply to user turn number `turns` (1-based; 0 = the greeting) ends the conversation. '*' = every conversation. */
  endAfter(conversationId: string | '*', turns: number): void {
    this.endAfterTurns.set(conversationId, turns);
  }

  /**
   * The next reply on this conversation ('*' = any) has delayedResponse:true;
   * the following empty-message turns return `parts` in order, the last with
   * delayedResponse:false.
   */
  delayNext(conversationId: string | '*', parts: string[]): void {
    this.delayed.set(conversationId, [...parts]);
  }

  setRecording(conversationId: string, spec: RecordingSpec): void {
    this.recordings.set(conversationId, { ...spec });
  }

  addConversation(agentId: string, detail: ConversationDetail): ConversationDetail {
    let byId = this.conversations.get(agentId);
    if (!byId) {
      byId = new Map();
      this.conversations.set(agentId, byId);
    }
    byId.set(detail.conversationId, detail);
    if (!this.knownAgents.includes(agentId)) this.knownAgents.push(agentId);
    return detail;
  }

  // -------------------------------------------------------------- queries

  /** respondDebugChat requests, optionally of one conversation. */
  turns(conversationId?: string): PolyRequest[] {
    return this.requests.filter(
      (r) => r.op === 'respondDebugChat' && (conversationId === undefined || r.conversationId === conversationId),
    );
  }

  requestsOf(op: PolyOp): PolyRequest[] {
    return this.requests.filter((r) => r.op === op);
  }

  /** Resolves with the matching requests once at least `count` were recorded. */
  async waitForRequests(
    predicate: (r: PolyRequest) => boolean = () => true,
    count = 1,
    timeoutMs = 5000,
  ): Promise<PolyRequest[]> {
    return waitUntil(
      () => {
        const hits = this.requests.filter(predicate);
        return hits.length >= count ? hits : undefined;
      },
      timeoutMs,
      10,
      `${count} PolyAI request(s) (have ${this.requests.filter(predicate).length})`,
    );
  }

  /** Most requests of the given op(s) in flight at the same moment (per conversation when given). */
  maxConcurrency(op: PolyOp = 'respondDebugChat', conversationId?: string): number {
    const rs = this.requests.filter(
      (r) => r.op === op && (conversationId === undefined || r.conversationId === conversationId),
    );
    const edges: Array<[number, number]> = [];
    for (const r of rs) {
      edges.push([r.at, 1]);
      edges.push([r.finishedAt ?? Number.POSITIVE_INFINITY, -1]);
    }
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let max = 0;
    for (const [, d] of edges) {
      cur += d;
      max = Math.max(max, cur);
    }
    return max;
  }

  session(conversationId: string): DebugChatSession | undefined {
    return this.sessions.get(conversationId);
  }

  annotationsFor(conversationId: string): AnnotationItem[] {
    return this.annotations.get(conversationId) ?? [];
  }

  /** Total size of the WAV file served for this conversation's recording. */
  audioLength(conversationId: string): number {
    const spec = this.recordings.get(conversationId);
    if (!spec) throw new Error(`no recording for ${conversationId}`);
    return WAV_HEADER_BYTES + spec.bytes;
  }

  /** sha256 (hex) of the exact bytes the audio route serves; computed streaming. */
  async expectedAudioSha256(
    conversationId: string,
    direction: AudioDirection = 'combined',
    redacted = false,
  ): Promise<string> {
    const spec = this.recordings.get(conversationId);
    if (!spec) throw new Error(`no recording for ${conversationId}`);
    const hash = createHash('sha256');
    let i = 0;
    for (const chunk of wavChunks(conversationId, spec, direction, redacted)) {
      hash.update(chunk);
      if (++i % 64 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    return hash.digest('hex');
  }

  // -------------------------------------------------------------- serving

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const route = matchRoute(method, url.pathname);
    const headers = headerRecord(req.headers);
    const raw = (await readBody(req)).toString('utf8');
    let body: unknown;
    let bodyIsJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
        bodyIsJson = true;
      } catch {
        body = raw;
      }
    }
    const correlationId = headers['x-polyai-correlation-id'] || `corr-${randomUUID()}`;
    const record: PolyRequest = {
      op: route.op,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      rawBody: raw,
      at,
      agentId: route.agentId,
      conversationId: route.conversationId,
      correlationId,
    };
    this.requests.push(record);
    const finish = () => {
      if (record.finishedAt === undefined) {
        record.finishedAt = performance.now();
        // A request cut off unanswered (a hang) has no status.
        if (res.headersSent) record.status = res.statusCode;
      }
    };
    res.on('finish', finish);
    res.on('close', finish);
    res.setHeader('X-PolyAI-Correlation-Id', correlationId);

    if (headers['x-api-key'] !== this.apiKey) {
      this.sendError(res, 401, 'AUTH_USER_INVALID_TOKEN', 'Invalid or missing API key', correlationId);
      return;
    }
    if ((route.op === 'createDebugChat' || route.op === 'respondDebugChat') && this.latencyMs > 0) {
      await sleep(this.latencyMs);
    }
    const fault = this.takeFault(route.op);
    if (fault?.kind === 'hang') return; // never answered; close() cuts it
    if (fault?.kind === 'ratelimit') {
      const secs = String(fault.retryAfterSeconds ?? 1);
      this.sendError(res, 429, 'RATE_LIMITED', 'Too many requests', correlationId, { 'Retry-After': secs });
      return;
    }
    if (fault?.kind === 'fail' && fault.spec) {
      const s = fault.spec;
      this.sendError(res, s.status, s.error_code, s.message ?? s.error_code, correlationId, s.headers);
      return;
    }

    try {
      if (route.op === 'unknown') throw new HttpError(404, 'NOT_FOUND', `No route for ${method} ${url.pathname}`);
      const agentId = route.agentId ?? '';
      if (!this.knownAgents.includes(agentId)) throw new HttpError(404, 'AGENT_NOT_FOUND', 'Agent not found');
      const needsJson =
        route.op === 'createDebugChat' ||
        route.op === 'respondDebugChat' ||
        route.op === 'upsertNote' ||
        route.op === 'addAnnotations';
      if (needsJson && !bodyIsJson) throw validation('Request body must be JSON');
      const cid = route.conversationId ?? '';
      switch (route.op) {
        case 'createDebugChat':
          // A new session answers 201, as PolyAI does (turns answer 200).
          sendJson(res, 201, this.createDebugChat(agentId, body));
          return;
        case 'respondDebugChat': {
          const out = await this.respondDebugChat(agentId, cid, body, headers);
          if ('status' in out) this.sendRaw(res, out);
          else sendJson(res, 200, out);
          return;
        }
        case 'listConversations':
          sendJson(res, 200, this.listConversations(agentId, url.searchParams));
          return;
        case 'getConversation':
          sendJson(res, 200, this.requireDetail(agentId, cid));
          return;
        case 'upsertNote':
          this.requireDetail(agentId, cid);
          if (!isRecord(body) || typeof body.note !== 'string') throw validation('note: a string is required');
          this.notes.set(cid, body.note);
          sendJson(res, 201, { success: true });
          return;
        case 'addAnnotations': {
          this.requireDetail(agentId, cid);
          const items = parseAnnotations(body);
          this.annotations.set(cid, [...this.annotationsFor(cid), ...items]);
          sendJson(res, 201, { success: true });
          return;
        }
        case 'getAudio':
          await this.serveAudio(res, agentId, cid, url.searchParams);
          return;
      }
    } catch (err) {
      if (err instanceof HttpError) {
        this.sendError(res, err.status, err.code, err.message, correlationId);
        return;
      }
      throw err;
    }
  }

  private takeFault(op: PolyOp): Fault | undefined {
    const idx = this.faults.findIndex((f) => f.remaining > 0 && (!f.ops || f.ops.includes(op)));
    if (idx < 0) return undefined;
    const fault = this.faults[idx] as Fault;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(idx, 1);
    return fault;
  }

  private createDebugChat(agentId: string, body: unknown): DebugChatResponse {
    if (!isRecord(body)) throw validation('Body must be an object');
    const clientEnv = requireClientEnv(body);
    for (const key of ['asrLangCode', 'ttsLangCode', 'conversationId', 'variantId', 'channel'] as const) {
      if (body[key] !== undefined && typeof body[key] !== 'string') throw validation(`${key}: must be a string`);
    }
    if (body.integrationAttributes !== undefined && !isRecord(body.integrationAttributes)) {
      throw validation('integrationAttributes: must be an object');
    }
    const conversationId =
      typeof body.conversationId === 'string' && body.conversationId !== ''
        ? body.conversationId
        : `AS_CHAT_${randomUUID()}`;
    const session: DebugChatSession = {
      agentId,
      conversationId,
      clientEnv,
      asrLangCode: optString(body.asrLangCode),
      ttsLangCode: optString(body.ttsLangCode),
      variantId: optString(body.variantId),
      channel: optString(body.channel),
      integrationAttributes: isRecord(body.integrationAttributes) ? body.integrationAttributes : undefined,
      createBody: body,
      greeting: this.greeting,
      createdAt: new Date().toISOString(),
      turns: [],
      userTurns: 0,
      ended: false,
    };
    const limit = this.endAfterTurns.get(conversationId) ?? this.endAfterTurns.get('*');
    if (limit !== undefined && limit <= 0) session.ended = true;
    this.sessions.set(conversationId, session);
    return {
      conversationId,
      userInput: '',
      response: this.greeting,
      metadata: defaultMetadata(session, 0, 'Greeting'),
      conversationEnded: session.ended,
      delayedResponse: false,
    };
  }

  private async respondDebugChat(
    agentId: string,
    conversationId: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<DebugChatResponse | RawReply> {
    const session = this.sessions.get(conversationId);
    if (!session || session.agentId !== agentId) {
      if (this.unknownConversationStatus === 410) {
        throw new HttpError(410, 'CHAT_CONVERSATION_ENDED', 'Conversation not found or already ended');
      }
      throw new HttpError(404, 'CONVERSATIONS_NOT_FOUND', `Conversation ${conversationId} not found`);
    }
    if (!isRecord(body)) throw validation('Body must be an object');
    requireClientEnv(body);
    if (body.message !== undefined && typeof body.message !== 'string') throw validation('message: must be a string');
    if (body.metadata !== undefined && !isRecord(body.metadata)) throw validation('metadata: must be an object');
    if (session.ended) throw new HttpError(410, 'CHAT_CONVERSATION_ENDED', 'The conversation has ended');
    const message = typeof body.message === 'string' ? body.message : '';
    const turnIndex = session.userTurns;

    // Collecting a pending delayed reply.
    const pending = this.pendingParts.get(conversationId);
    if (message === '' && pending && pending.length > 0) {
      const part = pending.shift() as string;
      if (pending.length === 0) this.pendingParts.delete(conversationId);
      return this.finishTurn(session, message, false, {
        conversationId,
        userInput: '',
        response: part,
        metadata: defaultMetadata(session, turnIndex + 1, 'DelayedResponse'),
        conversationEnded: false,
        delayedResponse: pending.length > 0,
      });
    }

    const scripted = this.responder
      ? await this.responder({ agentId, conversationId, message, body, turnIndex, headers, session })
      : undefined;
    if (scripted && 'status' in scripted) return scripted;
    const reply: DebugChatResponse = {
      conversationId,
      userInput: scripted?.userInput ?? message,
      response: scripted?.response ?? `You said: ${message}`,
      metadata: scripted?.metadata ?? defaultMetadata(session, turnIndex + 1, 'Answer'),
      conversationEnded: scripted?.conversationEnded ?? false,
      delayedResponse: scripted?.delayedResponse ?? false,
    };
    const parts = this.delayed.get(conversationId) ?? this.delayed.get('*');
    if (parts) {
      this.delayed.delete(this.delayed.has(conversationId) ? conversationId : '*');
      if (parts.length > 0) {
        this.pendingParts.set(conversationId, [...parts]);
        reply.delayedResponse = true;
      }
    }
    return this.finishTurn(session, message, true, reply);
  }

  private finishTurn(
    session: DebugChatSession,
    message: string,
    userTurn: boolean,
    reply: DebugChatResponse,
  ): DebugChatResponse {
    session.turns.push({ message, response: reply.response, at: new Date().toISOString() });
    if (userTurn) session.userTurns += 1;
    const limit = this.endAfterTurns.get(session.conversationId) ?? this.endAfterTurns.get('*');
    if (userTurn && limit !== undefined && session.userTurns >= limit) reply.conversationEnded = true;
    if (reply.conversationEnded === true) session.ended = true;
    return reply;
  }

  private listConversations(agentId: string, params: URLSearchParams): ListConversationsResponse {
    const limit = intParam(params, 'limit', 50, 1);
    const offset = intParam(params, 'offset', 0, 0);
    const all = [...(this.conversations.get(agentId)?.values() ?? [])].map((d) => this.withNote(d));
    return {
      conversations: all.slice(offset, offset + limit).map(toSummary),
      count: all.length,
      limit,
      offset,
    };
  }

  private requireDetail(agentId: string, conversationId: string): ConversationDetail {
    const added = this.conversations.get(agentId)?.get(conversationId);
    if (added) return this.withNote(added);
    const session = this.sessions.get(conversationId);
    if (session && session.agentId === agentId) return this.withNote(sessionDetail(session));
    throw new HttpError(404, 'CONVERSATIONS_NOT_FOUND', `Conversation ${conversationId} not found`);
  }

  private withNote(detail: ConversationDetail): ConversationDetail {
    const note = this.notes.get(detail.conversationId);
    return note === undefined ? detail : { ...detail, note };
  }

  private async serveAudio(
    res: ServerResponse,
    agentId: string,
    conversationId: string,
    params: URLSearchParams,
  ): Promise<void> {
    this.requireDetail(agentId, conversationId);
    const direction = params.get('direction') ?? 'combined';
    if (!AUDIO_DIRECTIONS.includes(direction)) throw validation('direction: must be combined, user or agent');
    const redactedRaw = (params.get('redacted') ?? 'false').toLowerCase();
    if (redactedRaw !== 'true' && redactedRaw !== 'false') throw validation('redacted: must be true or false');
    const spec = this.recordings.get(conversationId);
    if (!spec) throw new HttpError(404, 'CONVERSATIONS_RECORDING_NOT_FOUND', 'Recording not found');
    const headers: Record<string, string> = { 'Content-Type': 'audio/wav' };
    if (!spec.chunked) headers['Content-Length'] = String(WAV_HEADER_BYTES + spec.bytes);
    res.writeHead(200, headers);
    let chunks: Iterable<Buffer> = wavChunks(conversationId, spec, direction as AudioDirection, redactedRaw === 'true');
    if (spec.abortAfterBytes !== undefined) chunks = truncate(chunks, spec.abortAfterBytes);
    for (const chunk of chunks) {
      if (res.destroyed) return; // client went away
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    // A truncated recording is cut without the final chunk, so the client sees an error, not a short file.
    if (spec.abortAfterBytes !== undefined) res.destroy();
    else res.end();
  }

  private sendError(
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    correlationId: string,
    headers: Record<string, string> = {},
  ): void {
    const envelope: PolyErrorEnvelope = errorEnvelope(code, message, correlationId);
    sendJson(res, status, envelope, headers);
  }

  private sendRaw(res: ServerResponse, reply: RawReply): void {
    if (reply.body === undefined || typeof reply.body === 'string') {
      const text = reply.body ?? '';
      res.writeHead(reply.status, { 'Content-Type': 'text/plain', ...reply.headers });
      res.end(text);
      return;
    }
    sendJson(res, reply.status, reply.body, reply.headers);
  }
}

export async function startFakePolyAI(opts: FakePolyAIOptions = {}): Promise<FakePolyAI> {
  return new FakePolyAI(opts).start();
}

// ----------------------------------------------------------------- helpers

function opList(op: PolyOp | PolyOp[] | undefined): PolyOp[] | undefined {
  if (op === undefined) return undefined;
  return Array.isArray(op) ? op : [op];
}

function validation(message: string): HttpError {
  return new HttpError(400, 'CONVERSATIONS_VALIDATION_FAILED', message);
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function requireClientEnv(body: Record<string, unknown>): ClientEnv {
  const env = body.clientEnv;
  if (typeof env !== 'string' || !(CLIENT_ENVS as readonly string[]).includes(env)) {
    throw validation('clientEnv: required, one of sandbox, pre-release, live');
  }
  return env as ClientEnv;
}

function intParam(params: URLSearchParams, name: string, dflt: number, min: number): number {
  const raw = params.get(name);
  if (raw === null) return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw validation(`${name}: must be an integer >= ${min}`);
  return Number(raw);
}

function matchRoute(method: string, path: string): Route {
  const m = /^\/v1\/agents\/([^/]+)\/(debug-chat|conversations)(?:\/([^/]+))?(?:\/(note|annotation|audio))?\/?$/.exec(
    path,
  );
  if (!m) return { op: 'unknown' };
  const agentId = decodeURIComponent(m[1] as string);
  const kind = m[2];
  const conversationId = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
  const sub = m[4];
  let op: PolyOp = 'unknown';
  if (kind === 'debug-chat' && !sub && method === 'POST') op = conversationId ? 'respondDebugChat' : 'createDebugChat';
  else if (kind === 'conversations') {
    if (!conversationId && method === 'GET') op = 'listConversations';
    else if (conversationId && !sub && method === 'GET') op = 'getConversation';
    else if (conversationId && sub === 'note' && method === 'POST') op = 'upsertNote';
    else if (conversationId && sub === 'annotation' && method === 'POST') op = 'addAnnotations';
    else if (conversationId && sub === 'audio' && method === 'GET') op = 'getAudio';
  }
  return { op, agentId, conversationId };
}

function parseAnnotations(body: unknown): AnnotationItem[] {
  if (!isRecord(body) || !Array.isArray(body.annotations) || body.annotations.length === 0) {
    throw validation('annotations: a non-empty array is required');
  }
  return body.annotations.map((item: unknown, i: number): AnnotationItem => {
    if (!isRecord(item)) throw validation(`annotations[${i}]: must be an object`);
    const { turnId, role, annotationType } = item;
    if (typeof turnId !== 'number' || !Number.isInteger(turnId) || turnId < 0) {
      throw validation(`annotations[${i}].turnId: must be an integer >= 0`);
    }
    if (typeof role !== 'string' || !ANNOTATION_ROLES.includes(role)) {
      throw validation(`annotations[${i}].role: must be user or agent`);
    }
    if (typeof annotationType !== 'string' || !ANNOTATION_TYPES.includes(annotationType)) {
      throw validation(`annotations[${i}].annotationType: must be missing_topic, wrong_transcript or wrong_info`);
    }
    return { turnId, role: role as AnnotationRole, annotationType: annotationType as AnnotationType };
  });
}

function defaultMetadata(session: DebugChatSession, turn: number, node: string): Record<string, unknown> {
  return {
    currentNode: node,
    // Live responses often cite no topic this way; retrievedTopics carries the names.
    citedTopic: '',
    nodeTrace: turn === 0 ? ['Start', node] : ['Start', 'Router', node],
    functionEvents: [],
    state: { turn },
    asrLangCode: session.asrLangCode ?? 'en-US',
    ttsLangCode: session.ttsLangCode ?? 'en-US',
  };
}

function toSummary(detail: ConversationDetail): ConversationSummary {
  const { turns: _turns, metrics: _metrics, functionEvents: _fe, ...summary } = detail;
  return summary;
}

function sessionDetail(s: DebugChatSession): ConversationDetail {
  const turns: ConversationTurn[] = [
    {
      user_input: '',
      agent_response: s.greeting,
      user_input_datetime: s.createdAt,
      agent_response_datetime: s.createdAt,
      latency: 0,
    },
    ...s.turns.map((t) => ({
      user_input: t.message,
      agent_response: t.response,
      user_input_datetime: t.at,
      agent_response_datetime: t.at,
      latency: 0,
    })),
  ];
  return {
    conversationId: s.conversationId,
    accountId: 'acct-test',
    projectId: s.agentId,
    startedAt: s.createdAt,
    finishedAt: s.ended ? new Date().toISOString() : null,
    inProgress: !s.ended,
    channel: s.channel ?? 'chat.polyai',
    clientEnv: s.clientEnv,
    language: s.asrLangCode ?? 'en-US',
    variantId: s.variantId ?? null,
    direction: 'inbound',
    tags: [],
    note: null,
    turns,
  };
}

let conversationCounter = 0;

/** A realistic ConversationDetail of a finished voice call; `turnCount` (default 3) sets the transcript length. */
export function makeConversation(
  overrides: Partial<ConversationDetail> & { turnCount?: number } = {},
): ConversationDetail {
  const n = ++conversationCounter;
  const { turnCount = 3, ...rest } = overrides;
  const start = Date.parse(rest.startedAt ?? '2025-01-15T10:00:00.000Z');
  const turns: ConversationTurn[] = [];
  const script: Array<[string, string]> = [
    ['', 'Thanks for calling Acme Dental, how can I help you today?'],
    ['I need to move my appointment', 'Sure, I can help with that. What is your date of birth?'],
    [
      'The fourth of May nineteen ninety',
      'Thanks. Your appointment is on Tuesday at 3pm. When would you like it instead?',
    ],
    ['Thursday morning please', 'I have moved it to Thursday at 9am. Anything else?'],
    ['No that is all', 'Great, have a lovely day. Goodbye!'],
  ];
  for (let i = 0; i < turnCount; i++) {
    const [user, agent] = script[i % script.length] as [string, string];
    const t = start + i * 8000;
    turns.push({
      user_input: i === 0 ? '' : user,
      agent_response: agent,
      user_input_datetime: new Date(t).toISOString(),
      agent_response_datetime: new Date(t + 1200).toISOString(),
      latency: 1200,
      intents: [],
      entities: [],
      turn_id: 9_000_000 + n * 100 + i,
    });
  }
  const duration = Math.max(1, Math.round((turnCount * 8000) / 1000));
  return {
    conversationId: `CA${n.toString(16).padStart(8, '0')}e2f94c1b7a3d`,
    accountId: 'acct-test',
    projectId: 'agent-1',
    createdAt: new Date(start).toISOString(),
    startedAt: new Date(start).toISOString(),
    finishedAt: new Date(start + duration * 1000).toISOString(),
    channel: 'VOICE-SIP',
    direction: 'inbound',
    fromNumber: '+15550100123',
    toNumber: '+15550100999',
    language: 'en-US',
    clientEnv: 'live',
    variantId: 'variant-main',
    totalDuration: duration,
    polyaiDuration: duration,
    duration,
    inProgress: false,
    handoff: false,
    handoffDestination: null,
    handoffReason: null,
    tags: ['reschedule'],
    polyScore: 0.82,
    shortSummary: {
      heading: 'Appointment moved',
      content: 'Caller moved their appointment from Tuesday 3pm to Thursday 9am.',
    },
    deploymentId: 'dep-1',
    note: null,
    metrics: { turns: turnCount },
    functionEvents: {},
    turns,
    ...rest,
  };
}

// ------------------------------------------------------------------- audio

function wavHeader(dataBytes: number): Buffer {
  const sampleRate = 8000;
  const channels = 1;
  const bits = 16;
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE((sampleRate * channels * bits) / 8, 28);
  h.writeUInt16LE((channels * bits) / 8, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** The WAV file as 64 KiB chunks: header then AES-CTR keystream seeded per variant. Never holds the whole file. */
function* wavChunks(
  conversationId: string,
  spec: RecordingSpec,
  direction: AudioDirection,
  redacted: boolean,
): Generator<Buffer> {
  yield wavHeader(spec.bytes);
  const key = createHash('sha256')
    .update(`${spec.seed ?? conversationId}|${direction}|${redacted ? 'redacted' : 'raw'}`)
    .digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(AUDIO_CHUNK);
  let remaining = spec.bytes;
  while (remaining > 0) {
    const n = Math.min(AUDIO_CHUNK, remaining);
    yield cipher.update(n === AUDIO_CHUNK ? zeros : zeros.subarray(0, n));
    remaining -= n;
  }
}

function* truncate(chunks: Iterable<Buffer>, limit: number): Generator<Buffer> {
  let sent = 0;
  for (const chunk of chunks) {
    if (sent >= limit) return;
    const piece = chunk.subarray(0, limit - sent);
    sent += piece.length;
    yield piece;
  }
}
