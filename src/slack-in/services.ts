import type { FetchFunction, WebClient } from '@slack/web-api';
import { CallAudio } from '../domain/calls/call-audio.js';
import { CallReviews } from '../domain/calls/call-reviews.js';
import { ReviewStatuses } from '../domain/calls/review-status.js';
import { DebugChats } from '../domain/chat/debug-chats.js';
import { Replays } from '../domain/chat/replay.js';
import { CallFinder } from '../domain/finding/call-finder.js';
import { Watches } from '../domain/finding/watches.js';
import { SuiteRunner } from '../domain/suites/runner.js';
import { SuiteScheduler } from '../domain/suites/scheduler.js';
import { Suites } from '../domain/suites/suites.js';
import { PolyAI } from '../outbound/polyai/client.js';
import { ConversationsApi } from '../outbound/polyai/conversations-client.js';
import { postMessageCall } from '../outbound/slack/post-message.js';
import { SlackPoster } from '../outbound/slack/poster.js';
import type { StateStore } from '../outbound/store/state-store.js';
import type { Config } from '../platform/config.js';
import type { InFlight } from '../platform/in-flight.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';

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
  /** Review status of calls: claims, reviewed marks, the queue (spec §8). */
  statuses: ReviewStatuses;
  /** Search and samples (spec §8). */
  finder: CallFinder;
  watches: Watches;
  suites: Suites;
  suiteRuns: SuiteRunner;
  scheduler: SuiteScheduler;
}

/** `platform` is built before the Slack app, since its routes and transport report into it too. */
export function createServices(
  config: Config,
  logger: Logger,
  store: StateStore,
  client: WebClient,
  platform: { inFlight: InFlight; metrics: Metrics; slackFetch: FetchFunction },
): Services {
  const { inFlight, metrics } = platform;
  const polyai = new PolyAI({
    baseUrl: config.polyai.baseUrl,
    apiKey: config.polyai.apiKey,
    timeoutMs: config.polyai.timeoutMs,
    logger,
    metrics,
  });
  const slack = new SlackPoster(
    client,
    logger,
    postMessageCall(platform.slackFetch, config.slack.apiUrl, config.slack.botToken),
  );
  const deps = { config, logger, store, polyai, slack, inFlight, metrics };
  const chats = new DebugChats(deps);
  const replays = new Replays({ ...deps, chats });
  // Heartbeats at most every 2 s, so a cut-short run is noticed soon after.
  const suiteRuns = new SuiteRunner(deps, Math.min(config.suiteTickMs, 2000));
  const statuses = new ReviewStatuses(deps);
  const calls = new CallReviews(deps, statuses);
  const conversations =
    config.conversations === undefined
      ? undefined
      : new ConversationsApi({
          config: config.conversations,
          timeoutMs: config.polyai.timeoutMs,
          logger,
          metrics: deps.metrics,
        });
  const finding = { ...deps, conversations, calls, statuses };
  return {
    ...deps,
    chats,
    replays,
    suites: new Suites({ ...deps, chats, replays, runner: suiteRuns }),
    suiteRuns,
    scheduler: new SuiteScheduler(deps, suiteRuns),
    calls,
    audio: new CallAudio(deps),
    statuses,
    finder: new CallFinder(finding),
    watches: new Watches({ ...finding, intervalMs: config.watchIntervalMs }),
  };
}
