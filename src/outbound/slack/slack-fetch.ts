import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FetchFunction } from '@slack/web-api';
import type { Logger } from '../../platform/logger.js';
import type { Metrics } from '../../platform/metrics.js';
import { redactor, secretForms } from '../../platform/secrets.js';
import { retryAfterSeconds } from '../polyai/errors.js';
import { countSlackCall, slackMethodOf } from './slack-metrics.js';

type FetchRequestInit = NonNullable<Parameters<FetchFunction>[1]>;
type FetchResponse = Awaited<ReturnType<FetchFunction>>;

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * One Web API call over `node:http` with kept-alive connections: a turn makes two to four Slack
 * calls, and measured on Node 20 this takes a quarter of the CPU that `fetch` does for the same
 * call. Bodies other than text (multipart uploads) go through `fetch`.
 */
async function send(url: string, init: FetchRequestInit): Promise<FetchResponse> {
  if (init.body !== undefined && typeof init.body !== 'string') return fetch(url, init);
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(target, {
      method: init.method ?? 'GET',
      headers: init.headers,
      agent: secure ? agents.https : agents.http,
      ...(init.signal !== undefined && { signal: init.signal }),
    });
    request.once('response', resolve);
    request.once('error', reject);
    request.end(init.body);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const status = response.statusCode ?? 0;
  let parsed: { value: unknown } | undefined;
  const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);
  const headers = {
    get: (name: string) => header(response.headers[name.toLowerCase()]) ?? null,
    entries: () =>
      Object.entries(response.headers).map(([name, value]): [string, string] => [name, header(value) ?? '']),
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: response.statusMessage ?? '',
    url,
    headers,
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    // Parsed once: the delivery checks, the metrics and the Web API client all read the answer.
    json: async () => {
      parsed ??= { value: JSON.parse(body.toString('utf8')) as unknown };
      return parsed.value;
    },
    text: async () => body.toString('utf8'),
  };
}

/** Errors that say Slack did not act on the call: sending it again cannot duplicate anything. */
const REFUSALS = new Set(['ratelimited', 'service_unavailable', 'request_timeout']);
/** Errors after which Slack may or may not have acted ("some aspect of the operation succeeded"). */
const UNKNOWN_OUTCOME = new Set(['internal_error', 'fatal_error']);
/**
 * Calls that add something each time they succeed. After an unknown outcome they are sent
 * once more at most, so a message shows at most twice; everything else is safe to repeat.
 * Response URLs (no method name) are posts of this kind too.
 */
const ADDS_SOMETHING = new Set([
  'chat.postMessage',
  'chat.postEphemeral',
  'chat.meMessage',
  'chat.scheduleMessage',
  'files.completeUploadExternal',
]);

export interface DeliveryOptions {
  /** How long one call may keep being retried (Retry-After waits included). */
  deadlineMs?: number;
  /** First pause after a transient error; it doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

const DEFAULTS: Required<DeliveryOptions> = { deadlineMs: 5 * 60_000, minBackoffMs: 500, maxBackoffMs: 30_000 };

/** Why an answer (or a failure to get one) is worth sending again, and how long to wait first. */
type Transient = { outcome: 'refused' | 'unknown'; waitMs?: number; why: string };

async function transientAnswer(response: FetchResponse, readBody: boolean): Promise<Transient | undefined> {
  if (response.status === 429) {
    const after = retryAfterSeconds(response) ?? 1;
    return { outcome: 'refused', waitMs: after * 1000, why: '429' };
  }
  if (response.status === 503) return { outcome: 'refused', why: '503' };
  if (response.status >= 500) return { outcome: 'unknown', why: String(response.status) };
  if (!readBody || response.status !== 200) return undefined;
  let error: unknown;
  try {
    error = ((await response.json()) as { ok?: unknown; error?: unknown } | null)?.error;
  } catch {
    return undefined;
  }
  if (typeof error !== 'string') return undefined;
  if (REFUSALS.has(error)) return { outcome: 'refused', why: error };
  if (UNKNOWN_OUTCOME.has(error)) return { outcome: 'unknown', why: error };
  return undefined;
}

/** A connection that was never made carried nothing; any other network failure may have. */
function transientFailure(error: unknown): Transient {
  const code =
    (error as NodeJS.ErrnoException).code ?? ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  const refused = code !== undefined && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code);
  return { outcome: refused ? 'refused' : 'unknown', why: code ?? String(error) };
}

