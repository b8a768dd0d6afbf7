import { createClient, type RedisClientType } from '@keyv/redis';
import type { Logger } from '../logger.js';
import type { Coordination } from './coordination.js';

/** How long a turn's place in its queue outlives an instance that stopped renewing it (spec §5). */
export const TURN_LEASE_MS = 30_000;
const RENEW_MS = TURN_LEASE_MS / 3;
const POLL_MS = [2, 5, 10, 20, 40];

/**
 * The head of a thread's queue, after dropping entries whose owner stopped renewing them
 * (crashed); 1 when it is ARGV[1], else 0. One script, so no other instance can interleave.
 */
const IS_HEAD = `
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not head then return 0 end
  if redis.call('EXISTS', KEYS[1] .. '|' .. head) == 1 then return head == ARGV[1] and 1 or 0 end
  redis.call('ZREM', KEYS[1], head)
end`;

/** A Slack ts as a fixed-width string, so that Redis's lexical order is time order. */
function sortable(ts: string): string {
  const [whole = '', fraction = ''] = ts.split('.');
  return `${whole.padStart(12, '0')}.${fraction.padEnd(6, '0')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Coordination shared by every instance on one Redis: an event claim is `SET NX PX`, and each
 * thread's turns wait in a sorted set until they are its head. A turn's entry lives only while
 * its instance renews a lease key, so a crashed instance holds a thread up for at most 30 s.
 */
export class RedisCoordination implements Coordination {
  private constructor(
    readonly client: RedisClientType,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  static async connect(url: string, prefix: string, logger: Logger): Promise<RedisCoordination> {
    const client = createClient({
      url,
      socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(retries * 100, 2000) },
    }) as RedisClientType;
    client.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
    await client.connect();
    return new RedisCoordination(client, prefix, logger);
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.client.set(`${this.prefix}:claim:${key}`, '1', {
      condition: 'NX',
      expiration: { type: 'PX', value: ttlMs },
    });
    return reply === 'OK';
  }

  async inOrder<T>(queue: string, position: string, task: () => Promise<T>): Promise<T> {
    const queueKey = `${this.prefix}:turns:${queue}`;
    const member = `${sortable(position)}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
    const leaseKey = `${queueKey}|${member}`;
    await this.client
      .multi()
      .set(leaseKey, '1', { expiration: { type: 'PX', value: TURN_LEASE_MS } })
      .zAdd(queueKey, { score: 0, value: member })
      .exec();
    const renew = setInterval(() => {
      this.client.pExpire(leaseKey, TURN_LEASE_MS).catch((error: Error) => {
        this.logger.warn({ err: error.message, queue }, 'turn lease not renewed');
      });
    }, RENEW_MS);
    try {
      for (let i = 0; ; i++) {
        const head = await this.client.eval(IS_HEAD, { keys: [queueKey], arguments: [member] });
        if (head === 1) break;
        await sleep(POLL_MS[Math.min(i, POLL_MS.length - 1)] ?? 40);
      }
      return await task();
    } finally {
      clearInterval(renew);
      await this.client.multi().zRem(queueKey, member).del(leaseKey).exec();
    }
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await this.client.quit();
  }
}
