import { type AnyMiddlewareArgs, App, type Middleware, type Receiver, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { botIdentity } from '../outbound/slack/bot-identity.js';
import { slackFetch } from '../outbound/slack/slack-fetch.js';
import type { StateStore } from '../outbound/store/state-store.js';
import type { Config } from '../platform/config.js';
import { InFlight } from '../platform/in-flight.js';
import { boltLogger, type Logger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { configuredSecrets } from '../platform/secrets.js';
import { acknowledgeUnhandled } from './ack-unhandled.js';
import { tellFailure } from './failure-notice.js';
import { refuseOutsideAllowedChannels } from './guards.js';
import { httpReceiver } from './http-receiver.js';
import { registerListeners } from './listeners/index.js';
import { operationalRoutes } from './routes.js';
import { createServices, type Services } from './services.js';

/** How long the start-up check of the bot token may keep retrying an unreachable Slack. */
const STARTUP_DEADLINE_MS = 5000;

/**
 * Bolt's conversation store is off: polychat keeps its own state (the store), and Bolt's would
 * be one more lookup on every request.
 */
const APP_OPTIONS = { convoStore: false } as const;

/** What a Slack request is, for its log line: the event type, command or interaction type. */
function requestKind(body: Record<string, unknown>): string {
  const event = body.event as { type?: unknown } | undefined;
  const kind = event?.type ?? body.command ?? body.type;
  return typeof kind === 'string' ? kind : 'unknown';
}

/**
 * The one global middleware, so every request passes a single layer before its listener:
 * its work counts as in flight from the moment it arrives (SIGTERM waits for a turn received
 * just before it, as events are acknowledged before listeners run), it is refused when it
 * comes from or acts on a channel outside the allowed ones, a failure no listener explained is
 * told to the person, and it gets one log line.
 */
function everyRequest(services: Services): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const started = performance.now();
    const fields = args.body as Record<string, unknown>;
    let outcome = 'ok';
    try {
      await services.inFlight.track(
        (async () => {
          if (await refuseOutsideAllowedChannels(services, args)) return;
          try {
            await args.next();
          } catch (error) {
            await tellFailure(services, args, error);
            throw error;
          }
        })(),
      );
    } catch (error) {
      outcome = 'error';
      throw error;
    } finally {
      services.logger.info(
        {
          slack: {
            kind: requestKind(fields),
            eventId: fields.event_id,
            ...(args.context.retryNum !== undefined && { retryNum: args.context.retryNum }),
            ms: Math.round(performance.now() - started),
            outcome,
          },
        },
        'slack request',
      );
    }
  };
}

/**
 * Builds the Bolt app in Socket Mode (when an app token is set) or HTTP mode, with every listener.
 * Rejects with a ConfigError when Slack refuses the bot token or cannot be reached.
 */
export async function createSlackApp(
  config: Config,
  logger: Logger,
  store: StateStore,
): Promise<{ app: App; services: Services }> {
  const metrics = new Metrics();
  const inFlight = new InFlight();
  const clientOptions = {
    slackApiUrl: config.slack.apiUrl,
    // slackFetch retries (429s and transient errors, within a deadline); the client must not as well.
    retryConfig: { retries: 0 },
    // A 429 is waited out by the call it hit alone (see slackFetch), never by the whole client.
    rejectRateLimitedCalls: true,
    fetch: slackFetch(logger, metrics, configuredSecrets(config)),
  };
  // Start-up should fail within seconds when Slack is unreachable, not wait out the posting deadline.
  const identity = await botIdentity(
    new WebClient(config.slack.botToken, {
      ...clientOptions,
      fetch: slackFetch(logger, metrics, configuredSecrets(config), { deadlineMs: STARTUP_DEADLINE_MS }),
      logger: boltLogger(logger),
    }),
  );
  const customRoutes = operationalRoutes(store, inFlight, metrics);
  const boltLog = boltLogger(logger);
  let receiver: Receiver;
  if (config.slack.appToken !== undefined) {
    // Built here rather than by App so that its socket client also uses SLACK_API_URL.
    const socketMode = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger: boltLog,
      customRoutes,
      installerOptions: { clientOptions, port: config.port },
    });
    socketMode.client.on('connected', () => logger.info({ socketMode: 'connected' }, 'socket mode connected'));
    socketMode.client.on('reconnecting', () => logger.warn({ socketMode: 'reconnecting' }, 'socket mode reconnecting'));
    socketMode.client.on('disconnected', () => logger.warn({ socketMode: 'disconnected' }, 'socket mode disconnected'));
    receiver = socketMode;
  } else {
    receiver = httpReceiver({ signingSecret: config.slack.signingSecret ?? '', logger: boltLog, customRoutes });
  }
  const app = new App({
    token: config.slack.botToken,
    ...identity,
    receiver,
    logger: boltLog,
    clientOptions,
    ...APP_OPTIONS,
  });
  const services = createServices(config, logger, store, app.client, {
    inFlight,
    metrics,
    slackFetch: clientOptions.fetch,
  });
  app.use(everyRequest(services));
  registerListeners(app, services);
  acknowledgeUnhandled(app, logger);
  app.error(async (error) => {
    logger.error({ err: error.message, code: error.code }, 'listener failed');
  });
  return { app, services };
}
