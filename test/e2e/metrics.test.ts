import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppProcess, startApp, testEnv } from '../support/app-process.js';
import { TEST_APP_TOKEN, TEST_BOT_TOKEN, TEST_POLYAI_KEY, TEST_SIGNING_SECRET } from '../support/constants.js';
import { makeConversation, startFakePolyAI } from '../support/fake-polyai.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import { REDIS_SKIP_REASON, type RedisServer, startRedisServer } from '../support/redis-server.js';
import type { SlackDriver } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';
import { uploadNamed } from './call-helpers.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';
import { getRoute, polyaiSeen, scrape, slackSeen, totals, whenSettled } from './metrics-helpers.js';

/** A fleet of two instances on one Redis, scraped while turns, Slack 429s and PolyAI errors happen (issue 14). */
describe.skipIf(REDIS_SKIP_REASON !== undefined)('GET /metrics on a fleet', () => {
  let redis: RedisServer;
  let stack: Stack;
  let a: { app: AppProcess; driver: SlackDriver };
  let b: { app: AppProcess; driver: SlackDriver };
  let apps: AppProcess[];
  /** What each kind of turn the tests below caused adds up to. */
  const expectedTurns: Record<string, number> = {};
  const expectTurn = (outcome: string) => {
    expectedTurns[outcome] = (expectedTurns[outcome] ?? 0) + 1;
  };
  /** Words users wrote; none may appear in a label. */
  const written: string[] = [];
  const conversations: string[] = [];
  const channels: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    // Progress on every turn, so each turn makes a status call the test can make fail.
    stack = await startStack({ STORE_URL: redis.url, POLYAI_TIMEOUT_MS: '1000', POLYCHAT_PROGRESS_DELAY_MS: '0' });
    a = { app: stack.app, driver: stack.driver };
    b = await stack.startInstance();
    apps = [a.app, b.app];
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  /** Sends `text` as a reply through `via` and waits for the post it leads to. */
  async function turn(via: SlackDriver, channel: string, rootTs: string, text: string, answer: RegExp) {
    written.push(text);
    const before = postsIn(stack, channel, rootTs).length;
    const sent = await via.message({ channel, thread_ts: rootTs, text });
    await waitUntil(
      () =>
        postsIn(stack, channel, rootTs)
          .slice(before)
          .some((c) => answer.test(textOf(c))),
      8000,
    );
    return sent;
  }

  async function chat() {
    const channel = freshChannel();
    channels.push(channel);
    const started = await startChat(stack, channel);
    conversations.push(started.conversationId);
    return { channel, ...started };
  }

  it('serves the Prometheus text format with process metrics on every instance', async () => {
    for (const app of apps) {
      const res = await getRoute(app, '/metrics');
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const names = new Set((await scrape(app)).map((s) => s.name));
      for (const name of [
        'process_cpu_user_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_heap_size_used_bytes',
      ])
        expect(names).toContain(name);
    }
  });

  it('counts turns by outcome, Slack calls by method and result and PolyAI requests by status, as the fakes saw them', async () => {
    const { channel, rootTs, conversationId } = await chat();
    await turn(a.driver, channel, rootTs, 'alpha-words', /You said: alpha-words/);
    expectTurn('answered');

    // A failed progress status is decoration: the turn is still answered; its unknown code is bucketed.
    stack.slack.failNext('assistant.threads.setStatus', 'made_up_error_code', 1, channel);
    await turn(b.driver, channel, rootTs, 'bravo-words', /You said: bravo-words/);
    expectTurn('answered');

    // Slack rate-limits the answer once: it is waited out and posted.
    stack.slack.rateLimitNext('chat.postMessage', 1, 1, channel);
    const charlie = await turn(a.driver, channel, rootTs, 'charlie-words', /You said: charlie-words/);
    expectTurn('answered');

    stack.polyai.failNext(1, { status: 500, error_code: 'INTERNAL_ERROR', op: 'respondDebugChat' });
    await turn(b.driver, channel, rootTs, 'delta-words', /INTERNAL_ERROR/);
    expectTurn('upstream_error');

    stack.polyai.hangNext(1, 'respondDebugChat');
    await turn(a.driver, channel, rootTs, 'echo-words', /did not answer within 1 s/);
    expectTurn('timeout');

    const ending = await chat();
    stack.polyai.endAfter(ending.conversationId, 1);
    await turn(b.driver, ending.channel, ending.rootTs, 'foxtrot-words', /You said: foxtrot-words/);
    expectTurn('ended');

    // Slack's retry of an event already handled, to the other instance.
    await b.driver.event(charlie.event, { event_id: charlie.event_id, retryNum: 1, retryReason: 'http_timeout' });
    await waitUntil(async () => (await totals(apps, 'polychat_events_deduplicated_total'))[''] === 1);

    const turns = await whenSettled(
      () => totals(apps, 'polychat_turns_total', ['outcome']),
      () => expectedTurns,
    );
    expect(turns.actual).toEqual(turns.expected);
    // Both instances did some of it: the numbers are per instance.
    for (const app of apps)
      expect(Object.keys(await totals([app], 'polychat_turns_total', ['outcome']))).not.toEqual([]);

    const slackCalls = await whenSettled(
      () => totals(apps, 'polychat_slack_api_calls_total', ['method', 'result']),
      () => slackSeen(stack.slack, { made_up_error_code: 'other_error' }),
    );
    expect(slackCalls.actual).toEqual(slackCalls.expected);
    expect(slackCalls.actual['chat.postMessage|rate_limited']).toBe(1);
    expect(slackCalls.actual['assistant.threads.setStatus|other_error']).toBe(1);
    expect(await totals(apps, 'polychat_slack_retry_after_seconds_total', ['method'])).toEqual({
      'chat.postMessage': 1,
    });

    const polyaiRequests = await whenSettled(
      () => totals(apps, 'polychat_polyai_requests_total', ['operation', 'status']),
      () => polyaiSeen(stack.polyai),
    );
    expect(polyaiRequests.actual).toEqual(polyaiRequests.expected);
    expect(polyaiRequests.actual).toMatchObject({ 'respondDebugChat|500': 1, 'respondDebugChat|timeout': 1 });
    expect(stack.polyai.turns(conversationId)).toHaveLength(5);
  });

  it('splits the time of answered turns into PolyAI time and its own, and shows turns queued and in flight', async () => {
    const before = await totals(apps, 'polychat_turn_polyai_seconds_sum');
    const { channel, rootTs } = await chat();
    stack.polyai.latencyMs = 700;
    try {
      written.push('golf-words', 'hotel-words');
      await a.driver.message({ channel, thread_ts: rootTs, text: 'golf-words' });
      await a.driver.message({ channel, thread_ts: rootTs, text: 'hotel-words' });
      await waitUntil(async () => {
        const [queued, inFlight] = await Promise.all([
          totals(apps, 'polychat_turns_queued'),
          totals(apps, 'polychat_turns_in_flight'),
        ]);
        return queued[''] === 1 && inFlight[''] === 1;
      }, 5000);
      await waitUntil(
        () => postsIn(stack, channel, rootTs).some((c) => textOf(c).includes('You said: hotel-words')),
        8000,
      );
    } finally {
      stack.polyai.latencyMs = 0;
    }
    expectTurn('answered');
    expectTurn('answered');
    await waitUntil(async () => {
      const [queued, inFlight] = await Promise.all([
        totals(apps, 'polychat_turns_queued'),
        totals(apps, 'polychat_turns_in_flight'),
      ]);
      return queued[''] === undefined && inFlight[''] === undefined;
    });
    const answered = (expectedTurns.answered ?? 0) + (expectedTurns.ended ?? 0);
    expect(await totals(apps, 'polychat_turn_polyai_seconds_count')).toEqual({ '': answered });
    expect(await totals(apps, 'polychat_turn_overhead_seconds_count')).toEqual({ '': answered });
    // Each of the two slow turns waited at least 0.7 s for PolyAI, and that is PolyAI's share, not polychat's.
    const polyaiSeconds = ((await totals(apps, 'polychat_turn_polyai_seconds_sum'))[''] ?? 0) - (before[''] ?? 0);
    expect(polyaiSeconds).toBeGreaterThanOrEqual(1.4);
  });

  it('counts the bytes of relayed recordings', async () => {
    const { conversationId } = stack.polyai.addConversation('agent-1', makeConversation());
    stack.polyai.setRecording(conversationId, { bytes: 50_000 });
    await b.driver.command(`audio ${conversationId}`, { channel_id: freshChannel() });
    const { upload } = await uploadNamed(stack, `${conversationId}-combined-redacted.wav`);
    await waitUntil(async () => (await totals(apps, 'polychat_audio_bytes_total'))[''] === upload.bytes);
  });

  it('never puts user text, channels, conversation IDs or secrets in a label', async () => {
    for (const app of apps) {
      const { body } = await getRoute(app, '/metrics');
      for (const value of [
        ...written,
        ...channels,
        ...conversations,
        TEST_BOT_TOKEN,
        TEST_SIGNING_SECRET,
        TEST_POLYAI_KEY,
        'made_up_error_code',
      ])
        expect(body).not.toContain(value);
    }
  });

  it('says not ready on /readyz (while /healthz says the process is alive) when Redis is down', async () => {
    for (const app of apps) expect((await getRoute(app, '/readyz')).status).toBe(200);
    await redis.halt();
    try {
      for (const app of apps) {
        const ready = await getRoute(app, '/readyz');
        expect(ready.status).toBe(503);
        expect(JSON.parse(ready.body)).toMatchObject({ status: 'unavailable' });
      }
    } finally {
      await redis.restart();
    }
    await waitUntil(
      async () => (await Promise.all(apps.map((app) => getRoute(app, '/readyz')))).every((r) => r.status === 200),
      10_000,
    );
  });
});

