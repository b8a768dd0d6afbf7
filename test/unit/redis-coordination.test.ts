import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCoordination, SETTLE_MS, settleWait } from '../../src/outbound/store/redis-coordination.js';
import { getFreePort } from '../support/app-process.js';
import { REDIS_SKIP_REASON, type RedisServer, startRedisServer } from '../support/redis-server.js';
import { sleep, waitUntil } from '../support/wait.js';

const logger = pino({ level: 'silent' });
const LEASE_MS = 400;

/** The Slack ts of a message written `agoMs` ago. */
const tsAgo = (agoMs: number) => ((Date.now() - agoMs) / 1000).toFixed(6);

describe('settleWait', () => {
  it('waits out what is left of the settle window after the message was written, never more', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(settleWait(((now - 10) / 1000).toFixed(6), now)).toBe(SETTLE_MS - 10);
    expect(settleWait(((now - 5000) / 1000).toFixed(6), now)).toBe(0);
    // A Slack clock ahead of ours delays a turn by the window at most.
    expect(settleWait(((now + 60_000) / 1000).toFixed(6), now)).toBe(SETTLE_MS);
    expect(settleWait('not-a-ts', now)).toBe(0);
  });
});

describe.skipIf(REDIS_SKIP_REASON !== undefined)('RedisCoordination on a real redis-server', () => {
  let redis: RedisServer;
  let a: RedisCoordination;
  let b: RedisCoordination;
  let prefix = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    [a, b] = await Promise.all([
      RedisCoordination.connect(redis.url, 'test', logger, { leaseMs: LEASE_MS }),
      RedisCoordination.connect(redis.url, 'test', logger, { leaseMs: LEASE_MS }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  const queue = () => `q${++prefix}`;

  it('keeps ordering turns after Redis forgets its scripts (a restarted server)', async () => {
    const q = queue();
    await a.inOrder(q, tsAgo(1000), async () => 'first');
    await a.client.scriptFlush();
    const order: string[] = [];
    await Promise.all([
      b.inOrder(q, tsAgo(20), async () => order.push('earlier')),
      a.inOrder(q, tsAgo(10), async () => order.push('later')),
    ]);
    expect(order).toEqual(['earlier', 'later']);
  });

  it('grants a claim to exactly one of many simultaneous callers on two connections, until it expires', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).claimOnce('event:E1', 300)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claimOnce('event:E2', 300)).toBe(true);
    await sleep(350);
    expect(await b.claimOnce('event:E1', 300)).toBe(true);
  });

  it('runs the turns of one queue from both instances one at a time, in position order', async () => {
    const q = queue();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task =
      (name: string, ms = 5) =>
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(name);
        await sleep(ms);
        running--;
        return name;
      };
    // The first turn holds the queue until every other turn has joined it, out of order and from both instances.
    let release: (() => void) | undefined;
    const first = a.inOrder(q, '1700000000.000100', () => new Promise<string>((r) => (release = () => r('first'))));
    await waitUntil(() => release !== undefined);
    const positions = ['1700000000.000600', '1700000000.000300', '1700000001.000000', '1700000000.000200'];
    const rest = positions.map((p, i) => (i % 2 === 0 ? b : a).inOrder(q, p, task(p)));
    await waitUntil(async () => (await a.client.zCard(`test:turns:{${q}}`)) === 5);
    release?.();
    expect(await Promise.all([first, ...rest])).toEqual(['first', ...positions]);
    expect(log).toEqual([...positions].sort());
    expect(maxRunning).toBe(1);
  });

  it('never makes different queues wait for each other', async () => {
    let release: () => void = () => {};
    const blocked = a.inOrder(queue(), '1', () => new Promise<void>((r) => (release = r)));
    const other = await Promise.race([b.inOrder(queue(), '2', async () => 'done'), sleep(300).then(() => 'waited')]);
    expect(other).toBe('done');
    release();
    await blocked;
  });

  it('goes on after a task fails', async () => {
    const q = queue();
    await expect(
      a.inOrder(q, '1', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(b.inOrder(q, '2', async () => 'next')).resolves.toBe('next');
  });

  it('starts the earlier of two turns written at once first, though it reaches its instance later', async () => {
    const q = queue();
    const log: string[] = [];
    const earlier = tsAgo(2);
    const later = tsAgo(1);
    const second = b.inOrder(q, later, async () => log.push('later'));
    await sleep(SETTLE_MS / 3);
    await a.inOrder(q, earlier, async () => log.push('earlier'));
    await second;
    expect(log).toEqual(['earlier', 'later']);
  });

  it('keeps the thread for a running turn when an earlier one arrives late', async () => {
    const q = queue();
    let running = 0;
    let maxRunning = 0;
    const task = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(50);
      running--;
    };
    const late = b.inOrder(q, '1700000000.000200', task);
    await sleep(10);
    await a.inOrder(q, '1700000000.000100', task);
    await late;
    expect(maxRunning).toBe(1);
  });

  it.each([
    ['waiting', false],
    ['running', true],
  ])(
    'skips a %s turn whose instance stopped renewing its lease (crashed), once the lease expires',
    async (_what, holding) => {
      const q = queue();
      // What a crashed instance leaves behind: its entry at the head, with a lease nobody renews.
      const key = `test:turns:{${q}}`;
      const dead = '000000000001.000000:dead:1';
      const lease = { expiration: { type: 'PX', value: LEASE_MS } } as const;
      await a.client.set(`${key}|${dead}`, '1', lease);
      await a.client.zAdd(key, { score: 0, value: dead });
      if (holding) await a.client.set(`${key}:holder`, dead, lease);
      const started = performance.now();
      const waited = await b.inOrder(q, '1700000000.000100', async () => performance.now() - started);
      expect(waited).toBeGreaterThanOrEqual(LEASE_MS - 50);
      expect(await a.client.zCard(key)).toBe(0);
      expect(await a.client.exists(`${key}:holder`)).toBe(0);
    },
  );

  it('keeps a running turn at the head while its lease is renewed, however long it takes', async () => {
    const q = queue();
    let secondStarted = 0;
    const firstDone = a.inOrder(q, '1', async () => {
      await sleep(LEASE_MS * 3);
      return performance.now();
    });
    await sleep(20);
    await b.inOrder(q, '2', async () => {
      secondStarted = performance.now();
    });
    expect(secondStarted).toBeGreaterThanOrEqual(await firstDone);
  });

  it('fails fast while Redis is down, closes without waiting for it, and works again once it is back', async () => {
    const closing = await RedisCoordination.connect(redis.url, 'test', logger);
    await redis.halt();
    try {
      const started = performance.now();
      await expect(a.ping()).rejects.toThrow();
      await expect(a.claimOnce('event:down', 1000)).rejects.toThrow();
      await expect(b.inOrder(queue(), '1', async () => 'ran')).rejects.toThrow();
      await closing.close();
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await redis.restart();
    }
    await waitUntil(() => a.ping().then(() => true), 10_000);
    await waitUntil(() => b.ping().then(() => true), 10_000);
    expect(await b.inOrder(queue(), '1', async () => 'ran')).toBe('ran');
  });

  it('rejects at start-up with the connection error when nothing listens', async () => {
    const port = await getFreePort();
    await expect(RedisCoordination.connect(`redis://127.0.0.1:${port}`, 'test', logger)).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
