import type { FetchFunction } from '@slack/web-api';
import type { Logger } from '../logger.js';
import { retryAfterSeconds } from '../polyai/errors.js';

/** Attempts of one call that Slack keeps answering 429, and the longest `Retry-After` worth waiting out. */
const ATTEMPTS = 3;
const MAX_WAIT_SECONDS = 30;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The fetch of the Slack Web API client and of `respond()`. The client's own 429 handling
 * pauses its whole request queue, so one rate-limited channel would stall the messages of
 * every other channel; here only the limited call waits out `Retry-After` and is sent again.
 * Used with `rejectRateLimitedCalls`, so a 429 that is still there after that fails only its
 * own call.
 */
export function rateLimitFetch(logger: Logger): FetchFunction {
  return async (url, init) => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(url, init);
      if (response.status !== 429 || attempt >= ATTEMPTS) return response;
      const wait = retryAfterSeconds(response) ?? 1;
      if (wait > MAX_WAIT_SECONDS) return response;
      await response.body?.cancel();
      logger.warn({ slack: { path: new URL(url).pathname, retryAfter: wait, attempt } }, 'slack rate limited');
      await sleep(wait * 1000);
    }
  };
}
