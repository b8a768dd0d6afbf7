import type { PolyAI } from '../outbound/polyai/client.js';
import type { SlackPoster } from '../outbound/slack/poster.js';
import type { StateStore } from '../outbound/store/state-store.js';
import type { Config } from '../platform/config.js';
import type { InFlight } from '../platform/in-flight.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';

/** What every domain service is built with (see `createServices`). */
export interface CoreDeps {
  config: Config;
  logger: Logger;
  polyai: PolyAI;
  store: StateStore;
  slack: SlackPoster;
  inFlight: InFlight;
  metrics: Metrics;
}
