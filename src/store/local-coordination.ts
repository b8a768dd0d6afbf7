import type { Keyv } from 'keyv';
import { type Coordination, LocalSequencer } from './coordination.js';

/**
 * Coordination for one instance (SQLite or memory store): claims are kept in the store
 * so they survive a restart, and made atomic by this process being their only writer.
 */
export class LocalCoordination implements Coordination {
  private readonly sequencer = new LocalSequencer();
  private readonly claiming = new Set<string>();

  constructor(private readonly keyv: Keyv) {}

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    if (this.claiming.has(key)) return false;
    this.claiming.add(key);
    try {
      if ((await this.keyv.get(`claim:${key}`)) !== undefined) return false;
      await this.keyv.set(`claim:${key}`, 1, ttlMs);
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
    await this.keyv.disconnect();
  }
}
