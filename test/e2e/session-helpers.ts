import { expect } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import { newTriggerId } from '../support/slack-requests.js';
import type { Stack } from '../support/stack.js';
import { postsIn, textOf } from './chat-helpers.js';

/** Agent replies in a thread: the posts that carry the turn menu. */
export function agentReplies(stack: Stack, channel: string, threadTs: string): SlackCall[] {
  return postsIn(stack, channel, threadTs).filter((c) => JSON.stringify(c.args.blocks ?? '').includes('"turn_menu"'));
}

/** A person's reply in the thread; resolves with the agent's answer to it. */
export async function say(
  stack: Stack,
  channel: string,
  threadTs: string,
  text: string,
  user = 'U1',
): Promise<SlackCall> {
  const before = agentReplies(stack, channel, threadTs).length;
  await stack.driver.message({ channel, thread_ts: threadTs, text, user });
  const replies = await stack.slack.waitForCount(
    'chat.postMessage',
    before + 1,
    (c) => c.args.channel === channel && c.args.thread_ts === threadTs && textOf(c).includes('"turn_menu"'),
    8000,
  );
  return replies.at(-1) as SlackCall;
}

/** Presses a button on a message the app posted; returns the trigger ID it came with. */
export async function press(
  stack: Stack,
  channel: string,
  message: { ts: string; thread_ts?: string },
  actionId: string,
  opts: { value?: string; user?: string } = {},
): Promise<string> {
  const trigger = newTriggerId();
  const response = await stack.driver.action({
    channel,
    user: opts.user ?? 'U1',
    trigger_id: trigger,
    message: { ts: message.ts, ...(message.thread_ts !== undefined && { thread_ts: message.thread_ts }), text: '' },
    actions: [{ action_id: actionId, ...(opts.value !== undefined && { value: opts.value }) }],
  });
  expect(response.status).toBe(200);
  return trigger;
}

/** The button with `actionId` on a recorded message, as Slack would send it back when pressed. */
export function buttonOn(call: SlackCall, actionId: string): { action_id: string; value?: string } | undefined {
  const found: Array<{ action_id: string; value?: string }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (record.type === 'button' && record.action_id === actionId) found.push(record as { action_id: string });
      Object.values(record).forEach(visit);
    }
  };
  visit(call.args.blocks);
  return found[0];
}

/** The options of the turn menu (overflow) on a recorded agent reply, as Slack would send one back when chosen. */
export function turnMenuOf(call: SlackCall): Array<{ text: string; value: string }> {
  const blocks = (call.args.blocks ?? []) as Array<{
    accessory?: { type?: string; action_id?: string; options?: unknown };
  }>;
  const menu = blocks.map((b) => b.accessory).find((a) => a?.type === 'overflow' && a.action_id === 'turn_menu');
  const options = (menu?.options ?? []) as Array<{ text: { text: string }; value: string }>;
  return options.map((o) => ({ text: o.text.text, value: o.value }));
}

/** Chooses `text` ("Details", "Annotate this turn", "Copy conversation ID") in an agent reply's menu; returns the trigger ID. */
export async function chooseInMenu(stack: Stack, channel: string, reply: SlackCall, text: string, user = 'U1') {
  const option = turnMenuOf(reply).find((o) => o.text === text);
  expect(option, `the reply's menu offers ${text}`).toBeDefined();
  const trigger = newTriggerId();
  const response = await stack.driver.action({
    channel,
    user,
    trigger_id: trigger,
    message: { ts: String(reply.response.ts), thread_ts: String(reply.args.thread_ts), text: '' },
    actions: [
      {
        action_id: 'turn_menu',
        type: 'overflow',
        selected_option: { text: { type: 'plain_text', text }, value: option?.value ?? '' },
      },
    ],
  });
  expect(response.status).toBe(200);
  return trigger;
}

/** "Details" chosen in an agent reply's menu: the views.open call it led to. */
export async function openDetails(stack: Stack, channel: string, reply: SlackCall): Promise<SlackCall> {
  const trigger = await chooseInMenu(stack, channel, reply, 'Details');
  return stack.slack.waitFor('views.open', (c) => c.args.trigger_id === trigger);
}

/** Blocks of a recorded view call. */
export function viewBlocks(call: SlackCall): Array<Record<string, unknown>> {
  return ((call.args.view as { blocks?: Array<Record<string, unknown>> }).blocks ?? []) as Array<
    Record<string, unknown>
  >;
}

/**
 * `/polychat <text>` in `channel`, which may have sessions already; resolves when the new one
 * is live: its root message, conversation ID and greeting.
 */
export async function startSession(stack: Stack, channel: string, text = '', user = 'U1') {
  const isRoot = (c: SlackCall) =>
    c.args.channel === channel && c.args.thread_ts === undefined && textOf(c).includes('Debug chat');
  const roots = stack.slack.callsTo('chat.postMessage').filter(isRoot).length;
  await stack.driver.command(text, { channel_id: channel, user_id: user });
  const root = (await stack.slack.waitForCount('chat.postMessage', roots + 1, isRoot)).at(-1) as SlackCall;
  return live(stack, channel, String(root.response.ts));
}

/** Waits for the session whose root message is `rootTs` to be live: its conversation ID and greeting. */
export async function live(stack: Stack, channel: string, rootTs: string) {
  const update = await stack.slack.waitFor(
    'chat.update',
    (c) => c.args.channel === channel && c.args.ts === rootTs && /conversation (\S+),/.test(String(c.args.text)),
    8000,
  );
  const conversationId = /conversation (\S+),/.exec(String(update.args.text))?.[1] ?? '';
  const greeting = await stack.slack.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === channel && c.args.thread_ts === rootTs && textOf(c).includes('"turn_menu"'),
    8000,
  );
  return { rootTs, conversationId, greeting, update };
}
