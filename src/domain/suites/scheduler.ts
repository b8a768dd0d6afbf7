import { Cron } from 'croner';
import type { ScheduleEvery, Suite } from '../../outbound/store/suite-records.js';
import type { CoreDeps } from '../deps.js';
import type { SuiteRunner } from './runner.js';

/** The cron pattern of a schedule: minutes and hours in the configured time zone. */
export function cronPattern(every: ScheduleEvery): string {
  if (every.kind === 'hourly') return '0 * * * *';
  const [hours, minutes] = every.time.split(':').map(Number);
  return `${minutes} ${hours} * * ${every.kind === 'weekdays' ? '1-5' : '*'}`;
}

/** The latest slot of `suite`'s schedule that is due at `now` and not run yet, if any. */
export function dueSlot(suite: Suite, timezone: string, now: Date): Date | undefined {
  if (suite.schedule === undefined) return undefined;
  const [latest] = new Cron(cronPattern(suite.schedule.every), { timezone }).previousRuns(1, now);
  return latest !== undefined && latest.getTime() > Date.parse(suite.schedule.after) ? latest : undefined;
}

/**
 * Runs scheduled suites (spec §7) and reports runs cut short. Every instance ticks; a slot's run
 * belongs to whichever claims the slot in the store first, so each slot runs once however many
 * instances are up, and a slot missed while none was up runs when one comes back (the latest
 * slot only). On each tick, a run whose heartbeat stopped is reported as interrupted.
 */
export class SuiteScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly deps: CoreDeps,
    private readonly runner: SuiteRunner,
  ) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.deps.config.suiteTickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.ticking || this.deps.inFlight.closing) return;
    this.ticking = true;
    try {
      for (const ref of await this.deps.store.suites.all()) {
        const suite = await this.deps.store.suites.suite(ref);
        if (suite === undefined) continue;
        await this.reap(suite);
        await this.runDue(suite);
      }
    } catch (error) {
      this.deps.logger.warn({ err: String(error) }, 'suite schedule check failed');
    } finally {
      this.ticking = false;
    }
  }

  private async reap(suite: Suite): Promise<void> {
    const latest = suite.runs[0] === undefined ? undefined : await this.deps.store.suites.run(suite.runs[0]);
    if (latest !== undefined) await this.runner.reapIfStale(latest);
  }

  private async runDue(suite: Suite): Promise<void> {
    const slot = dueSlot(suite, this.deps.config.timezone, new Date());
    if (slot === undefined || suite.schedule === undefined) return;
    const key = `slot:${suite.channel}:${suite.name}:${slot.toISOString()}`;
    if (!(await this.deps.store.suites.claim(key))) return;
    // Read again: a case may have been saved since this tick read the suite.
    const fresh = (await this.deps.store.suites.suite(suite)) ?? suite;
    if (fresh.schedule === undefined) return;
    const schedule = { ...fresh.schedule, after: slot.toISOString() };
    const current = { ...fresh, schedule };
    await this.deps.store.suites.saveSuite(current);
    if (current.cases.length === 0) return;
    await this.runner.start({
      suite: current,
      user: schedule.by,
      overrides: schedule.overrides,
      slot: slot.toISOString(),
    });
  }
}
