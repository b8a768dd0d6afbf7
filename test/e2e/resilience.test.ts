import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BOT_TOKEN, TEST_POLYAI_KEY, TEST_SIGNING_SECRET } from '../support/constants.js';
import { makeConversation } from '../support/fake-polyai.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';

const TIMEOUT_MS = 800;

/** Slow, failing and rate-limiting upstreams (spec §6), and what the logs of it all show. */
describe('upstream trouble', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ POLYAI_TIMEOUT_MS: String(TIMEOUT_MS) });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const messageOf = (body: unknown) => (body as { message?: string }).message;
  const turnsSaying = (text: string) => stack.polyai.turns().filter((r) => messageOf(r.body) === text);
  const postsSaying = (channel: string, rootTs: string, text: string) =>
    postsIn(stack, channel, rootTs).filter((c) => textOf(c).includes(text));

  it('tells the thread once, with the correlation ID, when PolyAI times out, and other threads go on meanwhile', async () => {
    const channel = freshChannel();
    const otherChannel = freshChannel();
    const stuck = await startChat(stack, channel);
    const other = await startChat(stack, otherChannel);
    stack.polyai.hangNext(1, 'respondDebugChat');
    await stack.driver.message({ channel, thread_ts: stuck.rootTs, text: 'hello-anyone' });
    const [hung] = await stack.polyai.waitForRequests((r) => messageOf(r.body) === 'hello-anyone');
    await stack.driver.message({ channel, thread_ts: stuck.rootTs, text: 'queued-behind' });
    await stack.driver.message({ channel: otherChannel, thread_ts: other.rootTs, text: 'meanwhile' });

    const otherAnswer = await stack.slack.waitFor('chat.postMessage', (c) => textOf(c).includes('You said: meanwhile'));
    const warning = await stack.slack.waitFor('chat.postMessage', (c) => textOf(c).includes('did not answer within'));
    expect(otherAnswer.at).toBeLessThan(warning.at);
    expect(warning.args.thread_ts).toBe(stuck.rootTs);
    expect(textOf(warning)).toContain(hung?.correlationId);

    await waitUntil(() => postsSaying(channel, stuck.rootTs, 'You said: queued-behind').length === 1);
    expect(postsSaying(channel, stuck.rootTs, ':warning:')).toHaveLength(1);
    expect(turnsSaying('hello-anyone')).toHaveLength(1);
  });

  it('does not repeat a turn after a 5xx (it is not safe to), but repeats a read', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.polyai.failNext(1, { status: 503, error_code: 'SERVICE_UNAVAILABLE', op: 'respondDebugChat' });
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'say-it-once' });
    const warning = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes(':warning:'),
    );
    expect(textOf(warning)).toContain('SERVICE_UNAVAILABLE');
    expect(textOf(warning)).toContain(turnsSaying('say-it-once')[0]?.correlationId);
    await sleep(600);
    expect(turnsSaying('say-it-once')).toHaveLength(1);

    const call = stack.polyai.addConversation('agent-1', makeConversation());
    stack.polyai.failNext(1, { status: 502, error_code: 'BAD_GATEWAY', op: 'getConversation' });
    const reviewChannel = freshChannel();
    await stack.driver.command(`call ${call.conversationId}`, { channel_id: reviewChannel });
    await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === reviewChannel && !c.args.thread_ts);
    const reads = stack.polyai.requestsOf('getConversation').filter((r) => r.conversationId === call.conversationId);
    expect(reads.map((r) => r.status)).toEqual([502, 200]);
  });

  it('waits out Retry-After when PolyAI answers 429, then answers the turn once', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.polyai.rateLimitNext(1, 1, 'respondDebugChat');
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'patience' });
    await waitUntil(() => postsSaying(channel, rootTs, 'You said: patience').length === 1, 5000);
    const [limited, retried] = turnsSaying('patience');
    expect([limited?.status, retried?.status]).toEqual([429, 200]);
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(postsSaying(channel, rootTs, ':warning:')).toHaveLength(0);
  });

  it('keeps answering in other channels while Slack rate-limits one', async () => {
    const limitedChannel = freshChannel();
    const freeChannel = freshChannel();
    const limited = await startChat(stack, limitedChannel);
    const free = await startChat(stack, freeChannel);
    stack.slack.rateLimitNext('chat.postMessage', 2, 1, limitedChannel);
    await stack.driver.message({ channel: limitedChannel, thread_ts: limited.rootTs, text: 'slow-lane' });
    const refused = await stack.slack.waitFor('chat.postMessage', (c) => c.status === 429);
    await stack.driver.message({ channel: freeChannel, thread_ts: free.rootTs, text: 'fast-lane' });
    const fast = await stack.slack.waitFor('chat.postMessage', (c) => textOf(c).includes('You said: fast-lane'));
    expect(fast.at - refused.at).toBeLessThan(2000);
    const slow = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.status === 200 && textOf(c).includes('You said: slow-lane'),
    );
    expect(slow.at - refused.at).toBeGreaterThanOrEqual(1950);
    await sleep(300);
    expect(
      postsSaying(limitedChannel, limited.rootTs, 'You said: slow-lane').filter((c) => c.status === 200),
    ).toHaveLength(1);
  });

  it('logs one JSON line per turn and per PolyAI request, and never a configured secret', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'last-one' });
    await waitUntil(() => postsSaying(channel, rootTs, 'You said: last-one').length === 1);
    expect(await stack.app.stop()).toEqual({ code: 0, signal: null });

    const { app } = stack;
    const lines = [...app.stdout, ...app.stderr].filter((l) => l.trim() !== '');
    const notJson = lines.filter((l) => {
      try {
        const parsed: unknown = JSON.parse(l);
        return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    for (const secret of [TEST_BOT_TOKEN, TEST_SIGNING_SECRET, TEST_POLYAI_KEY])
      expect(app.output()).not.toContain(secret);

    const [turnRequest] = turnsSaying('last-one');
    const turn = app.logs.find(
      (l) => (l.turn as { correlationId?: string } | undefined)?.correlationId === turnRequest?.correlationId,
    );
    expect(turn?.turn).toMatchObject({
      channel,
      thread: rootTs,
      conversation: conversationId,
      outcome: 'answered',
      upstreamMs: expect.any(Number),
    });
    const request = app.logs.find(
      (l) => (l.polyai as { correlationId?: string } | undefined)?.correlationId === turnRequest?.correlationId,
    );
    expect(request?.polyai).toMatchObject({ method: 'POST', status: 200 });
    const timedOut = app.logs.find((l) => (l.turn as { outcome?: string } | undefined)?.outcome === 'timeout');
    expect(timedOut?.turn).toMatchObject({ correlationId: expect.any(String) });
  });
});
