/** What went wrong with one PolyAI request, in a form every caller can show. */
export type PolyAIErrorKind = 'http' | 'timeout' | 'network';

export class PolyAIError extends Error {
  override name = 'PolyAIError';

  constructor(
    readonly kind: PolyAIErrorKind,
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly correlationId: string | undefined,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** The conversation is over upstream (410, `CHAT_CONVERSATION_ENDED` or its documented alias). */
  get conversationEnded(): boolean {
    return this.status === 410 || this.code === 'CHAT_CONVERSATION_ENDED' || this.code === 'ChatConversationEnded';
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/** Turns PolyAI's error envelope (or whatever came back instead) into one PolyAIError. */
export function errorFromResponse(response: Response, body: unknown, sentCorrelationId: string): PolyAIError {
  const code = stringField(body, 'error_code');
  const message =
    stringField(body, 'error_message') ??
    stringField(body, 'error') ??
    stringField(body, 'message') ??
    (typeof body === 'string' && body.length > 0 && body.length < 300 ? body : undefined) ??
    `${response.status} ${response.statusText}`.trim();
  const correlationId =
    stringField(body, 'error_id') ?? response.headers.get('x-polyai-correlation-id') ?? sentCorrelationId;
  return new PolyAIError('http', message, response.status, code, correlationId, retryAfterSeconds(response));
}

/** `Retry-After` in seconds, from either of its two forms; undefined when absent or unreadable. */
export function retryAfterSeconds(response: { headers: { get(name: string): string | null } }): number | undefined {
  const raw = response.headers.get('retry-after');
  if (raw === null) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}
