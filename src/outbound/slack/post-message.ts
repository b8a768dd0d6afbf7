import { stringify } from 'node:querystring';
import {
  type ChatPostMessageArguments,
  type ChatPostMessageResponse,
  type FetchFunction,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { retryAfterSeconds } from '../polyai/errors.js';

export type PostMessage = (args: ChatPostMessageArguments) => Promise<ChatPostMessageResponse>;

/**
 * `chat.postMessage` sent straight over the transport (`slackFetch`: redaction, retries,
 * metrics) instead of through WebClient. It is the call every turn makes, and measured here
 * WebClient spends about 0.3 ms of CPU on each beyond the HTTP exchange: it redacts and
 * stringifies the arguments, headers and answer for its debug log whatever the log level, and
 * queues the call. The wire format and the errors are WebClient's own (its error classes), so
 * callers cannot tell the difference; every other method still goes through WebClient.
 */
export function postMessageCall(fetch: FetchFunction, apiUrl: string, token: string): PostMessage {
  const url = `${apiUrl}chat.postMessage`;
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' };
  return async (args) => {
    // As WebClient encodes arguments: objects (blocks, metadata) as JSON, the rest as they are.
    const form: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(args)) {
      if (value === undefined || value === null) continue;
      form[key] = typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
    }
    let response: Awaited<ReturnType<FetchFunction>>;
    try {
      response = await fetch(url, { method: 'POST', headers, body: stringify(form), redirect: 'error' });
    } catch (error) {
      throw new WebAPIRequestError(error instanceof Error ? error : new Error(String(error)));
    }
    if (response.status === 429) throw new WebAPIRateLimitedError(retryAfterSeconds(response) ?? 1);
    if (response.status !== 200) {
      const body = await response.text().catch(() => undefined);
      throw new WebAPIHTTPError(
        response.status,
        response.statusText,
        Object.fromEntries(response.headers.entries()),
        body,
      );
    }
    const result = (await response.json()) as ChatPostMessageResponse;
    if (result.ok !== true)
      throw new WebAPIPlatformError({ ...result, error: String(result.error ?? 'unknown_error') });
    return result;
  };
}
