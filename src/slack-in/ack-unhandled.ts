import type { App, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../platform/logger.js';

/**
 * Acknowledges every request that no listener acknowledged: an action, shortcut or view with an
 * ID polychat does not know (a message from an older version, a foreign payload), or a listener
 * that failed before its `ack()`. Bolt would otherwise leave it unanswered and reply 404 after
 * its timeout (HTTP) or never (Socket Mode). Wraps `processEvent`, which every receiver calls.
 */
export function acknowledgeUnhandled(app: App, logger: Logger): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event: ReceiverEvent) => {
    let acknowledged = false;
    const ack: ReceiverEvent['ack'] = async (response) => {
      acknowledged = true;
      await event.ack(response);
    };
    try {
      await processEvent({ ...event, ack });
    } finally {
      if (!acknowledged) {
        const body = event.body as Record<string, unknown>;
        logger.info({ slack: { type: body.type, unhandled: true } }, 'acknowledged a request no listener took');
        await event.ack().catch(() => {});
      }
    }
  };
}
