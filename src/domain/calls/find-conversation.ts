import { type ConversationRef, parseConversationRef, UsageError } from '../../presentation/commands.js';

/** Words that shape like PolyAI conversation IDs on their own: Twilio call SIDs and UUIDs. */
const BARE_ID = /\b(CA[0-9a-f]{16,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;
/** "conversation X", "conversation ID: X", "call `X`", as people (and polychat's own messages) write them. */
const AFTER_KEYWORD = /\b(?:conversation|call)(?:\s+id)?\s*[:=]?[\s*_]*`?([A-Za-z0-9][A-Za-z0-9_.:-]{2,127})`?/gi;
const WHOLE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{2,127}$/;
const LINK = /<(https?:\/\/[^>|]+)(?:\|[^>]*)?>|(https?:\/\/\S+)/g;

function linkRef(url: string): ConversationRef | undefined {
  try {
    return parseConversationRef(url, '');
  } catch (error) {
    if (error instanceof UsageError) return undefined;
    throw error;
  }
}

/**
 * The conversation a Slack message names, if any: an Agent Studio link first, then an ID
 * after the word "conversation" or "call", then a bare call SID or UUID, then a message that is
 * only an ID. Candidates after a
 * keyword must contain a digit, so ordinary words ("call about billing") are not taken for IDs.
 */
export function findConversationRef(text: string): ConversationRef | undefined {
  for (const match of text.matchAll(LINK)) {
    const ref = linkRef(match[1] ?? match[2] ?? '');
    if (ref !== undefined) return ref;
  }
  for (const match of text.matchAll(AFTER_KEYWORD)) {
    const candidate = match[1]?.replace(/[.:]+$/, '');
    if (candidate !== undefined && /\d/.test(candidate)) return { conversationId: candidate };
  }
  const bare = BARE_ID.exec(text)?.[1];
  if (bare !== undefined) return { conversationId: bare };
  // A message that is nothing but an ID-shaped word (with a digit): someone pasted a conversation ID.
  const whole = text.trim().replace(/^`(.*)`$/, '$1');
  return WHOLE_ID.test(whole) && /\d/.test(whole) ? { conversationId: whole } : undefined;
}
