import type { KeyValue, StoreEntry } from './write-through-cache.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** One kind of record in the store: its own key prefix, value type and lifetime. */
export class Collection<T> {
  constructor(
    private readonly keyv: KeyValue,
    private readonly prefix: string,
    private readonly ttlMs?: number,
  ) {}

  async get(id: string): Promise<T | undefined> {
    return (await this.keyv.get<T>(`${this.prefix}:${id}`)) ?? undefined;
  }

  async set(id: string, value: T): Promise<void> {
    await this.keyv.set(`${this.prefix}:${id}`, value, this.ttlMs);
  }

  /** The write of `value`, for a batch. */
  entry(id: string, value: T): StoreEntry {
    return { key: `${this.prefix}:${id}`, value, ...(this.ttlMs !== undefined && { ttl: this.ttlMs }) };
  }

  async delete(id: string): Promise<void> {
    await this.keyv.delete(`${this.prefix}:${id}`);
  }
}
