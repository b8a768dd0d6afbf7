import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, getFreePort, runApp, testEnv } from '../support/app-process.js';
import { REDIS_SKIP_REASON, type RedisServer, startRedisServer } from '../support/redis-server.js';
import type { SlackDriver } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';

/** Two app processes on one Redis, with Slack's requests spread across both (spec §5). */
describe.skipIf(REDIS_SKIP_REASON !== undefined)('two instances on one Redis', () => {
  let redis: RedisServer;
  let stack: Stack;
  let a: { app: AppProcess; driver: SlackDriver };
  let b: { app: AppProcess; driver: SlackDriver };

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack({ STORE_URL: redis.url });
    a = { app: stack.app, driver: stack.driver };
    b = await stack.startInstance();
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  const answers = (channel: string, rootTs: string) =>
    postsIn(stack, channel, rootTs)
      .map(textOf)
      .filter((t) => t.includes('You said:'))
      .map((t) => /You said: ([\w-]+)/.exec(t)?.[1]);

  it('handles each event once, though it and its retries reach both instances at once', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    const words = ['one', 'two', 'three', 'four', 'five', 'six'];
    await Promise.all(
      words.map(async (text, i) => {
        const [first, second] = i % 2 === 0 ? [a.driver, b.driver] : [b.driver, a.driver];
        const ts = first.nextTs();
        const sent = first.message({ channel, thread_ts: rootTs, text, ts });
        const { event, event_id } = await sent;
        await Promise.all([
          second.event(event, { event_id, retryNum: 1, retryReason: 'http_timeout' }),
          first.event(event, { event_id, retryNum: 2, retryReason: 'http_timeout' }),
        ]);
      }),
    );
    await waitUntil(() => answers(channel, rootTs).length === words.length, 8000);
    await sleep(300);
    const sent = stack.polyai.turns(conversationId).map((r) => (r.body as { message: string }).message);
    expect([...sent].sort()).toEqual([...words].sort());
    expect(answers(channel, rootTs)).toHaveLength(words.length);
  });

  it('sends the turns of one thread to PolyAI one at a time and in order, whichever instance receives them', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    const words = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth'];
    const tsList = words.map(() => a.driver.nextTs());
    stack.polyai.latencyMs = 100;
    try {
      await Promise.all(
        words.map((text, i) =>
          (i % 2 === 0 ? a.driver : b.driver).message({ channel, thread_ts: rootTs, text, ts: tsList[i] }),
        ),
      );
      await waitUntil(() => answers(channel, rootTs).length === words.length, 8000);
    } finally {
      stack.polyai.latencyMs = 0;
    }
    const order = stack.polyai.turns(conversationId).map((r) => (r.body as { message: string }).message);
    expect(order).toEqual(words);
    expect(stack.polyai.maxConcurrency('respondDebugChat', conversationId)).toBe(1);
    expect(answers(channel, rootTs)).toEqual(words);
  });

  it('continues a session started on one instance on the other', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    await b.driver.message({ channel, thread_ts: rootTs, text: 'over-there' });
    await waitUntil(() => answers(channel, rootTs).includes('over-there'));
    await a.driver.message({ channel, thread_ts: rootTs, text: 'and-back' });
    await waitUntil(() => answers(channel, rootTs).includes('and-back'));
    const sent = stack.polyai.turns(conversationId).map((r) => (r.body as { message: string }).message);
    expect(sent).toEqual(['over-there', 'and-back']);
  });

  it('lets a thread go on at most 30 s after the instance running its turn is killed', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    const doomed = await stack.startInstance();
    stack.polyai.hangNext(1, 'respondDebugChat');
    await doomed.driver.message({ channel, thread_ts: rootTs, text: 'lost-turn' });
    await stack.polyai.waitForRequests((r) => r.conversationId === conversationId && r.op === 'respondDebugChat');
    await doomed.app.kill();
    const killedAt = performance.now();
    await a.driver.message({ channel, thread_ts: rootTs, text: 'next-turn' });
    const [, next] = await stack.polyai.waitForRequests(
      (r) => r.conversationId === conversationId && r.op === 'respondDebugChat',
      2,
      35_000,
    );
    expect(next?.body).toMatchObject({ message: 'next-turn' });
    expect((next?.at ?? Infinity) - killedAt).toBeLessThanOrEqual(30_000);
    await waitUntil(() => answers(channel, rootTs).includes('next-turn'));
  }, 45_000);

  it('answers /healthz 503 on both instances while Redis is down, and 200 again once it is back', async () => {
    await redis.halt();
    try {
      expect(await a.app.health()).toBe(503);
      expect(await b.app.health()).toBe(503);
    } finally {
      await redis.restart();
    }
    await waitUntil(async () => (await a.app.health()) === 200 && (await b.app.health()) === 200, 10_000);
  });
});

describe('STORE_URL on a Redis that does not answer', () => {
  it('stops start-up with one clear line naming it, and no stack trace', async () => {
    const port = await getFreePort();
    // Nothing listens on port 9 either: the app must stop before it calls anyone.
    const nowhere = { polyai: { url: 'http://127.0.0.1:9' }, slack: { url: 'http://127.0.0.1:9/api/' } };
    const result = await runApp(testEnv(nowhere, { STORE_URL: `redis://127.0.0.1:${port}` }), { timeoutMs: 15_000 });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^polychat: STORE_URL could not be opened: .*ECONNREFUSED/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout.trim()).toBe('');
  });
});
