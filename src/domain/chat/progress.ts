import type { SlackPoster } from '../../outbound/slack/poster.js';

const STATUS = 'is thinking…';
const REACTION = 'hourglass_flowing_sand';
/** Refusals that mean this app cannot set thread statuses at all, rather than not this once. */
const STATUS_UNAVAILABLE = new Set([
  'not_allowed',
  'unknown_method',
  'missing_scope',
  'not_allowed_token_type',
  'method_deprecated',
]);

interface TurnMessage {
  channel: string;
  threadTs: string;
  ts: string;
}

/**
 * How a turn in progress is shown (spec §3): a status under the thread, set only when the turn is
 * still running after `delayMs` (a shorter turn is over before anyone could read it). Slack
 * clears the status when the answer is posted, so a turn costs at most one call for its
 * progress. Where Slack refuses statuses, a reaction on the person's message instead, taken away
 * after the answer (two calls, and `reactions.remove` is rate-limited harder).
 */
export class Progress {
  /** Set once Slack has said this app cannot set statuses; reactions from then on. */
  statusUnavailable = false;

  constructor(
    readonly slack: SlackPoster,
    private readonly delayMs: number,
  ) {}

  /** Starts the clock of one turn. */
  start(message: TurnMessage): TurnProgress {
    return new TurnProgress(this, message, this.delayMs);
  }
}

/** The progress of one turn; see Progress. */
export class TurnProgress {
  private readonly timer: NodeJS.Timeout;
  private immediate: NodeJS.Immediate | undefined;
  private showing: Promise<void> = Promise.resolve();
  private shown: 'status' | 'reaction' | undefined;

  constructor(
    private readonly progress: Progress,
    private readonly message: TurnMessage,
    delayMs: number,
  ) {
    // Timers run before I/O in each turn of the event loop: on a busy loop, an answer that has
    // arrived meanwhile is read first (settle() then cancels), rather than shown as still pending.
    this.timer = setTimeout(() => {
      this.immediate = setImmediate(() => this.show());
    }, delayMs);
  }

  /** Call before the turn posts anything: no status call may land after its answer. */
  async settle(): Promise<void> {
    this.cancel();
    await this.showing;
  }

  /** Shows progress again at once while a delayed response is collected (the part posted cleared it). */
  again(): void {
    this.cancel();
    if (this.shown !== 'reaction') this.show();
  }

  /**
   * The turn is over: the reaction goes; a status goes too when nothing was posted to clear it.
   * Never fails the turn: progress is decoration.
   */
  async end(posted: boolean): Promise<void> {
    await this.settle();
    const { channel, threadTs, ts } = this.message;
    if (this.shown === 'reaction') await this.progress.slack.react(channel, ts, REACTION, false);
    else if (this.shown === 'status' && !posted) await this.progress.slack.threadStatus(channel, threadTs, '');
  }

  private cancel(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
  }

  private show(): void {
    this.showing = this.showing.then(async () => {
      const { channel, threadTs, ts } = this.message;
      if (!this.progress.statusUnavailable) {
        const refused = await this.progress.slack.threadStatus(channel, threadTs, STATUS);
        if (refused === undefined) {
          this.shown = 'status';
          return;
        }
        if (STATUS_UNAVAILABLE.has(refused)) this.progress.statusUnavailable = true;
      }
      await this.progress.slack.react(channel, ts, REACTION, true);
      this.shown = 'reaction';
    });
  }
}
