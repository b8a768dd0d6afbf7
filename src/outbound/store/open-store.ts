import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import type { Logger } from '../../platform/logger.js';
import { type ClaimLedger, LocalCoordination, MemoryClaims } from './local-coordination.js';
import { RedisCoordination } from './redis-coordination.js';
import { SqliteStore } from './sqlite-store.js';
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
  let claims: ClaimLedger;
  if (url.startsWith('sqlite://')) {
    const path = url.slice('sqlite://'.length);
    mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SqliteStore(path);
    claims = sqlite;
    keyv = new Keyv({ store: sqlite, namespace: NAMESPACE, throwOnErrors: true });
  } else {
    claims = new MemoryClaims();
    keyv = new Keyv({ namespace: NAMESPACE, throwOnErrors: true });
  }
  keyv.on('error', storeErrorLog(logger));
  const cached = new WriteThroughCache(keyv);
  const store = new StateStore(cached, new LocalCoordination(cached, claims));
  await store.ping();
  return store;
}
