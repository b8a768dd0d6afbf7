import type { Config } from './config.js';
import type { InFlight } from './lifecycle/in-flight.js';
import type { Logger } from './logger.js';
import type { PolyAI } from './polyai/client.js';
import type { SlackPoster } from './slack/poster.js';
import type { StateStore } from './store/state-store.js';

/** What every domain service is built with (see `createServices`). */
export interface CoreDeps {
  config: Config;
  logger: Logger;
  polyai: PolyAI;
  store: StateStore;
  slack: SlackPoster;
  inFlight: InFlight;
}
