import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { Keyv } from 'keyv';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalCoordination, MemoryClaims } from '../../src/outbound/store/local-coordination.js';
import { openStore } from '../../src/outbound/store/open-store.js';
import type { Session } from '../../src/outbound/store/records.js';
import { StateStore } from '../../src/outbound/store/state-store.js';
import type { KeyValue, StoreEntry } from '../../src/outbound/store/write-through-cache.js';
import { REDIS_SKIP_REASON, startRedisServer } from '../support/redis-server.js';

const logger = pino({ level: 'silent' });
const session: Session = {
  channel: 'C1',
  threadTs: '1700000000.000100',
  agentId: 'agent-1',
  clientEnv: 'sandbox',
  details: false,
  conversationId: 'conv-1',
  startedBy: 'U1',
  startedAt: '2026-01-01T00:00:00Z',
  turns: 0,
};

/** Keyv in memory, recording every write the store makes. */
class Recorded implements KeyValue {
  readonly writes: StoreEntry[][] = [];
  private readonly keyv = new Keyv();
  get<T>(key: string) {
    return this.keyv.get<T>(key);
  }
  async set(key: string, value: unknown, ttl?: number) {
    this.writes.push([{ key, value, ...(ttl !== undefined && { ttl }) }]);
    return this.keyv.set(key, value, ttl);
  }
  async setMany(entries: StoreEntry[]) {
    this.writes.push(entries);
    return this.keyv.setMany(entries);
  }
  delete(key: string) {
    return this.keyv.delete(key);
  }
  disconnect() {
    return this.keyv.disconnect();
  }
}

/** One turn as DebugChats writes it: the user's and the agent's message, the session, a transcript turn. */
async function turn(store: StateStore, n: number): Promise<void> {
  const current = (await store.session(session)) ?? session;
  const batch = store.batch(current);
  const ref = { agentId: 'agent-1', conversationId: 'conv-1', turn: n };
  batch.rememberMessageTurn('C1', `1700000001.${n}`, { ...ref, role: 'user' });
  batch.rememberMessageTurn('C1', `1700000002.${n}`, { ...ref, role: 'agent' });
  batch.saveSession({ ...current, turns: n });
  batch.appendTranscript([{ user: `turn ${n}`, replies: [`answer ${n}`] }]);
  await batch.commit();
}

describe('StateStore', () => {
  it('writes a turn in one write whose size does not grow with the thread, and reads the transcript back in order', async () => {
    const keyv = new Recorded();
    const store = new StateStore(keyv, new LocalCoordination(keyv, new MemoryClaims()));
    for (let n = 1; n <= 30; n++) await turn(store, n);
    expect(keyv.writes).toHaveLength(30);
    expect(new Set(keyv.writes.map((w) => w.length))).toEqual(new Set([4]));
    expect(JSON.stringify(keyv.writes.at(-1)).length).toBeLessThan(2 * JSON.stringify(keyv.writes[0]).length);
    const transcript = await store.transcript(session);
    expect(transcript.map((t) => t.user)).toEqual(Array.from({ length: 30 }, (_, i) => `turn ${i + 1}`));
    expect((await store.session(session))?.turns).toBe(30);
  });

  it('keeps a session and its transcript across a restart on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polychat-state-'));
    try {
      const url = `sqlite://${join(dir, 'state.sqlite')}`;
      const first = await openStore(url, logger);
      for (let n = 1; n <= 3; n++) await turn(first, n);
      expect(await first.claimEvent('Ev1')).toBe(true);
      await first.close();
      const again = await openStore(url, logger);
      expect((await again.transcript(session)).map((t) => t.replies[0])).toEqual(['answer 1', 'answer 2', 'answer 3']);
      expect(await again.claimEvent('Ev1')).toBe(false);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(REDIS_SKIP_REASON !== undefined)('StateStore on Redis', () => {
  const servers: { stop(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('gives every record that has a lifetime a Redis expiry, batched writes included', async () => {
    const redis = await startRedisServer();
    servers.push(redis);
    const store = await openStore(redis.url, logger);
    await turn(store, 1);
    await store.updateChannelDefaults('C1', { agentId: 'agent-1' });
    expect(await store.claimEvent('Ev1')).toBe(true);
    await store.close();
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const keys = await client.keys('*');
      expect(keys.length).toBeGreaterThanOrEqual(6);
      for (const key of keys) {
        const ttl = await client.pTTL(key);
        // Channel defaults are the one record kept until changed.
        if (key.includes('channel:')) expect(ttl, key).toBe(-1);
        else expect(ttl, key).toBeGreaterThan(0);
      }
    } finally {
      await client.close();
    }
  });
});
