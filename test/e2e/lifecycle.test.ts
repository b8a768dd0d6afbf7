import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventResult, SlackDriver } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';

/** Shutdown and restarts of one instance on an SQLite file (spec §5). */
describe('shutdown and restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polychat-lifecycle-'));
  let stack: Stack;
  /** The thread and the handled event that later tests resume after a restart. */
  let kept: { channel: string; rootTs: string; conversationId: string; event: EventResult } | undefined;
  /** The instance started after the restart. */
  let restarted: SlackDriver | undefined;

  beforeAll(async () => {
    stack = await startStack({ STORE_URL: `sqlite://${join(dir, 'state.sqlite')}` });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const answered = (channel: string, rootTs: string, text: string) =>
    postsIn(stack, channel, rootTs).some((c) => textOf(c).includes(`You said: ${text}`));

  it('on SIGTERM stops taking requests, finishes the turn in flight, posts its answer and exits 0', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    stack.polyai.latencyMs = 1500;
    try {
      await stack.driver.message({ channel, thread_ts: rootTs, text: 'still-in-flight' });
      await stack.polyai.waitForRequests((r) => r.op === 'respondDebugChat' && r.conversationId === conversationId);
      const exit = stack.app.stop('SIGTERM', 20_000);
      await stack.app.waitForLog((l) => String(l.msg).startsWith('stopping'));
      expect(await stack.app.health()).toBe(0);
      expect(answered(channel, rootTs, 'still-in-flight')).toBe(false);
      expect(await exit).toEqual({ code: 0, signal: null });
    } finally {
      stack.polyai.latencyMs = 0;
    }
    expect(answered(channel, rootTs, 'still-in-flight')).toBe(true);
  });

  it('answers a turn received just before SIGTERM', async () => {
    const { app, driver } = await stack.startInstance();
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat({ ...stack, driver }, channel);
    stack.polyai.latencyMs = 300;
    try {
      const event = await driver.message({ channel, thread_ts: rootTs, text: 'last-words' });
      expect(event.response.status).toBe(200);
      expect(await app.stop('SIGTERM', 20_000)).toEqual({ code: 0, signal: null });
      kept = { channel, rootTs, conversationId, event };
    } finally {
      stack.polyai.latencyMs = 0;
    }
    expect(stack.polyai.turns(conversationId)).toHaveLength(1);
    expect(answered(channel, rootTs, 'last-words')).toBe(true);
  });

  it('goes on with a session after a restart on the same SQLite file', async () => {
    if (kept === undefined) throw new Error('needs the session of the previous test');
    const { channel, rootTs, conversationId } = kept;
    const { driver } = await stack.startInstance();
    restarted = driver;
    await driver.message({ channel, thread_ts: rootTs, text: 'after-restart' });
    await waitUntil(() => answered(channel, rootTs, 'after-restart'));
    const sent = stack.polyai.turns(conversationId).map((r) => (r.body as { message: string }).message);
    expect(sent).toEqual(['last-words', 'after-restart']);
  });

  it('sends nothing again for a Slack retry, after a restart, of an event handled before it', async () => {
    if (kept === undefined || restarted === undefined) throw new Error('needs the previous tests');
    const { conversationId, event } = kept;
    const before = stack.polyai.turns(conversationId).length;
    const retry = await restarted.event(event.event, {
      event_id: event.event_id,
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    expect(retry.response.status).toBe(200);
    await sleep(500);
    expect(stack.polyai.turns(conversationId)).toHaveLength(before);
  });
});