describe('readiness on SIGTERM', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ POLYCHAT_SHUTDOWN_DELAY_MS: '1500' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers /readyz 503 from SIGTERM on while the port is still open, then finishes its turn and exits 0', async () => {
    expect((await getRoute(stack.app, '/readyz')).status).toBe(200);
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.polyai.latencyMs = 1000;
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'in-flight-words' });
    await stack.polyai.waitForRequests((r) => r.op === 'respondDebugChat');
    const exit = stack.app.stop('SIGTERM', 20_000);
    await stack.app.waitForLog((l) => String(l.msg).startsWith('stopping'));
    const ready = await getRoute(stack.app, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: 'draining' });
    // Still alive and still scraped: only readiness changed.
    expect(await stack.app.health()).toBe(200);
    expect((await getRoute(stack.app, '/metrics')).status).toBe(200);
    expect(await exit).toEqual({ code: 0, signal: null });
    stack.polyai.latencyMs = 0;
    expect(postsIn(stack, channel, rootTs).some((c) => textOf(c).includes('You said: in-flight-words'))).toBe(true);
    expect(await stack.app.health()).toBe(0);
  });
});

describe('Socket Mode', () => {
  it('serves /metrics and /readyz on PORT too', async () => {
    const [polyai, slack] = await Promise.all([startFakePolyAI(), startFakeSlack()]);
    const socket = await FakeSocketMode.start(slack);
    const env = testEnv({ polyai, slack }, { SLACK_APP_TOKEN: TEST_APP_TOKEN, SLACK_SIGNING_SECRET: undefined });
    const app = await startApp({ env, allowNonLocal: true });
    try {
      await waitUntil(() => socket.connected, 5000);
      expect((await getRoute(app, '/readyz')).status).toBe(200);
      const calls = await totals([app], 'polychat_slack_api_calls_total', ['method', 'result']);
      expect(calls['apps.connections.open|ok']).toBeGreaterThanOrEqual(1);
    } finally {
      await app.stop();
      await socket.close();
      await Promise.all([polyai.close(), slack.close()]);
    }
  });
});
