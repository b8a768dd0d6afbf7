import type { GenericMessageEvent } from '@slack/types';

/** Subtypes that are a person writing; everything else (edits, deletions, joins, bots) is not a turn. */
const HUMAN_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

export interface ThreadReply {
  channel: string;
  threadTs: string;
  ts: string;
  user: string;
  text: string;
  hasFiles: boolean;
}

/**
 * A person's reply inside a thread, or undefined for anything that is not one: top-level
 * messages, the app's own and other bots' messages, edits, deletions, joins, and messages
 * that mention the app (those are commands, handled as app_mention).
 */
export function humanThreadReply(event: unknown, botUserId: string | undefined): ThreadReply | undefined {
  const message = event as Partial<GenericMessageEvent> & { subtype?: string };
  if (!HUMAN_SUBTYPES.has(message.subtype)) return undefined;
  if (message.bot_id !== undefined || message.user === undefined || message.user === botUserId) return undefined;
  if (message.thread_ts === undefined || message.thread_ts === message.ts || message.ts === undefined) return undefined;
  if (message.channel === undefined) return undefined;
  const text = message.text ?? '';
  if (botUserId !== undefined && text.includes(`<@${botUserId}>`)) return undefined;
  return {
    channel: message.channel,
    threadTs: message.thread_ts,
    ts: message.ts,
    user: message.user,
    text,
    hasFiles: (message.files?.length ?? 0) > 0,
  };
}
