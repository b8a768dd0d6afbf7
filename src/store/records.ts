import type { ClientEnv } from '../config.js';
import type { AnnotationRole } from '../polyai/types.js';

/** Where a Slack thread is: its channel and the `ts` of its root message. */
export interface ThreadRef {
  channel: string;
  threadTs: string;
}

/** The settings a debug chat was started with; enough to restart or replay it. */
export interface SessionSettings {
  agentId: string;
  clientEnv: ClientEnv;
  variantId?: string;
  lang?: string;
  /** PolyAI channel, e.g. `chat.polyai`. */
  polyaiChannel?: string;
  integrationAttributes?: Record<string, string>;
  details: boolean;
}

/** A Slack thread bound to one PolyAI debug-chat conversation. */
export interface Session extends ThreadRef, SessionSettings {
  conversationId: string;
  startedBy: string;
  startedAt: string;
  /** Turns answered so far; the greeting is turn 0. */
  turns: number;
  ended?: { at: string; by?: string; reason: 'agent' | 'user' | 'upstream' };
}

/** Defaults a channel sets with `/polychat agent …`. */
export interface ChannelDefaults {
  agentId?: string;
  details?: boolean;
}

/** Which conversation turn a Slack message shows, for annotations. */
export interface MessageTurn {
  agentId: string;
  conversationId: string;
  turn: number;
  role: AnnotationRole;
}

/** A call opened for review in a thread. */
export interface CallThread extends ThreadRef {
  agentId: string;
  conversationId: string;
}
