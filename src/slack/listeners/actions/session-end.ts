import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services.js';

/** The End button on a session's root message. */
export function sessionEndAction(services: Services) {
  return async ({ ack, body }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const channel = body.channel?.id;
    const threadTs = body.message?.thread_ts ?? body.message?.ts;
    if (channel === undefined || threadTs === undefined) return;
    // The press has no ts of its own; "now" orders it after every turn already written.
    const now = (Date.now() / 1000).toFixed(6);
    const outcome = await services.chats.end({ channel, threadTs }, body.user.id, now);
    if (outcome === 'none') {
      await services.slack.ephemeral(channel, body.user.id, { text: 'This debug chat has already ended.' }, threadTs);
    }
  };
}
