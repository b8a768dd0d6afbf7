import { makeV3Call, type V3Call } from '../support/fake-conversations.js';
import { type ConversationDetail, makeConversation } from '../support/fake-polyai.js';
import type { SlackCall } from '../support/fake-slack.js';
import type { Stack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';

export interface Button {
  action_id: string;
  value: string;
  text?: { text: string };
}

/** A call known to both APIs: v3 lists and searches it, v1 has its detail (PolyScore, tags, summary). */
export function addCall(
  stack: Stack,
  v3: Partial<V3Call> & { minutesAgo?: number } = {},
  v1: Partial<ConversationDetail> = {},
): V3Call {
  const call = stack.conversations.addCall(makeV3Call(v3));
  stack.polyai.addConversation(
    call.project_id,
    makeConversation({
      conversationId: call.id,
      startedAt: call.started_at,
      handoff: call.handoff === true,
      ...(call.handoff_reason ? { handoffReason: call.handoff_reason } : {}),
      ...v1,
    }),
  );
  return call;
}

/** Every button of a message's blocks (elements and accessories), in order. */
export function buttonsOf(blocks: unknown): Button[] {
  return ((blocks ?? []) as Array<{ elements?: Button[]; accessory?: Button }>).flatMap((b) => [
    ...(b.elements ?? []).filter((e) => typeof e?.action_id === 'string'),
    ...(b.accessory?.action_id === undefined ? [] : [b.accessory]),
  ]);
}

/** The message as the channel shows it now (after every chat.update), by ts. */
export function current(stack: Stack, channel: string, ts: string) {
  return stack.slack.messagesIn(channel).find((m) => m.ts === ts);
}

export function currentText(stack: Stack, channel: string, ts: string): string {
  const message = current(stack, channel, ts);
  return `${message?.text ?? ''}\n${JSON.stringify(message?.blocks ?? [])}`;
}

/** The top-level message the app posted in `channel` whose text matches. */
export function rootPost(stack: Stack, channel: string, match: (text: string) => boolean): Promise<SlackCall> {
  return stack.slack.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === channel && !c.args.thread_ts && match(String(c.args.text ?? '')),
  );
}

/** Presses a button of a channel message as `user` (the payload carries the message, as Slack's does). */
export function press(stack: Stack, channel: string, ts: string, button: Button, user = 'U1') {
  return stack.driver.action({
    channel,
    user,
    message: { ts, text: '' },
    actions: [{ action_id: button.action_id, value: button.value }],
  });
}

/** Waits until the channel message's buttons satisfy `predicate`; returns them. */
export function untilButtons(stack: Stack, channel: string, ts: string, predicate: (buttons: Button[]) => boolean) {
  return waitUntil(
    () => {
      const buttons = buttonsOf(current(stack, channel, ts)?.blocks);
      return predicate(buttons) ? buttons : undefined;
    },
    8000,
    20,
    `buttons of ${ts}`,
  );
}

let agentCounter = 0;
/** A fresh agent (project) per test, so the fakes' calls of one test never show in another. */
export function freshAgent(): string {
  agentCounter += 1;
  return `agent-f${agentCounter}-${Date.now().toString(36)}`;
}
