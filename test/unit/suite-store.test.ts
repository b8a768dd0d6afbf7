import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { LocalCoordination, MemoryClaims } from '../../src/outbound/store/local-coordination.js';
import { StateStore } from '../../src/outbound/store/state-store.js';
import type { Suite, SuiteRun } from '../../src/outbound/store/suite-records.js';
import { RUN_HISTORY } from '../../src/outbound/store/suite-store.js';
import { WriteThroughCache } from '../../src/outbound/store/write-through-cache.js';

const run = (id: string): SuiteRun => ({
  id,
  channel: 'C1',
  suite: 's',
  reportTs: '1.0',
  startedBy: 'U1',
  overrides: {},
  state: 'finished',
  startedAt: '',
  heartbeatAt: '',
  total: 0,
  results: [],
});

describe('SuiteStore', () => {
  it('keeps a bounded run history per suite, newest first, and deletes older runs', async () => {
    const keyv = new WriteThroughCache(new Keyv());
    const store = new StateStore(keyv, new LocalCoordination(keyv, new MemoryClaims())).suites;
    let suite: Suite = { channel: 'C1', name: 's', cases: [], runs: [] };
    await store.saveSuite(suite);
    for (let i = 0; i < RUN_HISTORY + 3; i++) suite = await store.addRun(suite, run(`r${i}`));
    const kept = await store.suite({ channel: 'C1', name: 's' });
    expect(kept?.runs).toHaveLength(RUN_HISTORY);
    expect(kept?.runs[0]).toBe(`r${RUN_HISTORY + 2}`);
    expect(await store.run('r0')).toBeUndefined();
    expect(await store.run(`r${RUN_HISTORY + 2}`)).toBeDefined();
    expect((await store.inChannel('C1')).map((s) => s.name)).toEqual(['s']);
    expect(await store.all()).toEqual([{ channel: 'C1', name: 's' }]);
  });

  it('grants a claim (a schedule slot) once', async () => {
    const keyv = new WriteThroughCache(new Keyv());
    const store = new StateStore(keyv, new LocalCoordination(keyv, new MemoryClaims())).suites;
    expect(await store.claim('slot:a')).toBe(true);
    expect(await store.claim('slot:a')).toBe(false);
  });
});
