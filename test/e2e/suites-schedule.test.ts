import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import { REDIS_SKIP_REASON, type RedisServer, startRedisServer } from '../support/redis-server.js';
import type { SlackDriver } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { freshChannel, textOf } from './chat-helpers.js';
import {
  chatWithTurns,
  command,
  ephemeralText,
  finishedReport,
  latest,
  reports,
  saveCase,
  startSlowRun,
} from './suite-helpers.js';

/** Two instances on one Redis, checking schedules every 200 ms (spec §7: each slot runs once). */
describe.skipIf(REDIS_SKIP_REASON !== undefined)('suite schedules across two instances', () => {
  let redis: RedisServer;
  let stack: Stack;
  let b: { app: AppProcess; driver: SlackDriver };

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack({ STORE_URL: redis.url, POLYCHAT_SUITE_TICK_MS: '200' });
    b = await stack.startInstance();
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('runs a slot exactly once, whichever instance is up, and reports where it was scheduled', async () => {
    const channel = freshChannel();
    const chat = await chatWithTurns(stack, channel, ['hello']);
    await saveCase(stack, channel, chat.rootTs, 'nightly', 'Hello');
    // A slot in the minute the schedule is set in runs at once; keep clear of a minute's end.
    while (new Date().getUTCSeconds() >= 57) await sleep(500);
    const now = new Date();
    const time = `${String(now.getUTCHours()).padStart(2, '0')}:${String(now.getUTCMinutes()).padStart(2, '0')}`;
    const creates = stack.polyai.requestsOf('createDebugChat').length;
    const told = await ephemeralText(
      stack,
      await command(stack, channel, `test schedule nightly daily ${time} env=live`),
    );
    expect(told).toContain('Scheduled');
    const report = await waitUntil(() => reports(stack, channel)[0], 8000, 20, 'the scheduled report');
    const done = await finishedReport(stack, channel, String(report.response.ts));
    expect(done.text).toContain('scheduled');
    expect(done.text).toContain('1 passed');
    // Both instances keep checking: the slot is not run again.
    await sleep(1500);
    expect(reports(stack, channel)).toHaveLength(1);
    const created = stack.polyai.requestsOf('createDebugChat').slice(creates);
    expect(created).toHaveLength(1);
    expect(created[0]?.body).toMatchObject({ clientEnv: 'live' });

    const list = await ephemeralText(stack, await command(stack, channel, 'test list'));
    expect(list).toContain(`daily at ${time}`);
    await ephemeralText(stack, await command(stack, channel, 'test unschedule nightly'));
    const after = await ephemeralText(stack, await command(stack, channel, 'test list'));
    expect(after).toContain('not scheduled');
  });

  it('reports a run cut short by a crash as interrupted, from the instance still up', async () => {
    const channel = freshChannel();
    // The command reaches the first instance, which runs the suite; it crashes mid-run.
    const report = await startSlowRun(stack, channel, 'long');
    await stack.polyai.waitForRequests((r) => r.op === 'respondDebugChat', 4);
    await stack.app.kill();
    stack.polyai.latencyMs = 0;
    const ts = String(report.response.ts);
    await waitUntil(() => latest(stack, channel, ts).includes('interrupted'), 15_000, 50, 'the interrupted report');
    expect(latest(stack, channel, ts)).not.toContain('suite_stop');
    expect(b.app.exitInfo).toBeUndefined();
    expect(textOf(report)).toContain('Running suite');
  });

  it('on SIGTERM, stops a run between turns and reports it interrupted before exiting', async () => {
    const channel = freshChannel();
    const before = stack.polyai.requestsOf('respondDebugChat').length;
    // The first instance was killed above: this one imports, runs and is stopped.
    const report = await startSlowRun(stack, channel, 'term', b.driver);
    await waitUntil(() => stack.polyai.requestsOf('respondDebugChat').length >= before + 4, 8000);
    const exit = await b.app.stop('SIGTERM', 20_000);
    stack.polyai.latencyMs = 0;
    expect(exit.code).toBe(0);
    const text = latest(stack, channel, String(report.response.ts));
    expect(text).toContain('interrupted');
    expect(text).not.toContain('suite_stop');
  });
});
