import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CustomRoute } from '@slack/bolt';
import type { StateStore } from '../outbound/store/state-store.js';
import type { InFlight } from '../platform/in-flight.js';
import type { Metrics } from '../platform/metrics.js';

const HEALTH_TIMEOUT_MS = 2000;

/** The paths an operator's probes and scrapers use (the Dockerfile and Kubernetes manifests name them too). */
export const OPERATIONAL_PATHS = { health: '/healthz', ready: '/readyz', metrics: '/metrics' } as const;

/** Why the store cannot be used right now, or undefined when it answers in time. */
async function storeProblem(store: StateStore): Promise<string | undefined> {
  try {
    const late = sleep(HEALTH_TIMEOUT_MS, undefined, { ref: false }).then(() => {
      throw new Error('store did not answer in time');
    });
    await Promise.race([store.ping(), late]);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function sendJson(res: ServerResponse, status: number, body: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** `GET /healthz`, the liveness check: 200 while the store answers, 503 when it does not (spec §5). */
function healthRoute(store: StateStore): CustomRoute {
  return {
    path: OPERATIONAL_PATHS.health,
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      void storeProblem(store).then((problem) =>
        problem === undefined
          ? sendJson(res, 200, { status: 'ok' })
          : sendJson(res, 503, { status: 'unavailable', store: problem }),
      );
    },
  };
}

/**
 * `GET /readyz`, the readiness check: 503 from SIGTERM on (so a load balancer stops sending
 * before the port closes) and while the store does not answer; 200 otherwise.
 */
function readyRoute(store: StateStore, inFlight: InFlight): CustomRoute {
  return {
    path: OPERATIONAL_PATHS.ready,
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      if (inFlight.closing) {
        sendJson(res, 503, { status: 'draining' });
        return;
      }
      void storeProblem(store).then((problem) =>
        problem === undefined
          ? sendJson(res, 200, { status: 'ready' })
          : sendJson(res, 503, { status: 'unavailable', store: problem }),
      );
    },
  };
}

/** `GET /metrics`: this instance's metrics in the Prometheus text format. */
function metricsRoute(metrics: Metrics): CustomRoute {
  return {
    path: OPERATIONAL_PATHS.metrics,
    method: ['GET'],
    handler: (_req: IncomingMessage, res: ServerResponse) => {
      void metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        (error: Error) => sendJson(res, 500, { status: 'error', error: error.message }),
      );
    },
  };
}

/** The routes served beside Slack's, on `PORT`, in HTTP mode and in Socket Mode alike. */
export function operationalRoutes(store: StateStore, inFlight: InFlight, metrics: Metrics): CustomRoute[] {
  return [healthRoute(store), readyRoute(store, inFlight), metricsRoute(metrics)];
}
