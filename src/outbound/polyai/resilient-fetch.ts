import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../../platform/logger.js';
import { PolyAIError, retryAfterSeconds } from './errors.js';
import { send, TimeoutError, type WireRequest } from './http-transport.js';

export const CORRELATION_HEADER = 'X-PolyAI-Correlation-Id';

export interface RetryPolicy {
  /** Attempts for a 429 answer, on any request. */
  rateLimitedAttempts: number;
  /** Attempts for 5xx and network errors, on requests that are safe to repeat. */
  transientAttempts: number;
  /** The longest `Retry-After` the app will sit out; longer ones are reported instead. */
  maxRetryAfterSeconds: number;
  minBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  rateLimitedAttempts: 3,
  transientAttempts: 3,
  maxRetryAfterSeconds: 20,
  minBackoffMs: 250,
};

/**
 * Repeating these has the same effect as sending them once. A debug-chat turn,
 * a new session and an annotation are not among them: a retry would say things twice.
 */
export function isSafeToRepeat(request: Request): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  return request.method === 'POST' && new URL(request.url).pathname.endsWith('/note');
}

/** Carries a response that may be retried through p-retry, so the last one can still be returned. */
class RetryableResponse extends Error {
  constructor(
    readonly response: Response,
    readonly waitSeconds: number | undefined,
  ) {
    super(`PolyAI answered ${response.status}`);
  }
}

/**
 * The fetch that the openapi-fetch client uses: a correlation ID on every request (the
 * caller's, else a new one), a timeout on every attempt (headers must arrive within it; a body
 * such as a recording may then stream for longer), the retry policy of spec §6, and one log
 * line a request. Requests go over `send` (node:http with kept-alive connections).
 */
export function resilientFetch(
  timeoutMs: number,
  logger: Logger,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const headers = Object.fromEntries(request.headers);
    const correlationId = headers[CORRELATION_HEADER.toLowerCase()] ?? randomUUID();
    headers[CORRELATION_HEADER.toLowerCase()] = correlationId;
    const wire: WireRequest = {
      method: request.method,
      url: request.url,
      headers,
      // Text, not `body`: a PlainRequest answers it without making a stream.
      body: (await request.text()) || undefined,
    };
    const safe = isSafeToRepeat(request);
    const path = new URL(request.url).pathname;
    const streamed = path.endsWith('/audio');
    const started = performance.now();
    const attempts = Math.max(policy.rateLimitedAttempts, safe ? policy.transientAttempts : 1);

    const attempt = async (n: number): Promise<Response> => {
      let response: Response;
      try {
        // JSON answers are read inside the timeout too, so a stalled body cannot hold a thread up;
        // a recording streams on for as long as it takes.
        response = await send(wire, timeoutMs, streamed);
      } catch (cause) {
        const error =
          cause instanceof TimeoutError
            ? new PolyAIError(
                'timeout',
                `PolyAI did not answer within ${timeoutMs / 1000} s`,
                undefined,
                undefined,
                correlationId,
              )
            : new PolyAIError(
                'network',
                `PolyAI could not be reached (${(cause as Error).message})`,
                undefined,
                undefined,
                correlationId,
              );
        throw safe && n < policy.transientAttempts ? error : new AbortError(error);
      }
      if (response.status === 429 && n < policy.rateLimitedAttempts) {
        const wait = retryAfterSeconds(response) ?? 1;
        if (wait <= policy.maxRetryAfterSeconds) throw new RetryableResponse(response, wait);
      }
      if (response.status >= 500 && safe && n < policy.transientAttempts)
        throw new RetryableResponse(response, undefined);
      return response;
    };

    let outcome: Response | PolyAIError;
    try {
      outcome = await pRetry(attempt, {
        retries: attempts - 1,
        minTimeout: policy.minBackoffMs,
        factor: 2,
        randomize: true,
        onFailedAttempt: async (error) => {
          logger.warn(
            { polyai: { path, correlationId, attempt: error.attemptNumber, error: error.message } },
            'polyai request retried',
          );
          if (error instanceof RetryableResponse) {
            await error.response.body?.cancel();
            if (error.waitSeconds !== undefined) await sleep(error.waitSeconds * 1000);
          }
        },
      });
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      outcome = error;
    }
    const ms = Math.round(performance.now() - started);
    const status = outcome instanceof PolyAIError ? outcome.kind : outcome.status;
    logger.info({ polyai: { method: request.method, path, status, ms, correlationId } }, 'polyai request');
    if (outcome instanceof PolyAIError) throw outcome;
    return outcome;
  };
}
