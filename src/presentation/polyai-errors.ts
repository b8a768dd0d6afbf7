import type { PolyAIError } from '../outbound/polyai/errors.js';
import type { SlackMessage } from '../outbound/slack/poster.js';
import { code, escapeText } from './text.js';

/** What happened and what to do, in words a Slack user can act on. */
function explain(error: PolyAIError): string {
  if (error.kind === 'timeout')
    return `${error.message}. Try again in a moment; if it keeps happening, the agent may be stuck.`;
  if (error.kind === 'network') return `${error.message}. Try again in a moment.`;
  const status = error.status ?? 0;
  if (error.conversationEnded)
    return 'This conversation has ended on the PolyAI side. Start a new one with `/polychat`.';
  if (status === 401) return 'PolyAI refused the API key. An admin should check `POLYAI_API_KEY` and `POLYAI_REGION`.';
  if (status === 403) return 'The API key may not do this for this agent. An admin should check its permissions.';
  if (status === 404)
    return `PolyAI could not find that: ${escapeText(error.message)}. Check the agent and conversation IDs.`;
  if (status === 429) return 'PolyAI is rate limiting requests. Wait a minute, then try again.';
  if (status === 400) return `PolyAI rejected the request: ${escapeText(error.message)}.`;
  if (status >= 500) return `PolyAI had a problem (${status}): ${escapeText(error.message)}. Try again in a moment.`;
  return `PolyAI answered ${status}: ${escapeText(error.message)}.`;
}

/** The reference support asks for: PolyAI's error code and correlation ID. */
export function errorReference(error: PolyAIError): string {
  const parts = [
    error.code !== undefined ? `code ${code(error.code)}` : undefined,
    error.correlationId ? `correlation ID ${code(error.correlationId)}` : undefined,
  ].filter((p): p is string => p !== undefined);
  return parts.join(' · ');
}

/** One message for a failed PolyAI request; `doing` says what failed, e.g. "This turn failed". */
export function polyaiErrorMessage(error: PolyAIError, doing: string): SlackMessage {
  const reference = errorReference(error);
  const summary = `:warning: ${doing}. ${explain(error)}`;
  return {
    // The text carries the reference too: it is what notifications, search and screen readers get.
    text: polyaiErrorText(error, doing),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: summary } },
      ...(reference === ''
        ? []
        : [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: reference }] }]),
    ],
  };
}

/** The same, as one line of text (for ephemeral replies and modal errors). */
export function polyaiErrorText(error: PolyAIError, doing: string): string {
  const reference = errorReference(error);
  return `:warning: ${doing}. ${explain(error)}${reference === '' ? '' : ` (${reference})`}`;
}
