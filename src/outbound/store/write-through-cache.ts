/** The part of keyv that the store uses, so a cache can stand in front of it. */
export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<unknown>;
  /** Writes every entry at once (one transaction on SQLite, one round trip on Redis). */
  setMany(entries: StoreEntry[]): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  disconnect(): Promise<void>;
}

/** One record to write: its key, value and lifetime. */
export interface StoreEntry {
  key: string;
  value: unknown;
  ttl?: number;
}

interface Entry {
  /** The value as JSON: parsing it is the cheapest deep copy (store values are JSON already). */
  json: string;
  expires: number;
}

/**
 * For a store that only this process writes (SQLite, memory): reads of recent records come from
 * memory and every write still goes to the store, so a restart loses nothing. It takes a few
 * store round trips off each turn's path. Values are kept as JSON and parsed on the way out, so
 * callers can't change what is cached. Never used with Redis, where other instances write too.
 */
export class WriteThroughCache implements KeyValue {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: KeyValue,
    private readonly maxEntries = 10_000,
  ) {}

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expires > Date.now()) {
      // Re-inserted so that the least recently used entries are the first to go.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return JSON.parse(entry.json) as T;
    }
    this.entries.delete(key);
    const value = await this.store.get<T>(key);
    if (value !== undefined) this.remember(key, value, Number.POSITIVE_INFINITY);
    return value;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<unknown> {
    this.remember(key, value, expiresAt(ttlMs));
    return this.store.set(key, value, ttlMs);
  }

  async setMany(entries: StoreEntry[]): Promise<unknown> {
    for (const { key, value, ttl } of entries) this.remember(key, value, expiresAt(ttl));
    return this.store.setMany(entries);
  }

  async delete(key: string): Promise<unknown> {
    this.entries.delete(key);
    return this.store.delete(key);
  }

  disconnect(): Promise<void> {
    return this.store.disconnect();
  }

  private remember(key: string, value: unknown, expires: number): void {
    this.entries.delete(key);
    this.entries.set(key, { json: JSON.stringify(value), expires });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

const expiresAt = (ttlMs: number | undefined) => (ttlMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlMs);
