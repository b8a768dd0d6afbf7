import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { Keyv } from 'keyv';
import type { Logger } from '../../platform/logger.js';
import { LocalCoordination } from './local-coordination.js';
import { RedisCoordination } from './redis-coordination.js';
import { StateStore } from './state-store.js';
import { WriteThroughCache } from './write-through-cache.js';

const NAMESPACE = 'polychat';

/**
 * Store errors are thrown to the caller (keyv's default is to swallow them and answer "not
 * found", which would drop a turn silently), so here they are only worth a debug line.
 */
function storeErrorLog(logger: Logger) {
  return (error: Error) => logger.debug({ err: error.message }, 'store error');
}

/** Picks the keyv adapter from `STORE_URL`; the only place that knows which store is in use. */
export async function openStore(url: string, logger: Logger): Promise<StateStore> {
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const coordination = await RedisCoordination.connect(url, NAMESPACE, logger);
    const keyv = new Keyv({
      store: new KeyvRedis(coordination.client, { throwOnErrors: true }),
      namespace: NAMESPACE,
      throwOnErrors: true,
    });
    keyv.on('error', storeErrorLog(logger));
    return new StateStore(keyv, coordination);
  }
  let keyv: Keyv;
  if (url.startsWith('sqlite://')) {
    const path = url.slice('sqlite://'.length);
    mkdirSync(dirname(path), { recursive: true });
    const sqlite = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5000 });
    // A write-ahead log commits without waiting for the disk on every write (a turn makes several);
    // a power cut may lose the last moments, never the file.
    await sqlite.query('PRAGMA journal_mode=WAL');
    await sqlite.query('PRAGMA synchronous=NORMAL');
    keyv = new Keyv({ store: sqlite, namespace: NAMESPACE, throwOnErrors: true });
  } else {
    keyv = new Keyv({ namespace: NAMESPACE, throwOnErrors: true });
  }
  keyv.on('error', storeErrorLog(logger));
  const cached = new WriteThroughCache(keyv);
  const store = new StateStore(cached, new LocalCoordination(cached));
  await store.ping();
  return store;
}
