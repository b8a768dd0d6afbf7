import { type Coordination, LocalSequencer } from './coordination.js';
import type { KeyValue } from './write-through-cache.js';

/** Where one instance keeps its claims: checking and taking one is a single synchronous step. */
export interface ClaimLedger {
  /** True for the first caller to claim `key` within `ttlMs`, false for every later one. */
  claim(key: string, ttlMs: number): boolean;
}

/** Claims of the memory store, lost with the process as everything else in it. */
export class MemoryClaims implements ClaimLedger {
  private readonly expiries = new Map<string, number>();

  claim(key: string, ttlMs: number): boolean {
    const now = Date.now();
    if ((this.expiries.get(key) ?? 0) > now) return false;
    this.expiries.set(key, now + ttlMs);
    return true;
  }
}

/**
 * Coordination for one instance (SQLite or memory store): this process is the only writer, so a
 * claim is atomic without a lock, and with SQLite it survives a restart.
 */
export class LocalCoordination implements Coordination {
  private readonly sequencer = new LocalSequencer();

  constructor(
    private readonly keyv: KeyValue,
    private readonly claims: ClaimLedger,
  ) {}

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.claims.claim(key, ttlMs);
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
