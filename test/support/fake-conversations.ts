/**
 * A fake PolyAI Conversations API v3 on 127.0.0.1: `GET /v3/{account}/{project}/conversations`
 * with `x-api-key` checked per project, transcript and semantic search, random samples, time
 * ranges, cursor paging, the correlation header and the error envelope (400/401/403/404/429/500).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, errorEnvelope, headerRecord, listen, sendJson } from './http-util.js';

export const TEST_ACCOUNT_ID = 'ws-test';
export const TEST_CONVERSATIONS_KEY = 'test-v3-key';

export interface V3Turn {
  user_input: string;
  agent_response: string;
  user_input_datetime?: string;
  agent_response_datetime?: string;
  latency?: number;
  [key: string]: unknown;
}

export interface V3Call {
  id: string;
  account_id: string;
  project_id: string;
  environment: string;
  started_at: string;
  channel: string;
  in_progress: boolean;
  total_duration?: number;
  handoff?: boolean;
  handoff_reason?: string | null;
  handoff_destination?: string | null;
  turns: V3Turn[];
  [key: string]: unknown;
}

export interface V3Request {
  project: string;
  /** every value of each query parameter */
  query: Record<string, string[]>;
  headers: Record<string, string>;
  status: number;
  correlationId: string;
}

interface Fault {
  remaining: number;
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

let callCounter = 0;

/** A finished live voice call that started `minutesAgo` minutes ago, with the given turns. */
export function makeV3Call(overrides: Partial<V3Call> & { minutesAgo?: number } = {}): V3Call {
  const { minutesAgo = 60, ...rest } = overrides;
  const n = ++callCounter;
  const started = Date.now() - minutesAgo * 60_000;
  return {
    id: `CV3${n.toString(16).padStart(6, '0')}a9d1`,
    account_id: TEST_ACCOUNT_ID,
    project_id: 'agent-1',
    environment: 'live',
    started_at: new Date(started).toISOString(),
    channel: 'VOICE-SIP',
    in_progress: false,
    total_duration: 95,
    handoff: false,
    handoff_reason: null,
    handoff_destination: null,
    turns: [
      { user_input: '', agent_response: 'Thanks for calling Acme Energy, how can I help?' },
      { user_input: 'I would like to check my bill', agent_response: 'Of course. What is your account number?' },
    ],
    ...rest,
  };
}

export class FakeConversations {
  url = '';
  readonly accountId = TEST_ACCOUNT_ID;
  /** key accepted for every project without its own key */
  defaultKey = TEST_CONVERSATIONS_KEY;
  /** keys of projects that have their own (v3 keys are per project) */
  readonly projectKeys = new Map<string, string>();
  readonly requests: V3Request[] = [];
  private readonly calls: V3Call[] = [];
  private readonly faults: Fault[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<this> {
    this.url = `http://127.0.0.1:${await listen(this.server)}`;
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  addCall(call: V3Call): V3Call {
    this.calls.push(call);
    return call;
  }

  /** The next `n` requests answer this error envelope (429 comes with `Retry-After: 1` unless given). */
  failNext(
    n: number,
    status: number,
    code: string,
    message = 'Scripted failure',
    headers: Record<string, string> = {},
  ) {
    this.faults.push({ remaining: n, status, code, message, headers });
  }

  /** Lets every request through again. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers = headerRecord(req.headers);
    const correlationId = headers['x-polyai-correlation-id'] ?? randomUUID();
    const query: Record<string, string[]> = {};
    for (const [k, v] of url.searchParams) {
      query[k] ??= [];
      query[k].push(v);
    }
    const match = /^\/v3\/([^/]+)\/([^/]+)\/conversations$/.exec(url.pathname);
    const record: V3Request = { project: match?.[2] ?? '', query, headers, status: 0, correlationId };
    this.requests.push(record);
    const fail = (status: number, code: string, message: string, extra: Record<string, string> = {}): undefined => {
      record.status = status;
      sendJson(res, status, errorEnvelope(code, message, correlationId), {
        'X-PolyAI-Correlation-Id': correlationId,
        ...extra,
      });
    };
    if (req.method !== 'GET' || match === null) return fail(404, 'NOT_FOUND', 'No such route');
    const [, account = '', project = ''] = match;
    const key = this.projectKeys.get(project) ?? this.defaultKey;
    if (headers['x-api-key'] === undefined) return fail(401, 'AUTH_USER_UNAUTHORISED', 'Missing API key');
    if (headers['x-api-key'] !== key) return fail(403, 'USER_ACCESS_FORBIDDEN', 'This key may not read this project');
    if (account !== this.accountId) return fail(404, 'PROJECT_NOT_FOUND', `No account ${account}`);
    const fault = this.faults.find((f) => f.remaining > 0);
    if (fault !== undefined) {
      fault.remaining--;
      const retry: Record<string, string> =
        fault.status === 429 && fault.headers['Retry-After'] === undefined ? { 'Retry-After': '1' } : {};
      return fail(fault.status, fault.code, fault.message, { ...retry, ...fault.headers });
    }
    const one = (name: string) => query[name]?.[0];
    const queryType = one('query_type');
    const text = one('query');
    const sample = one('sample');
    const bad = (message: string): undefined => fail(400, 'GET_CONVERSATIONS_FILTER_PARSE_ERROR', message);
    if (queryType !== undefined && sample !== undefined) return bad('query_type and sample exclude each other');
    if (queryType !== undefined && !['transcript', 'semantic'].includes(queryType)) return bad('bad query_type');
    if (queryType !== undefined && (text === undefined || text === '')) return bad('query_type needs query');
    if ((queryType !== undefined || sample !== undefined) && (!one('start_time') || !one('end_time')))
      return bad('start_time and end_time are required with query_type or sample');
    const from = Date.parse(one('start_time') ?? '1970-01-01T00:00:00Z');
    const to = Date.parse(one('end_time') ?? '2999-01-01T00:00:00Z');
    if (Number.isNaN(from) || Number.isNaN(to)) return bad('start_time and end_time must be ISO 8601');
    const env = one('client_env') ?? 'live';
    const side = one('turn_type');
    let found = this.calls.filter((c) => {
      const at = Date.parse(c.started_at);
      return c.project_id === project && c.environment === env && at >= from && at < to;
    });
    if (queryType === 'transcript' && text !== undefined) {
      const needle = text.toLowerCase();
      found = found.filter((c) =>
        c.turns.some((t) => turnTexts(t, side).some((s) => s.toLowerCase().includes(needle))),
      );
    } else if (queryType === 'semantic' && text !== undefined) {
      // "Meaning" here: any word of four letters or more shared with a turn.
      const words = text
        .toLowerCase()
        .split(/\W+/)
        .filter((w) => w.length >= 4);
      found = found.filter((c) =>
        c.turns.some((t) => turnTexts(t, undefined).some((s) => words.some((w) => s.toLowerCase().includes(w)))),
      );
    }
    found.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
    if (sample === 'random') found = [...found].sort(() => Math.random() - 0.5);
    const limit = Number(one('limit') ?? 1000);
    const cursor = one('cursor');
    let offset = Number(one('offset') ?? 0);
    if (cursor !== undefined) {
      const decoded = /^page:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
      if (decoded === null) return bad('malformed cursor');
      offset = Number(decoded[1]);
    }
    const page = found.slice(offset, offset + limit);
    const next = offset + page.length < found.length && sample === undefined ? offset + page.length : null;
    record.status = 200;
    sendJson(
      res,
      200,
      {
        conversations: page,
        next_offset: next,
        cursor: next === null ? null : Buffer.from(`page:${next}`).toString('base64url'),
      },
      { 'X-PolyAI-Correlation-Id': correlationId },
    );
  }
}

function turnTexts(turn: V3Turn, side: string | undefined): string[] {
  if (side === 'user') return [turn.user_input];
  if (side === 'agent') return [turn.agent_response];
  return [turn.user_input, turn.agent_response];
}

export async function startFakeConversations(): Promise<FakeConversations> {
  return new FakeConversations().start();
}
