import type { FetchFunction } from '@slack/web-api';
import type { Metrics } from '../../platform/metrics.js';

type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/**
 * Error codes counted under their own name; any other code is counted as `other_error`, so a
 * label never grows with whatever Slack (or a proxy in front of it) answers.
 */
const KNOWN_ERRORS = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'account_inactive',
  'missing_scope',
  'ratelimited',
  'invalid_blocks',
  'invalid_arguments',
  'msg_too_long',
  'no_text',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'already_reacted',
  'no_reaction',
  'user_not_found',
  'user_not_in_channel',
  'expired_trigger_id',
  'view_too_large',
  'file_not_found',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** The Web API method of a call (`chat.postMessage`), or `other` for response URLs and uploads. */
export function slackMethodOf(url: string): string {
  const match = /\/api\/([a-z][a-zA-Z]*(?:\.[a-zA-Z]+)+)$/.exec(new URL(url).pathname);
  return match?.[1] ?? 'other';
}

/** How a call ended, as a bounded label: `ok`, a known error code, `other_error`, `rate_limited` or `http_NNN`. */
async function resultOf(response: FetchResponse): Promise<string> {
  if (response.status === 429) return 'rate_limited';
  if (response.status < 200 || response.status >= 300) return `http_${response.status}`;
  // A platform Response's body can be read once only, and it belongs to the Web API client.
  const own = response as FetchResponse & { clone?: () => FetchResponse };
  const readable = typeof own.clone === 'function' ? own.clone() : response;
  let error: unknown;
  try {
    const body = (await readable.json()) as { ok?: unknown; error?: unknown } | null;
    if (body?.ok !== false) return 'ok';
    error = body.error;
  } catch {
    return 'ok'; // not JSON: a response URL's plain `ok`
  }
  return typeof error === 'string' && KNOWN_ERRORS.has(error) ? error : 'other_error';
}

/** Counts one HTTP call to Slack (every attempt, 429s included) by method and result. */
export async function countSlackCall(metrics: Metrics, method: string, response: FetchResponse): Promise<void> {
  metrics.slackCalls.inc({ method, result: await resultOf(response) });
}
