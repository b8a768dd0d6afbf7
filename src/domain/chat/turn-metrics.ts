import { PolyAIError } from '../../outbound/polyai/errors.js';
import type { Coordination } from '../../outbound/store/coordination.js';
import type { Metrics } from '../../platform/metrics.js';

/** How a user turn ended, the `outcome` label of `polychat_turns_total`. */
type TurnOutcome = 'answered' | 'ended' | 'upstream_error' | 'timeout' | 'slack_error';

/** The outcome of a turn that failed with `error`. */
function failedOutcome(error: unknown): TurnOutcome {
  if (!(error instanceof PolyAIError)) return 'slack_error';
  if (error.conversationEnded) return 'ended';
  return error.kind === 'timeout' ? 'timeout' : 'upstream_error';
}

/** Times one turn from the moment it leaves its thread's queue. */
export class TurnMeter {
  private readonly started = performance.now();

  constructor(private readonly metrics: Metrics) {}

  /** A turn that got its answer: counted, and its time split into PolyAI's and polychat's own. */
  answered(outcome: 'answered' | 'ended', polyaiMs: number): void {
    const totalMs = performance.now() - this.started;
    this.metrics.turns.inc({ outcome });
    this.metrics.turnPolyaiSeconds.observe(polyaiMs / 1000);
    this.metrics.turnOverheadSeconds.observe(Math.max(0, totalMs - polyaiMs) / 1000);
  }

  failed(error: unknown): void {
    this.metrics.turns.inc({ outcome: failedOutcome(error) });
  }
}

/**
 * `coordination.inOrder` for a turn, counted on this instance as queued until it starts and as
 * in flight while it runs.
 */
export async function queuedTurn<T>(
  metrics: Metrics,
  coordination: Coordination,
  queue: string,
  position: string,
  task: () => Promise<T>,
): Promise<T> {
  metrics.turnsQueued.inc();
  let started = false;
  try {
    return await coordination.inOrder(queue, position, async () => {
      started = true;
      metrics.turnsQueued.dec();
      metrics.turnsInFlight.inc();
      try {
        return await task();
      } finally {
        metrics.turnsInFlight.dec();
      }
    });
  } finally {
    if (!started) metrics.turnsQueued.dec();
  }
}
