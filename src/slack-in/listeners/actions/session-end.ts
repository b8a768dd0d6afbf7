import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The End button on a session's root message. */
export function sessionEndAction(services: Services) {
  return async ({ ack, body }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const thread = pressedIn(body);
    if (thread === undefined) return;
    const { channel, threadTs } = thread;
    // The press has no ts of its own; "now" orders it after every turn already written.
    const now = (Date.now() / 1000).toFixed(6);
    const outcome = await services.chats.end(thread, body.user.id, now);
    if (outcome === 'none') {
      await services.slack.ephemeral(channel, body.user.id, { text: 'This debug chat has already ended.' }, threadTs);
    }
  };
}