/** A request header's value, whatever the case of its name. */
function headerOf(headers: FetchRequestInit['headers'], name: string): string {
  if (headers === undefined) return '';
  if (headers instanceof Headers) return headers.get(name) ?? '';
  const entries = Array.isArray(headers) ? headers : Object.entries(headers);
  const found = entries.find(([key]) => key.toLowerCase() === name);
  return found === undefined ? '' : String(found[1]);
}

/**
 * Every string the request carries, with the secrets taken out; file bytes are left as they
 * are. A form is decoded whole first: when no secret shows in it (nearly always), it is sent as
 * it was, without being taken apart and put together again.
 */
function redactBody(
  init: FetchRequestInit,
  redact: (text: string) => string,
  mentionsSecret: (text: string) => boolean,
): FetchRequestInit['body'] {
  const { body } = init;
  if (typeof body === 'string') {
    if (!headerOf(init.headers, 'content-type').includes('application/x-www-form-urlencoded')) return redact(body);
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(body.replace(/\+/g, ' '));
    } catch {
      // A malformed escape: look at each value instead.
    }
    if (decoded !== undefined && !mentionsSecret(decoded)) return body;
    const form = parseQuery(body);
    for (const [key, value] of Object.entries(form)) {
      form[key] = Array.isArray(value) ? value.map(redact) : value === undefined ? value : redact(value);
    }
    return stringifyQuery(form);
  }
  if (body instanceof FormData) {
    const form = new FormData();
    for (const [key, value] of body.entries()) {
      if (typeof value === 'string') form.append(key, redact(value));
      else form.append(key, value, value.name);
    }
    return form;
  }
  return body;
}

/**
 * The fetch of the Slack Web API client and of `respond()`, so every payload polychat sends
 * to Slack passes here: this is the one place where configured secrets are replaced by
 * `[redacted]` (spec §6), whatever flow built the message.
 *
 * It is also where delivery is made reliable (spec §6): a 429 is waited out as `Retry-After`
 * says, transient errors (5xx, `internal_error`, `fatal_error`, `service_unavailable`,
 * `request_timeout`, a dropped connection) are retried with doubling pauses, all within one
 * generous deadline. Only the limited call waits: the client's own 429 handling would pause
 * its whole request queue and stall every other channel, so the client is used with
 * `rejectRateLimitedCalls` and no retries of its own.
 */
export function slackFetch(
  logger: Logger,
  metrics: Metrics,
  secrets: readonly string[],
  options: DeliveryOptions = {},
): FetchFunction {
  const { deadlineMs, minBackoffMs, maxBackoffMs } = { ...DEFAULTS, ...options };
  const redact = redactor(secrets);
  const forms = secretForms(secrets);
  const mentionsSecret = (text: string) => forms.some((form) => text.includes(form));
  return async (url, init = {}) => {
    const target = new URL(String(url));
    const method = target.pathname.split('/').pop() ?? '';
    const once = ADDS_SOMETHING.has(method) || !method.includes('.');
    const counted = slackMethodOf(target.href);
    const request = { ...init, body: redactBody(init, redact, mentionsSecret) };
    const deadline = Date.now() + deadlineMs;
    let unknownOutcomes = 0;
    for (let attempt = 1; ; attempt++) {
      let response: FetchResponse | undefined;
      let failure: unknown;
      let transient: Transient | undefined;
      try {
        response = await send(target.href, request);
        await countSlackCall(metrics, counted, response);
        transient = await transientAnswer(response, typeof request.body === 'string');
      } catch (error) {
        if (response === undefined) metrics.slackCalls.inc({ method: counted, result: 'network_error' });
        if (init.signal?.aborted) throw error;
        failure = error;
        transient = transientFailure(error);
      }
      const waitMs = transient?.waitMs ?? Math.min(maxBackoffMs, minBackoffMs * 2 ** (attempt - 1));
      const giveUp =
        transient === undefined ||
        (transient.outcome === 'unknown' && once && unknownOutcomes >= 1) ||
        Date.now() + waitMs > deadline;
      if (giveUp) {
        if (response !== undefined) return response;
        throw failure;
      }
      if (transient?.outcome === 'unknown') unknownOutcomes += 1;
      logger.warn(
        { slack: { method: method.includes('.') ? method : 'response_url', why: transient?.why, waitMs, attempt } },
        'slack call retried',
      );
      if (transient?.why === '429') metrics.slackRetryAfterSeconds.inc({ method: counted }, waitMs / 1000);
      await sleep(waitMs);
    }
  };
}
