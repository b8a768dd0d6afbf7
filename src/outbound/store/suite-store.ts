import { Collection, DAY_MS } from './collection.js';
import type { Coordination } from './coordination.js';
import type { Suite, SuiteRun } from './suite-records.js';
import type { KeyValue } from './write-through-cache.js';

/** Runs kept per suite; older ones are deleted as new ones start. */
export const RUN_HISTORY = 20;

export interface SuiteRef {
  channel: string;
  name: string;
}

const suiteId = ({ channel, name }: SuiteRef) => `${channel}:${name}`;

/**
 * Suites, runs and schedule claims (spec §7), in the same store as everything else so they
 * survive restarts and every instance sees them. Suites are few and written rarely (a save, an
 * import, a finished run), so whole-record writes are enough.
 */
export class SuiteStore {
  private readonly suites: Collection<Suite>;
  /** Suite names per channel, and every suite of the app (for the scheduler). */
  private readonly channelIndex: Collection<string[]>;
  private readonly allIndex: Collection<SuiteRef[]>;
  private readonly runs: Collection<SuiteRun>;
  private readonly stops: Collection<{ by: string }>;

  constructor(
    keyv: KeyValue,
    private readonly coordination: Coordination,
  ) {
    this.suites = new Collection(keyv, 'suite');
    this.channelIndex = new Collection(keyv, 'suite-channel');
    this.allIndex = new Collection(keyv, 'suite-index');
    this.runs = new Collection(keyv, 'suite-run', 90 * DAY_MS);
    this.stops = new Collection(keyv, 'suite-stop', DAY_MS);
  }

  suite(ref: SuiteRef): Promise<Suite | undefined> {
    return this.suites.get(suiteId(ref));
  }

  async inChannel(channel: string): Promise<Suite[]> {
    const names = (await this.channelIndex.get(channel)) ?? [];
    const suites = await Promise.all(names.map((name) => this.suite({ channel, name })));
    return suites.filter((s): s is Suite => s !== undefined);
  }

  async all(): Promise<SuiteRef[]> {
    return (await this.allIndex.get('all')) ?? [];
  }

  async saveSuite(suite: Suite): Promise<void> {
    await this.suites.set(suiteId(suite), suite);
    const names = (await this.channelIndex.get(suite.channel)) ?? [];
    if (!names.includes(suite.name)) await this.channelIndex.set(suite.channel, [...names, suite.name].sort());
    const all = await this.all();
    if (!all.some((ref) => suiteId(ref) === suiteId(suite))) {
      await this.allIndex.set('all', [...all, { channel: suite.channel, name: suite.name }]);
    }
  }

  run(id: string): Promise<SuiteRun | undefined> {
    return this.runs.get(id);
  }

  saveRun(run: SuiteRun): Promise<void> {
    return this.runs.set(run.id, run);
  }

  /** Puts a new run first in its suite's history and drops the runs beyond RUN_HISTORY. */
  async addRun(suite: Suite, run: SuiteRun): Promise<Suite> {
    await this.saveRun(run);
    const current = (await this.suite(suite)) ?? suite;
    const runs = [run.id, ...current.runs];
    await Promise.all(runs.slice(RUN_HISTORY).map((id) => this.runs.delete(id)));
    const next = { ...current, runs: runs.slice(0, RUN_HISTORY) };
    await this.saveSuite(next);
    return next;
  }

  /** A Stop press, kept apart from the run so the running instance never overwrites it. */
  requestStop(id: string, by: string): Promise<void> {
    return this.stops.set(id, { by });
  }

  stopRequest(id: string): Promise<{ by: string } | undefined> {
    return this.stops.get(id);
  }

  /** True for the one caller (of every instance) that takes `key`: a schedule slot, an interrupted run. */
  claim(key: string, ttlMs = 7 * DAY_MS): Promise<boolean> {
    return this.coordination.claimOnce(`suite:${key}`, ttlMs);
  }
}
