import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/** How often expired records are deleted by default. */
export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface SqliteStoreOptions {
  /** Expired records are deleted this often (0: only when `sweep()` is called). */
  sweepIntervalMs?: number;
  /** The clock expiries are judged by; tests pass a controllable one. */
  now?: () => number;
}

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
  private readonly sql;
  private readonly writeMany: (entries: { key: string; value: string; ttl?: number }[]) => void;

  constructor(path: string, { sweepIntervalMs = SWEEP_INTERVAL_MS, now = Date.now }: SqliteStoreOptions = {}) {
    super();
    this.opts = { dialect: 'sqlite', url: `sqlite://${path}` };
    this.now = now;
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
    this.writeMany = this.db.transaction((entries: { key: string; value: string; ttl?: number }[]) => {
      for (const { key, value, ttl } of entries) this.sql.set.run(key, value, this.expiry(ttl));
    });
    if (sweepIntervalMs > 0) {
      this.sweeper = setInterval(() => this.sweepLogged(), sweepIntervalMs);
      this.sweeper.unref();
    }
    this.sweep();
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.sql.get.get(key)?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return keys.map((key) => this.sql.get.get(key)?.value as StoredData<Value | undefined>);
  }

  async has(key: string): Promise<boolean> {
    return this.sql.get.get(key) !== undefined;
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    this.sql.set.run(key, value, this.expiry(ttl));
    return true;
  }

  /** One transaction for all of them: a turn's records are written together, or not at all. */
  async setMany(entries: { key: string; value: string; ttl?: number }[]): Promise<void> {
    this.writeMany(entries);
  }

  async delete(key: string): Promise<boolean> {
    return this.sql.delete.run(key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let deleted = false;
    for (const key of keys) deleted = this.sql.delete.run(key).changes > 0 || deleted;
    return deleted;
  }

  async clear(): Promise<void> {
    this.sql.clear.run(this.pattern(this.namespace));
  }

  async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
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
   * Claims `key` for `ttlMs`: true for the first caller, false while the claim lasts. Atomic,
   * as SQLite runs one statement at a time, and durable the moment it answers.
   */
  claim(key: string, ttlMs: number): boolean {
    const now = this.now();
    return this.sql.claim.run(key, now + ttlMs, now).changes > 0;
  }

  /** Deletes expired records and claims; answers how many went. */
  sweep(): number {
    const now = this.now();
    return this.sql.sweepRecords.run(now).changes + this.sql.sweepClaims.run(now).changes;
  }

  async disconnect(): Promise<void> {
    clearInterval(this.sweeper);
    this.db.close();
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
