import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { WriteThroughCache } from '../../src/outbound/store/write-through-cache.js';

describe('WriteThroughCache', () => {
  it('writes through to the store, so a new process over the same store reads what was written', async () => {
    const store = new Keyv();
    await new WriteThroughCache(store).set('session:1', { turns: 3 });
    expect(await store.get('session:1')).toEqual({ turns: 3 });
    expect(await new WriteThroughCache(store).get('session:1')).toEqual({ turns: 3 });
  });

  it('answers from memory once read or written, without asking the store again', async () => {
    const store = new Keyv();
    await store.set('k', 'v');
    const cache = new WriteThroughCache(store);
    expect(await cache.get('k')).toBe('v');
    await store.delete('k');
    expect(await cache.get('k')).toBe('v');
  });

  it('hands out copies, so changing a record read does not change the cached one', async () => {
    const cache = new WriteThroughCache(new Keyv());
    const record = { turns: 1 };
    await cache.set('r', record);
    record.turns = 99;
    const read = await cache.get<{ turns: number }>('r');
    expect(read).toEqual({ turns: 1 });
    if (read !== undefined) read.turns = 42;
    expect(await cache.get('r')).toEqual({ turns: 1 });
  });

  it('forgets expired and deleted entries, and keeps at most maxEntries', async () => {
    const store = new Keyv();
    const cache = new WriteThroughCache(store, 2);
    await cache.set('short', 1, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await cache.get('short')).toBeUndefined();
    await cache.set('a', 1);
    await cache.delete('a');
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('x', 1);
    await cache.set('y', 2);
    await cache.set('z', 3);
    await store.delete('x');
    // 'x' was evicted from memory, so its removal from the store shows.
    expect(await cache.get('x')).toBeUndefined();
    expect(await cache.get('z')).toBe(3);
  });
});
