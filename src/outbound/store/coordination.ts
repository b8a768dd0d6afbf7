/**
 * What several handlers (and, on Redis, several instances) must agree on:
 * that an event is handled once, and that the turns of one thread run one at a time, in order.
 */
export interface Coordination {
  /** True for the first caller to claim `key` within `ttlMs`, false for every later one. */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Runs `task` when every task of `queue` with a lower `position` has run, and no other
   * task of `queue` is running. Different queues never wait for each other.
   */
  inOrder<T>(queue: string, position: string, task: () => Promise<T>): Promise<T>;
  /** Resolves when the backing store answers; rejects when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A Slack ts ("1700000000.000100") as a fixed-width string, so that lexical order is time order. */
export function sortableTs(ts: string): string {
  const [whole = '', fraction = ''] = ts.split('.');
  return `${whole.padStart(12, '0')}.${fraction.padEnd(6, '0')}`;
}

/** Orders Slack timestamps without floating-point loss. */
export function compareTs(a: string, b: string): number {
  const [x, y] = [sortableTs(a), sortableTs(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

interface Waiting {
  position: string;
  start: () => void;
}

/**
 * In-process ordering for one instance: each queue is a list kept sorted by position,
 * so turns that arrive at once still run in the order they were written.
 */
export class LocalSequencer {
  private readonly queues = new Map<string, { running: boolean; waiting: Waiting[] }>();

  async inOrder<T>(queue: string, position: string, task: () => Promise<T>): Promise<T> {
    let state = this.queues.get(queue);
    if (state === undefined) {
      state = { running: false, waiting: [] };
      this.queues.set(queue, state);
    }
    const entry = state;
    await new Promise<void>((start) => {
      const at = entry.waiting.findIndex((w) => compareTs(position, w.position) < 0);
      entry.waiting.splice(at === -1 ? entry.waiting.length : at, 0, { position, start });
      // Let the other handlers of a burst enqueue before the first one starts.
      setImmediate(() => this.next(queue));
    });
    try {
      return await task();
    } finally {
      entry.running = false;
      this.next(queue);
    }
  }

  private next(queue: string): void {
    const state = this.queues.get(queue);
    if (state === undefined || state.running) return;
    const first = state.waiting.shift();
    if (first === undefined) {
      this.queues.delete(queue);
      return;
    }
    state.running = true;
    first.start();
  }
}
