import { type AnyMiddlewareArgs, App, type Middleware, SocketModeReceiver } from '@slack/bolt';
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
import { tellFailures } from './failure-notice.js';
import { allowedChannelsOnly } from './guards.js';
import { httpReceiver } from './http-receiver.js';
import { registerListeners } from './listeners/index.js';
import { operationalRoutes } from './routes.js';
import { createServices, type Services } from './services.js';

/** How long the start-up check of the bot token may keep retrying an unreachable Slack. */
const STARTUP_DEADLINE_MS = 5000;

/** What a Slack request is, for its log line: the event type, command or interaction type. */
function requestKind(body: Record<string, unknown>): string {
  const event = body.event as { type?: unknown } | undefined;
  const kind = event?.type ?? body.command ?? body.type;
  return typeof kind === 'string' ? kind : 'unknown';
}

/**
 * Every Slack request's work counts as in flight from the moment it arrives, so that SIGTERM
 * waits for a turn received just before it (events are acknowledged before listeners run).
 */
function trackRequest(services: Services): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const started = performance.now();
    const fields = body as Record<string, unknown>;
    let outcome = 'ok';
    try {
      await services.inFlight.track(next());
    } catch (error) {
      outcome = 'error';
      throw error;
    } finally {
      const ms = Math.round(performance.now() - started);
      services.logger.info(
        {
          slack: {
            kind: requestKind(fields),
            eventId: fields.event_id,
            ...(context.retryNum !== undefined && { retryNum: context.retryNum }),
            ms,
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
  let app: App;
  if (config.slack.appToken !== undefined) {
    // Built here rather than by App so that its socket client also uses SLACK_API_URL.
    const receiver = new SocketModeReceiver({
      appToken: config.slack.appToken,
      logger: boltLog,
      customRoutes,
      installerOptions: { clientOptions, port: config.port },
    });
    receiver.client.on('connected', () => logger.info({ socketMode: 'connected' }, 'socket mode connected'));
    receiver.client.on('reconnecting', () => logger.warn({ socketMode: 'reconnecting' }, 'socket mode reconnecting'));
    receiver.client.on('disconnected', () => logger.warn({ socketMode: 'disconnected' }, 'socket mode disconnected'));
    app = new App({ token: config.slack.botToken, ...identity, receiver, logger: boltLog, clientOptions });
  } else {
    const receiver = httpReceiver({ signingSecret: config.slack.signingSecret ?? '', logger: boltLog, customRoutes });
    app = new App({ token: config.slack.botToken, ...identity, receiver, logger: boltLog, clientOptions });
  }
  const services = createServices(config, logger, store, app.client, { inFlight, metrics });
  app.use(trackRequest(services));
  app.use(allowedChannelsOnly(services));
  app.use(tellFailures(services));
  registerListeners(app, services);
  acknowledgeUnhandled(app, logger);
  app.error(async (error) => {
    logger.error({ err: error.message, code: error.code }, 'listener failed');
  });
  return { app, services };
}
