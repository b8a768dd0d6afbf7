import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BOT_ID, TEST_BOT_USER_ID } from '../support/constants.js';
import { type ConversationDetail, makeConversation } from '../support/fake-polyai.js';
import type { SlackCall } from '../support/fake-slack.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { formValues, replyTo, responseText } from './call-helpers.js';
import { postsIn, startChat, textOf } from './chat-helpers.js';

const ALLOWED = 'CALLOWED1';
const OTHER = 'COTHER1';

/** Where the app may act (POLYCHAT_ALLOWED_CHANNELS), and what any upstream data looks like (spec §4, §6). */
describe('allowed channels and odd data', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ POLYCHAT_ALLOWED_CHANNELS: ALLOWED });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Everything the app sent to Slack or PolyAI since `mark`. */
  const activitySince = (mark: number) => ({
    slack: stack.slack.calls.filter(
      (c) => c.at > mark && c.method !== 'chat.postEphemeral' && c.method !== 'views.open',
    ),
    polyai: stack.polyai.requests.filter((r) => r.at > mark),
  });

  it('refuses a button copied from an allowed channel and pressed in another, a modal for another channel, and replies there', async () => {
    const { rootTs } = await startChat(stack, ALLOWED);
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    const value = JSON.stringify({ a: 'agent-1', c: call.conversationId });
    const copied = { ts: rootTs, text: 'a copy', user: TEST_BOT_USER_ID, bot_id: TEST_BOT_ID };
    const mark = performance.now();

    const responseUrl = stack.driver.responseUrl();
    const pressed = await stack.driver.action({
      channel: OTHER,
      message: copied,
      response_url: responseUrl,
      actions: [{ action_id: 'call_audio_combined', value }],
    });
    expect(pressed.status).toBe(200);
    expect(responseText(await replyTo(stack, responseUrl))).toContain("isn't enabled in this channel");
    await stack.driver.action({
      channel: OTHER,
      message: copied,
      actions: [{ action_id: 'session_end', value: 'end' }],
    });

    // A modal whose private_metadata names another channel (forged, or opened before the list changed).
    const submitted = await stack.driver.submitView({
      callback_id: 'annotate_call_submit',
      private_metadata: JSON.stringify({ channel: OTHER, threadTs: rootTs, agentId: 'agent-1' }),
      values: formValues({
        text: { conversation: call.conversationId },
        numbers: { turn_1: '1' },
        selects: { side_1: 'agent', label_1: 'wrong_info' },
      }),
    });
    expect(submitted.status).toBe(200);
    expect(JSON.stringify(submitted.body)).toContain("isn't enabled in this channel");

    // A mention and a thread reply in a channel that is not listed.
    await stack.driver.mention({ channel: OTHER, text: 'hello there' });
    await stack.driver.message({ channel: OTHER, thread_ts: rootTs, text: 'a reply elsewhere' });
    await sleep(500);
    expect(activitySince(mark)).toEqual({ slack: [], polyai: [] });
    const refusals = stack.slack.callsTo('chat.postEphemeral').filter((c) => c.at > mark);
    expect(refusals.every((c) => c.args.channel === OTHER && textOf(c).includes("isn't enabled"))).toBe(true);
  });

  it('posts a 60-turn call review in a rate-limited channel: every turn once, in order, in few messages', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation({ turnCount: 60 }));
    stack.slack.limitPostRate({ burst: 2, perSecond: 1 });
    try {
      await stack.driver.command(`call ${call.conversationId}`, { channel_id: ALLOWED });
      const root = await stack.slack.waitFor(
        'chat.postMessage',
        (c) =>
          c.status === 200 &&
          c.args.channel === ALLOWED &&
          !c.args.thread_ts &&
          textOf(c).includes(call.conversationId),
        20_000,
      );
      const rootTs = String(root.response.ts);
      const shown = () =>
        postsIn(stack, ALLOWED, rootTs)
          .filter((c) => c.status === 200 && c.response.ok)
          .flatMap((c) => [...textOf(c).matchAll(/\*Turn (\d+)\*/g)].map((m) => Number(m[1])));
      await waitUntil(() => shown().length >= 60 || undefined, 30_000);
      await sleep(300);
      expect(shown()).toEqual(Array.from({ length: 60 }, (_, i) => i));
      const posted = postsIn(stack, ALLOWED, rootTs).filter((c) => c.status === 200);
      expect(posted.length).toBeLessThanOrEqual(10);
      // Slack did refuse some of them on the way (and they were sent again).
      expect(postsIn(stack, ALLOWED, rootTs).some((c) => c.status === 429)).toBe(true);
    } finally {
      stack.slack.limitPostRate(undefined);
    }
  }, 45_000);

  it('shows numbers, nulls and objects in a call as they are, and never crashes the review', async () => {
    const odd = {
      ...makeConversation(),
      channel: 7,
      direction: null,
      language: { code: 'en' },
      tags: [3, null, 'vip'],
      note: 12345,
      shortSummary: { heading: 5, content: null },
      handoffReason: 42,
      polyScore: '0.5',
      turns: [
        { user_input: 12, agent_response: { text: 'hi' }, latency: 'fast' },
        null,
        { user_input: null, agent_response: 3.5, user_input_datetime: 17 },
      ],
    } as unknown as ConversationDetail;
    stack.polyai.addConversation('agent-1', odd);
    await stack.driver.command(`call ${odd.conversationId}`, { channel_id: ALLOWED });
    const root = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === ALLOWED && !c.args.thread_ts && textOf(c).includes(odd.conversationId),
    );
    const [transcript] = await waitUntil(() => {
      const posts = postsIn(stack, ALLOWED, String(root.response.ts));
      return posts.length > 0 ? posts : undefined;
    });
    const text = textOf(transcript as SlackCall);
    expect(text).toContain('12');
    expect(text).toContain('3.5');
    expect(text).toContain('*Turn 2*');
    expect(textOf(root)).toContain('12345');
    await sleep(200);
    expect(stack.app.logs.filter((l) => l.msg === 'listener failed' || l.msg === 'unhandled rejection')).toEqual([]);
    expect(stack.app.exitInfo).toBeUndefined();
  });

  it('shows a debug-chat answer of an unexpected shape as it is, and goes on', async () => {
    const { rootTs } = await startChat(stack, ALLOWED);
    stack.polyai.setResponder((ctx) =>
      ctx.message === 'odd'
        ? ({ response: 42, metadata: null, conversationEnded: 'no', delayedResponse: null } as never)
        : undefined,
    );
    try {
      await stack.driver.message({ channel: ALLOWED, thread_ts: rootTs, text: 'odd' });
      const answer = await stack.slack.waitFor(
        'chat.postMessage',
        (c) => c.args.thread_ts === rootTs && String(c.args.text) === '42',
      );
      expect(answer.response.ok).toBe(true);
      // conversationEnded: "no" is not true: the session goes on.
      await stack.driver.message({ channel: ALLOWED, thread_ts: rootTs, text: 'after' });
      await stack.slack.waitFor(
        'chat.postMessage',
        (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: after'),
      );
    } finally {
      stack.polyai.setResponder(undefined);
    }
  });
});
