import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type RedisClientType } from '@keyv/redis';
import type { Logger } from '../../platform/logger.js';
import { type Coordination, sortableTs } from './coordination.js';

/**
 * How long a turn's place in its queue, and its hold on the thread, outlive an instance that
 * stopped renewing them (crashed). With the re-check below, a crashed instance holds its thread
 * up for at most about 26 s (spec §5: 30 s).
 */
export const TURN_LEASE_MS = 25_000;
/** Waiting turns are woken by a message when a turn ends; this re-check only catches crashed owners. */
const RECHECK_MS = 500;
/**
 * Turns of one thread written at once may reach different instances in any order. A turn waits
 * until this long after its Slack timestamp (never longer than this after it arrived), so that
 * earlier turns still on their way join the queue first. Slack usually delivers an event
 * later than that after its message was written, so the wait is mostly over when it arrives.
 */
export const SETTLE_MS = 100;

/**
 * Puts ARGV[1] in the queue KEYS[1] (or keeps it there) with a lease of ARGV[2] ms. With ARGV[3]
 * = '1', also takes the thread (KEYS[2], with the same lease) when no turn holds it and ARGV[1]
 * is the head after dropping entries whose owner stopped renewing their lease. Answers 1 when
 * ARGV[1] holds the thread. A turn that runs keeps the thread even when an earlier one arrives
 * late. One script, so no other instance can interleave; every key shares the queue's hash tag.
 */
const TAKE_TURN = `
redis.call('SET', KEYS[1] .. '|' .. ARGV[1], '1', 'PX', ARGV[2])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
local holder = redis.call('GET', KEYS[2])
if holder then return holder == ARGV[1] and 1 or 0 end
if ARGV[3] ~= '1' then return 0 end
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == ARGV[1] then
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
    return 1
  end
  if redis.call('EXISTS', KEYS[1] .. '|' .. head) == 1 then return 0 end
  redis.call('ZREM', KEYS[1], head)
end`;

/** Extends the lease of ARGV[1] by ARGV[2] ms, and its hold on the thread when it has it. */
const RENEW_TURN = `
redis.call('PEXPIRE', KEYS[1] .. '|' .. ARGV[1], ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end`;

