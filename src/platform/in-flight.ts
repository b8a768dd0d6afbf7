/** How long SIGTERM waits for turns in flight before exiting anyway. */
export const DRAIN_TIMEOUT_MS = 25_000;

/**
 * The work an instance has accepted and not finished (turns, uploads), so that SIGTERM can
 * wait for it instead of dropping what users wrote.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();
  private draining = false;

  get size(): number {
    return this.running.size;
  }

  get closing(): boolean {
    return this.draining;
  }

  /** The instance is going away: readiness says so from now on, and replays stop at their next turn. */
  close(): void {
    this.draining = true;
  }

  /** Runs `work`, remembering it until it settles. Rejections are the caller's to handle. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    const forget = () => this.running.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Waits for everything tracked (including work started while waiting), up to `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }
}
