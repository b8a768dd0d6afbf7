import { expect } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import type { Stack } from '../support/stack.js';

/** The plain text of a recorded chat.postMessage/update, with block text included. */
export function textOf(call: SlackCall): string {
  const blocks = JSON.stringify(call.args.blocks ?? '');
  return `${String(call.args.text ?? '')}\n${blocks}`;
}

export function postsIn(stack: Stack, channel: string, threadTs: string): SlackCall[] {
  return stack.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === channel && c.args.thread_ts === threadTs);
}

let channelCounter = 0;
/** A fresh channel ID per test keeps tests on one stack independent. */
export function freshChannel(): string {
  channelCounter += 1;
  return `C${Date.now().toString(36).toUpperCase()}${channelCounter}`;
}

/**
 * `/polychat <text>` in `channel`; resolves when the session is live: the root message, the
 * conversation ID shown on it, and the greeting posted in the thread.
 */
export async function startChat(stack: Stack, channel: string, text = '', user = 'U1') {
  // Roots posted before this command (another chat in the same channel) are not this chat's.
  const earlier = new Set(stack.slack.callsTo('chat.postMessage'));
  const { response } = await stack.driver.command(text, { channel_id: channel, user_id: user });
  expect(response.status).toBe(200);
  const root = await stack.slack.waitFor(
    'chat.postMessage',
    (c) => !earlier.has(c) && c.args.channel === channel && c.args.thread_ts === undefined,
  );
  const rootTs = String(root.response.ts);
  const live = await stack.slack.waitFor(
    'chat.update',
    (c) => c.args.channel === channel && c.args.ts === rootTs && /conversation (\S+),/.test(String(c.args.text)),
  );
  const conversationId = /conversation (\S+),/.exec(String(live.args.text))?.[1] ?? '';
  const greeting = await stack.slack.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === channel && c.args.thread_ts === rootTs,
  );
  return { rootTs, root, live, conversationId, greeting };
}
