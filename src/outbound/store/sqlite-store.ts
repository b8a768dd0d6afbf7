import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/** How often expired records are deleted by default. */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface SqliteStoreOptions {
  /** Expired records are deleted this often (0: only when `sweep()` is called). */
  sweepIntervalMs?: number;
  /** The clock expiries are judged by; tests pass a controllable one. */
  now?: () => number;
  /** Log pages after which the checkpoint thread starts the log over (see CHECKPOINTER). */
  restartFrames?: number;
}

/** How often the write-ahead log is copied into the database file. */
export const CHECKPOINT_INTERVAL_MS = 500;
/** Until then SQLite checkpoints by itself: short-lived stores (tools, tests) never start a thread. */
const WRITES_BEFORE_CHECKPOINTER = 100;

/**
 * Copies the write-ahead log into the database file from a thread of its own, on its own
 * connection. SQLite would otherwise do it inside a commit on the main thread every thousand
 * pages, and wait there for the disk to sync (measured here: about 0.3 ms a turn on average,
 * in stalls of several milliseconds). `PASSIVE` never blocks the main thread's writes; but
 * while they keep coming the log never empties, so SQLite never starts it over and it grows.
 * Once it holds RESTART_FRAMES, a `RESTART` follows the `PASSIVE` one: little is left to copy
 * by then, so the main thread's writes wait only for that and one sync, and the log starts
 * over (cut back to JOURNAL_LIMIT_BYTES on disk).
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 5000 });
db.pragma('journal_size_limit = ' + workerData.journalLimitBytes);
const checkpoint = () => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive && passive.log >= workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch {
    // Busy or a full disk: the next round tries again.
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;
/** Log pages (4 KiB each) after which the checkpoint thread starts the log over, by default. */
const RESTART_FRAMES = 4000;
const JOURNAL_LIMIT_BYTES = 64 * 1024 * 1024;

interface Row {
  key: string;
  value: string;
}

/**
 * A keyv store on better-sqlite3. Statements are prepared once and run synchronously, which
 * costs a few microseconds each, where `@keyv/sqlite` prepares a new statement and crosses to a
 * thread pool for every call. Rows keep their expiry in a column, so expired ones are deleted on
 * a schedule (keyv itself only drops an expired record when it is read). Event claims have their
 * own table: one `INSERT` both checks and takes a claim.
 */
export class SqliteStore extends EventEmitter implements KeyvStoreAdapter {
  /** keyv reads `dialect` and `url` to know the store can iterate. */
  opts: { dialect: 'sqlite'; url: string };
  namespace?: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private checkpointer: Worker | undefined;
  /** Writes until the checkpoint thread starts (a store that writes little never needs one). */
  private writesBeforeCheckpointer = WRITES_BEFORE_CHECKPOINTER;
  private readonly path: string;
  private readonly sql;
  private readonly commit: (writes: Array<() => void>) => void;
  /** Writes waiting for the end of this turn of the event loop, to be committed together. */
  private writes: Array<() => void> = [];
  private settle: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Claims taken and not committed yet: they count as taken. */
  private readonly claimsToWrite = new Map<string, number>();

  private readonly restartFrames: number;

  constructor(
    path: string,
    { sweepIntervalMs = SWEEP_INTERVAL_MS, now = Date.now, restartFrames = RESTART_FRAMES }: SqliteStoreOptions = {},
  ) {
    super();
    this.opts = { dialect: 'sqlite', url: `sqlite://${path}` };
    this.now = now;
    this.path = path;
    this.restartFrames = restartFrames;
    this.db = new Database(path, { timeout: 5000 });
    // A write-ahead log commits without waiting for the disk on every write; a power cut may
    // lose the last moments, never the file.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // The table of @keyv/sqlite, so files written before go on being read; `expires` is new.
    this.db.exec('CREATE TABLE IF NOT EXISTS keyv (key VARCHAR(255) PRIMARY KEY, value TEXT)');
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(keyv)').all();
    if (!columns.some((c) => c.name === 'expires')) {
      this.db.exec('ALTER TABLE keyv ADD COLUMN expires INTEGER');
      // keyv kept each record's expiry inside its value; the column takes it from there.
      this.db.exec(
        "UPDATE keyv SET expires = json_extract(value, '$.expires') WHERE json_valid(value) AND json_type(value, '$.expires') = 'integer'",
      );
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS keyv_expires ON keyv (expires) WHERE expires IS NOT NULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires INTEGER NOT NULL)');
    this.db.exec('CREATE INDEX IF NOT EXISTS claims_expires ON claims (expires)');
    this.sql = {
      get: this.db.prepare<[string], { value: string }>('SELECT value FROM keyv WHERE key = ?'),
      claimed: this.db.prepare<[string], { expires: number }>('SELECT expires FROM claims WHERE key = ?'),
      set: this.db.prepare<[string, string, number | null]>(
        'INSERT INTO keyv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
      ),
      delete: this.db.prepare<[string]>('DELETE FROM keyv WHERE key = ?'),
      clear: this.db.prepare<[string]>("DELETE FROM keyv WHERE key LIKE ? ESCAPE '\\'"),
      page: this.db.prepare<[string, string, number], Row>(
        "SELECT key, value FROM keyv WHERE key LIKE ? ESCAPE '\\' AND key > ? ORDER BY key LIMIT ?",
      ),
      claim: this.db.prepare<[string, number, number]>(
        'INSERT INTO claims (key, expires) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET expires = excluded.expires WHERE claims.expires <= ?',
      ),
      sweepRecords: this.db.prepare<[number]>('DELETE FROM keyv WHERE expires IS NOT NULL AND expires <= ?'),
      sweepClaims: this.db.prepare<[number]>('DELETE FROM claims WHERE expires <= ?'),
    };
    this.commit = this.db.transaction((writes: Array<() => void>) => {
      for (const write of writes) write();
    });
    if (sweepIntervalMs > 0) {
      this.sweeper = setInterval(() => this.sweepLogged(), sweepIntervalMs);
      this.sweeper.unref();
    }
    this.sweep();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    this.flush();
    return this.sql.get.get(key)?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    this.flush();
    return keys.map((key) => this.sql.get.get(key)?.value as StoredData<Value | undefined>);
  }

