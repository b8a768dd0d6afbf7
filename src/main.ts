import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from './outbound/store/open-store.js';
import { ConfigError, loadDotEnv, parseConfig } from './platform/config.js';
import { DRAIN_TIMEOUT_MS } from './platform/in-flight.js';
import { createLogger } from './platform/logger.js';
import { configuredSecrets } from './platform/secrets.js';
import { createSlackApp } from './slack-in/app.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof parseConfig>;
  try {
    loadDotEnv();
    config = parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`polychat: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, configuredSecrets(config));
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config.storeUrl, logger);
  } catch (error) {
    process.stderr.write(`polychat: STORE_URL could not be opened: ${(error as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
  let slack: Awaited<ReturnType<typeof createSlackApp>>;
  try {
    slack = await createSlackApp(config, logger, store);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`polychat: ${error.message}\n`);
    await store.close().catch(() => {});
    process.exit(1);
  }
  const { app, services } = slack;
  // A rejection nobody awaited (a library's background call) is logged, not a crash mid-turn.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection');
  });
  const mode = config.slack.appToken === undefined ? 'http' : 'socket';
  await app.start(config.port);
  services.watches.startPolling();
  logger.info({ mode, port: config.port, store: config.storeUrl.split(':')[0] }, 'polychat started');
  services.scheduler.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, inFlight: services.inFlight.size }, 'stopping: finishing turns in flight');
    // Not ready from now on; the port stays open a while so a load balancer can stop sending first.
    services.inFlight.close();
    if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
    services.watches.stopPolling();
    services.scheduler.stop();
    await app.stop().catch((error: Error) => logger.warn({ err: error.message }, 'receiver did not stop cleanly'));
    const drained = await services.inFlight.drain(DRAIN_TIMEOUT_MS);
    if (!drained) logger.warn({ inFlight: services.inFlight.size }, 'stopped with turns still in flight');
    await store.close().catch(() => {});
    logger.info({ drained }, 'polychat stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: Error) => {
  process.stderr.write(`polychat: could not start: ${error.message.split('\n')[0]}\n`);
  process.exit(1);
});
