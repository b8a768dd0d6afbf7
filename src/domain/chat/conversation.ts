import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PolyAI } from '../../outbound/polyai/client.js';
import { boundJson, readTrace } from '../../outbound/polyai/metadata.js';
import type { CreateDebugChatBody, DebugChatResponse } from '../../outbound/polyai/types.js';
import type { FunctionCallRecord, SessionSettings } from '../../outbound/store/records.js';

/**
 * The PolyAI side of a debug chat, shared by chats in threads (DebugChats) and test runs
 * (SuiteRunner): how a session is created from its settings, and how one turn's answer is
 * collected, `delayedResponse` follow-ups included.
 */

/** How many times a `delayedResponse` is collected, and the pause before each collection. */
export const DELAYED_RESPONSE_LIMIT = 5;
export const DELAYED_RESPONSE_PAUSE_MS = 1000;

/** The create request for a session with these settings. */
export function createBody(settings: SessionSettings): CreateDebugChatBody {
  return {
    clientEnv: settings.clientEnv,
    ...(settings.lang !== undefined && { asrLangCode: settings.lang, ttsLangCode: settings.lang }),
    ...(settings.variantId !== undefined && { variantId: settings.variantId }),
    ...(settings.polyaiChannel !== undefined && { channel: settings.polyaiChannel }),
    ...(settings.integrationAttributes !== undefined && { integrationAttributes: settings.integrationAttributes }),
  };
}

/** A live conversation as a turn needs it. */
export interface ConversationRef {
  agentId: string;
  conversationId: string;
  clientEnv: SessionSettings['clientEnv'];
  lang?: string;
}

/** Sends one user turn. */
export function sendTurn(
  polyai: PolyAI,
  conversation: ConversationRef,
  message: string,
  correlationId: string,
): Promise<DebugChatResponse> {
  return polyai.respond(
    conversation.agentId,
    conversation.conversationId,
    {
      clientEnv: conversation.clientEnv,
      message,
      ...(conversation.lang !== undefined && { asrLangCode: conversation.lang, ttsLangCode: conversation.lang }),
    },
    correlationId,
  );
}

/** One part of an answer as it arrives: the reply, which part it is, its latency and correlation ID. */
export type OnReply = (reply: DebugChatResponse, part: number, ms: number, correlationId: string) => Promise<void>;

/** What a thread does around the wait for a delayed remainder (save what is posted, show progress again). */
export interface BetweenParts {
  pausing(): Promise<void>;
  resumed(): Promise<void>;
}

/**
 * Hands `first` and each delayed remainder to `onReply`, collecting up to DELAYED_RESPONSE_LIMIT
 * remainders; returns the last reply (which says whether the conversation ended).
 */
export async function collectReplies(
  polyai: PolyAI,
  conversation: ConversationRef,
  first: DebugChatResponse,
  firstMs: number,
  firstCorrelationId: string,
  onReply: OnReply,
  between?: BetweenParts,
): Promise<DebugChatResponse> {
  let reply = first;
  let ms = firstMs;
  let correlationId = firstCorrelationId;
  for (let part = 0; ; part++) {
    await onReply(reply, part, ms, correlationId);
    // Only a real `true` counts: a flag of another type ("no", 1) must not end or prolong a session.
    if (reply.conversationEnded === true || reply.delayedResponse !== true || part >= DELAYED_RESPONSE_LIMIT)
      return reply;
    await between?.pausing();
    await sleep(DELAYED_RESPONSE_PAUSE_MS);
    const started = performance.now();
    correlationId = randomUUID();
    reply = await polyai.respond(
      conversation.agentId,
      conversation.conversationId,
      { clientEnv: conversation.clientEnv, message: '' },
      correlationId,
    );
    ms = Math.round(performance.now() - started);
    await between?.resumed();
  }
}

/** The functions a reply's metadata says the agent called, with their arguments (bounded). */
export function calledFunctions(metadata: unknown): FunctionCallRecord[] {
  return readTrace(metadata).functions.flatMap((call) =>
    call.name === undefined
      ? []
      : [{ name: call.name, ...(call.arguments !== undefined && { arguments: boundJson(call.arguments) }) }],
  );
}
