import type { WebClient } from '@slack/web-api';
import { CallAudio } from '../domain/calls/call-audio.js';
import { CallReviews } from '../domain/calls/call-reviews.js';
import { DebugChats } from '../domain/chat/debug-chats.js';
import { Replays } from '../domain/chat/replay.js';
import { SuiteRunner } from '../domain/suites/runner.js';
import { SuiteScheduler } from '../domain/suites/scheduler.js';
import { Suites } from '../domain/suites/suites.js';
import { PolyAI } from '../outbound/polyai/client.js';
import { SlackPoster } from '../outbound/slack/poster.js';
import type { StateStore } from '../outbound/store/state-store.js';
import type { Config } from '../platform/config.js';
import { InFlight } from '../platform/in-flight.js';
import type { Logger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';

/** The domain services listeners call into; built once at start-up and passed to every listener. */
export interface Services {
  config: Config;
  logger: Logger;
  store: StateStore;
  polyai: PolyAI;
  slack: SlackPoster;
  inFlight: InFlight;
  metrics: Metrics;
  chats: DebugChats;
  replays: Replays;
  calls: CallReviews;
  audio: CallAudio;
  suites: Suites;
  suiteRuns: SuiteRunner;
  scheduler: SuiteScheduler;
}

export function createServices(config: Config, logger: Logger, store: StateStore, client: WebClient): Services {
  const polyai = new PolyAI({
    baseUrl: config.polyai.baseUrl,
    apiKey: config.polyai.apiKey,
    timeoutMs: config.polyai.timeoutMs,
    logger,
  });
  const slack = new SlackPoster(client, logger);
  const inFlight = new InFlight();
  const deps = { config, logger, store, polyai, slack, inFlight, metrics: new Metrics() };
  const chats = new DebugChats(deps);
  const replays = new Replays({ ...deps, chats });
  // Heartbeats at most every 2 s, so a cut-short run is noticed soon after.
  const suiteRuns = new SuiteRunner(deps, Math.min(config.suiteTickMs, 2000));
  return {
    ...deps,
    chats,
    replays,
    suites: new Suites({ ...deps, chats, replays, runner: suiteRuns }),
    suiteRuns,
    scheduler: new SuiteScheduler(deps, suiteRuns),
    calls: new CallReviews(deps),
    audio: new CallAudio(deps),
  };
}
