import { type Coordination, LocalSequencer } from './coordination.js';
import type { KeyValue } from './write-through-cache.js';

/**
 * Coordination for one instance (SQLite or memory store): claims are kept in the store
 * so they survive a restart, and made atomic by this process being their only writer.
 */
export class LocalCoordination implements Coordination {
  private readonly sequencer = new LocalSequencer();
  private readonly claiming = new Set<string>();
  private readonly writes = new Set<Promise<unknown>>();

  /** `keyv` should be a WriteThroughCache, so a claim is seen the moment it is made. */
  constructor(private readonly keyv: KeyValue) {}

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    if (this.claiming.has(key)) return false;
    this.claiming.add(key);
    try {
      if ((await this.keyv.get(`claim:${key}`)) !== undefined) return false;
      // The event need not wait for the disk: the claim is cached at once, and close() waits for the write.
      const write = this.keyv.set(`claim:${key}`, 1, ttlMs).catch(() => {});
      this.writes.add(write);
      void write.then(() => this.writes.delete(write));
      return true;
    } finally {
      this.claiming.delete(key);
    }
  }

  inOrder<T>(queue: string, position: string, task: () => Promise<T>): Promise<T> {
    return this.sequencer.inOrder(queue, position, task);
  }

  async ping(): Promise<void> {
    await this.keyv.get('ping');
  }

  async close(): Promise<void> {
    await Promise.all(this.writes);
    await this.keyv.disconnect();
  }
}
