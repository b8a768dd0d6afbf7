import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keyvTestSuite, { keyvIteratorTests } from '@keyv/test-suite';
import Database from 'better-sqlite3';
import { Keyv } from 'keyv';
import * as vitest from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/outbound/store/sqlite-store.js';
import { waitUntil } from '../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'polychat-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.sqlite`);

describe('SqliteStore passes keyv’s own adapter suite', () => {
  const path = freshPath();
  keyvTestSuite(vitest, Keyv, () => new SqliteStore(path));
  keyvIteratorTests(vitest, Keyv, () => new SqliteStore(path));
});

/** A clock the test moves by hand. */
function clock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('SqliteStore', () => {
  it('keeps what was written across a reopen (a restart), claims included', async () => {
    const path = freshPath();
    const first = new SqliteStore(path);
    await new Keyv({ store: first, namespace: 'p' }).set('session:1', { turns: 3 });
    expect(first.claim('event:E1', 60_000)).toBe(true);
    await first.disconnect();
    const again = new SqliteStore(path);
    expect(await new Keyv({ store: again, namespace: 'p' }).get('session:1')).toEqual({ turns: 3 });
    expect(again.claim('event:E1', 60_000)).toBe(false);
    expect(again.claim('event:E2', 60_000)).toBe(true);
    await again.disconnect();
  });

  it('copies the write-ahead log into the database file from its own thread, and keeps everything', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    const keyv = new Keyv({ store, namespace: 'p' });
    const emptySize = statSync(path).size;
    // Enough writes for the checkpoint thread to start, and more pages than one.
    for (let i = 0; i < 300; i++) await keyv.set(`turn:${i}`, { text: 'x'.repeat(2000), i });
    // Only a checkpoint writes pages into the main file: SQLite's own automatic one is off by now.
    await waitUntil(() => statSync(path).size > emptySize + 300 * 2000, 5000, 50, 'a checkpoint');
    await store.disconnect();
    const again = new SqliteStore(path);
    expect(await new Keyv({ store: again, namespace: 'p' }).get('turn:299')).toEqual({
      text: 'x'.repeat(2000),
      i: 299,
    });
    await again.disconnect();
  });

  it('starts the write-ahead log over while writes never stop, so it does not grow without end', async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { restartFrames: 200 });
    const keyv = new Keyv({ store, namespace: 'p' });
    // The log's header counts the times it was started over (its checkpoint sequence number).
    const restarts = () => {
      const header = Buffer.alloc(16);
      const fd = openSync(`${path}-wal`, 'r');
      readSync(fd, header, 0, 16, 0);
      closeSync(fd);
      return header.readUInt32BE(12);
    };
    let first: number | undefined;
    const started = Date.now();
    // A busy instance: writes every few milliseconds, so a PASSIVE checkpoint never catches up.
    for (let i = 0; Date.now() - started < 2500; i++) {
      await Promise.all(Array.from({ length: 5 }, (_, k) => keyv.set(`r:${i}:${k}`, 'x'.repeat(2000))));
      first ??= restarts();
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(restarts()).toBeGreaterThan(first ?? 0);
    await store.disconnect();
  });

  it('writes a batch in one transaction', async () => {
    const path = freshPath();
    const store = new SqliteStore(path);
    const keyv = new Keyv({ store, namespace: 'p' });
    await keyv.setMany([
      { key: 'a', value: 1 },
      { key: 'b', value: 2, ttl: 60_000 },
    ]);
    expect(await keyv.get(['a', 'b'])).toEqual([1, 2]);
    await store.disconnect();
  });

  it('deletes expired records and claims on its schedule, and keeps the rest', async () => {
    const time = clock();
    const path = freshPath();
    const store = new SqliteStore(path, { now: time.now, sweepIntervalMs: 20 });
    const keyv = new Keyv({ store, namespace: 'p' });
    await keyv.set('event-claim-like', 1, 1000);
    await keyv.set('trace', { turn: 1 }, 60_000);
    await keyv.set('channel-defaults', { agentId: 'a' });
    expect(store.claim('event:E1', 1000)).toBe(true);
    expect(store.claim('event:E2', 60_000)).toBe(true);
    const rows = () =>
      new Database(path, { readonly: true })
        .prepare<[], { key: string }>('SELECT key FROM keyv UNION ALL SELECT key FROM claims ORDER BY 1')
        .all()
        .map((r) => r.key);
    await vitest.vi.waitFor(() => expect(rows()).toHaveLength(5));

    time.advance(1001);
    // The schedule, not a read, takes them away.
    await vitest.vi.waitFor(() => expect(rows()).toEqual(['event:E2', 'p:channel-defaults', 'p:trace']), 2000);
    // An expired claim may be taken again.
    expect(store.claim('event:E1', 1000)).toBe(true);

    time.advance(60_000);
    await vitest.vi.waitFor(() => expect(rows()).toEqual(['p:channel-defaults']), 2000);
    expect(await keyv.get('channel-defaults')).toEqual({ agentId: 'a' });
    await store.disconnect();
  });

  it('sweeps records of a file written by @keyv/sqlite, whose expiry was inside the value', async () => {
    const path = freshPath();
    const old = new Database(path);
    old.exec('CREATE TABLE keyv (key VARCHAR(255) PRIMARY KEY, value TEXT)');
    old
      .prepare('INSERT INTO keyv VALUES (?, ?), (?, ?)')
      .run('p:old', JSON.stringify({ value: 1, expires: 1000 }), 'p:kept', JSON.stringify({ value: 2 }));
    old.close();
    const store = new SqliteStore(path, { now: () => 5000, sweepIntervalMs: 0 });
    const keyv = new Keyv({ store, namespace: 'p' });
    expect(await keyv.get('kept')).toBe(2);
    expect(await store.has('p:old')).toBe(false);
    await store.disconnect();
  });
});