/** Takes ARGV[1] out of the queue, lets go of the thread, and announces it on channel ARGV[2]. */
const END_TURN = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[1] .. '|' .. ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[2], KEYS[1])`;

/**
 * Runs a Lua script by its SHA1 (`EVALSHA`), sending its text (`EVAL`, which caches it) only
 * when Redis does not know it yet (a restarted or new server): every turn runs three scripts,
 * and sending each script's text every time costs both sides more than the script itself.
 */
function luaScript(client: RedisClientType, source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (keys: string[], args: string[]) => {
    try {
      return await client.evalSha(sha, { keys, arguments: args });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(source, { keys, arguments: args });
    }
  };
}

/** How long a turn at `position` (a Slack ts) still waits for earlier turns to arrive: 0 to SETTLE_MS. */
export function settleWait(position: string, now = Date.now()): number {
  const writtenAt = Number(position) * 1000;
  if (!Number.isFinite(writtenAt)) return 0;
  return Math.min(SETTLE_MS, Math.max(0, writtenAt + SETTLE_MS - now));
}

/** A promise that settles when the queue is announced or RECHECK_MS pass, whichever is first. */
interface Wakeup {
  promise: Promise<void>;
  cancel(): void;
}

/**
 * Coordination shared by every instance on one Redis: an event claim is `SET NX PX`, and each
 * thread's turns wait in a sorted set until they are its head and the thread is free. A turn's
 * entry and hold live only while its instance renews their lease, so a crashed instance cannot
 * block a thread for long. A turn that ends announces it on a pub/sub channel, so waiting turns
 * start at once instead of polling.
 */
export class RedisCoordination implements Coordination {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly instance = randomBytes(4).toString('hex');
  private turnCounter = 0;
  private readonly takeTurn: ReturnType<typeof luaScript>;
  private readonly renewTurn: ReturnType<typeof luaScript>;
  private readonly endTurn: ReturnType<typeof luaScript>;

  private constructor(
    readonly client: RedisClientType,
    private readonly subscriber: RedisClientType,
    private readonly channel: string,
    private readonly prefix: string,
    private readonly logger: Logger,
    private readonly leaseMs: number,
  ) {
    this.takeTurn = luaScript(client, TAKE_TURN);
    this.renewTurn = luaScript(client, RENEW_TURN);
    this.endTurn = luaScript(client, END_TURN);
  }

  /**
   * Connects, or rejects with the first connection error: start-up must fail with one clear line.
   * `leaseMs` is only shortened by tests.
   */
  static async connect(
    url: string,
    prefix: string,
    logger: Logger,
    { leaseMs = TURN_LEASE_MS }: { leaseMs?: number } = {},
  ): Promise<RedisCoordination> {
    let connected = false;
    const client = createClient({
      url,
      // Commands fail at once while Redis is away instead of queueing: /healthz answers 503
      // promptly and a turn reports an error instead of hanging.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        reconnectStrategy: (retries, cause) => (connected ? Math.min(retries * 100, 2000) : cause),
      },
    }) as RedisClientType;
    // Before the first connection the error reaches the caller; logging it too would make two lines.
    client.on('error', (error: Error) => {
      if (connected) logger.warn({ err: error.message }, 'redis connection error');
    });
    await client.connect();
    connected = true;
    client.on('ready', () => logger.info('redis reconnected'));
    const subscriber = client.duplicate();
    subscriber.on('error', (error: Error) => logger.debug({ err: error.message }, 'redis subscriber error'));
    await subscriber.connect();
    const coordination = new RedisCoordination(client, subscriber, `${prefix}:turn-ended`, prefix, logger, leaseMs);
    await subscriber.subscribe(coordination.channel, (queue) => coordination.wake(queue));
    return coordination;
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.client.set(`${this.prefix}:claim:${key}`, '1', {
      condition: 'NX',
      expiration: { type: 'PX', value: ttlMs },
    });
    return reply === 'OK';
  }

  async inOrder<T>(queue: string, position: string, task: () => Promise<T>): Promise<T> {
    const keys = [`${this.prefix}:turns:{${queue}}`, `${this.prefix}:turns:{${queue}}:holder`];
    const member = `${sortableTs(position)}:${this.instance}:${++this.turnCounter}`;
    const renew = setInterval(() => {
      this.renewTurn(keys, [member, String(this.leaseMs)]).catch((error: Error) => {
        this.logger.warn({ err: error.message, queue }, 'turn lease not renewed');
      });
    }, this.leaseMs / 5);
    try {
      await this.untilHeld(keys, member, settleWait(position));
      return await task();
    } finally {
      clearInterval(renew);
      // When this fails (Redis away), the lease expires and the next turn goes on after it.
      await this.endTurn(keys, [member, this.channel]).catch((error: Error) =>
        this.logger.warn({ err: error.message, queue }, 'turn not released'),
      );
    }
  }

  /** Resolves once `member` holds the thread: it is the head of the queue and no other turn runs. */
  private async untilHeld(keys: string[], member: string, settleMs: number): Promise<void> {
    const take = (claim: boolean) => this.takeTurn(keys, [member, String(this.leaseMs), claim ? '1' : '0']);
    if (settleMs > 0) {
      await take(false);
      await sleep(settleMs);
    }
    const queueKey = keys[0] ?? '';
    for (;;) {
      // Listening before asking, so an announcement that arrives meanwhile is not missed.
      const wakeup = this.wakeup(queueKey);
      const held = await take(true).catch((error: unknown) => {
        wakeup.cancel();
        throw error;
      });
      if (held === 1) {
        wakeup.cancel();
        return;
      }
      await wakeup.promise;
    }
  }

  private wakeup(queueKey: string): Wakeup {
    let waiters = this.waiters.get(queueKey);
    if (waiters === undefined) {
      waiters = new Set();
      this.waiters.set(queueKey, waiters);
    }
    const set = waiters;
    let timer: NodeJS.Timeout | undefined;
    let wake: () => void = () => {};
    const promise = new Promise<void>((resolve) => {
      wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(queueKey) === set) this.waiters.delete(queueKey);
        resolve();
      };
    });
    timer = setTimeout(wake, RECHECK_MS);
    set.add(wake);
    return { promise, cancel: wake };
  }

  private wake(queueKey: string): void {
    for (const wake of [...(this.waiters.get(queueKey) ?? [])]) wake();
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.subscriber.close(), this.client.close()]);
  }
}