  async has(key: string): Promise<boolean> {
    this.flush();
    return this.sql.get.get(key) !== undefined;
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    const expires = this.expiry(ttl);
    await this.write(() => this.sql.set.run(key, value, expires));
    return true;
  }

  /** In one transaction: a turn's records are written together, or not at all. */
  async setMany(entries: { key: string; value: string; ttl?: number }[]): Promise<void> {
    const rows = entries.map(({ key, value, ttl }) => [key, value, this.expiry(ttl)] as const);
    await this.write(() => {
      for (const row of rows) this.sql.set.run(...row);
    });
  }

  async delete(key: string): Promise<boolean> {
    this.flush();
    return this.sql.delete.run(key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    this.flush();
    let deleted = false;
    for (const key of keys) deleted = this.sql.delete.run(key).changes > 0 || deleted;
    return deleted;
  }

  async clear(): Promise<void> {
    this.flush();
    this.sql.clear.run(this.pattern(this.namespace));
  }

  async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    this.flush();
    const pattern = this.pattern(namespace);
    for (let after = ''; ; ) {
      const rows = this.sql.page.all(pattern, after, 100);
      for (const row of rows) yield [row.key, row.value as Awaited<Value>];
      const last = rows.at(-1);
      if (last === undefined) return;
      after = last.key;
    }
  }

  /**
   * Claims `key` for `ttlMs`: true for the first caller, false while the claim lasts. Atomic, as
   * this process is the only writer and the check and the taking are one synchronous step; the
   * claim is committed with the other writes of this turn of the event loop.
   */
  claim(key: string, ttlMs: number): boolean {
    const now = this.now();
    const taken = this.claimsToWrite.get(key) ?? this.sql.claimed.get(key)?.expires;
    if (taken !== undefined && taken > now) return false;
    const expires = now + ttlMs;
    this.claimsToWrite.set(key, expires);
    void this.write(() => {
      this.sql.claim.run(key, expires, now);
      this.claimsToWrite.delete(key);
    }).catch((error: unknown) => this.emit('error', error));
    return true;
  }

  /**
   * Queues a write for the end of this turn of the event loop: the writes queued meanwhile (by
   * every thread under way) are committed in one transaction, as SQLite's cost is per commit
   * far more than per row. Resolves once committed; rejects, with all of them, when it fails.
   */
  private write(write: () => void): Promise<void> {
    this.counted();
    if (this.writes.length === 0) setImmediate(() => this.flush());
    this.writes.push(write);
    return new Promise((resolve, reject) => this.settle.push({ resolve, reject }));
  }

  /** Commits the queued writes now (before a read, so reads see every write made before them). */
  private flush(): void {
    if (this.writes.length === 0) return;
    const writes = this.writes;
    const settle = this.settle;
    this.writes = [];
    this.settle = [];
    try {
      this.commit(writes);
    } catch (error) {
      for (const { reject } of settle) reject(error);
      return;
    }
    for (const { resolve } of settle) resolve();
  }

  /** Deletes expired records and claims; answers how many went. */
  sweep(): number {
    this.flush();
    const now = this.now();
    return this.sql.sweepRecords.run(now).changes + this.sql.sweepClaims.run(now).changes;
  }

  async disconnect(): Promise<void> {
    clearInterval(this.sweeper);
    this.flush();
    if (this.checkpointer !== undefined) {
      const stopped = new Promise((resolve) => this.checkpointer?.once('exit', resolve));
      this.checkpointer.postMessage('stop');
      await stopped;
    }
    this.db.close();
  }

  /** Counts a write; at the threshold, checkpoints move to their own thread. */
  private counted(): void {
    if (this.writesBeforeCheckpointer === 0 || --this.writesBeforeCheckpointer > 0 || this.path === ':memory:') return;
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.pragma(`journal_size_limit = ${JOURNAL_LIMIT_BYTES}`);
    this.checkpointer = new Worker(CHECKPOINTER, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.path,
        intervalMs: CHECKPOINT_INTERVAL_MS,
        restartFrames: this.restartFrames,
        journalLimitBytes: JOURNAL_LIMIT_BYTES,
      },
    });
    this.checkpointer.on('error', (error) => this.emit('error', error));
    this.checkpointer.unref();
  }

  private sweepLogged(): void {
    try {
      this.sweep();
    } catch (error) {
      // A busy or full disk: the next sweep tries again.
      this.emit('error', error);
    }
  }

  private expiry(ttl: number | undefined): number | null {
    return typeof ttl === 'number' && ttl > 0 ? this.now() + ttl : null;
  }

  /** A LIKE pattern for the keys of `namespace` (every key when undefined). */
  private pattern(namespace: string | undefined): string {
    return namespace === undefined ? '%' : `${namespace.replace(/[\\%_]/g, '\\$&')}:%`;
  }
}
