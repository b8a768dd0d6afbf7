import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { compareTs, LocalSequencer } from '../../src/outbound/store/coordination.js';
import { LocalCoordination, MemoryClaims } from '../../src/outbound/store/local-coordination.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('compareTs', () => {
  it('orders Slack timestamps numerically', () => {
    expect(compareTs('1700000000.000100', '1700000000.000099')).toBeGreaterThan(0);
    expect(compareTs('999999999.9', '1700000000.000001')).toBeLessThan(0);
    expect(compareTs('1700000000.1', '1700000000.100000')).toBe(0);
  });
});

describe('LocalSequencer', () => {
  it('runs the tasks of one queue one at a time in ts order, even when they arrive out of order at once', async () => {
    const sequencer = new LocalSequencer();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await sleep(5);
      log.push(`end ${name}`);
      running--;
    };
    await Promise.all([
      sequencer.inOrder('t', '1700000000.000300', task('c')),
      sequencer.inOrder('t', '1700000000.000100', task('a')),
      sequencer.inOrder('t', '1700000000.000200', task('b')),
    ]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('never makes different queues wait for each other', async () => {
    const sequencer = new LocalSequencer();
    let release: () => void = () => {};
    const blocked = sequencer.inOrder('slow', '1', () => new Promise<void>((resolve) => (release = resolve)));
    const other = await Promise.race([
      sequencer.inOrder('fast', '1', async () => 'done'),
      sleep(200).then(() => 'waited'),
    ]);
    expect(other).toBe('done');
    release();
    await blocked;
  });

  it('goes on after a task fails', async () => {
    const sequencer = new LocalSequencer();
    const failed = sequencer.inOrder('t', '1', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(sequencer.inOrder('t', '2', async () => 'next')).resolves.toBe('next');
  });
});

describe('LocalCoordination.claimOnce', () => {
  it('grants a key once, even to simultaneous callers', async () => {
    const coordination = new LocalCoordination(new Keyv(), new MemoryClaims());
    const results = await Promise.all([1, 2, 3].map(() => coordination.claimOnce('e1', 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await coordination.claimOnce('e2', 60_000)).toBe(true);
  });
});
