import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { slackToPlain } from '../../../presentation/text.js';
import type { Services } from '../../services.js';
import { humanThreadReply } from './human-message.js';

/** A reply in a debug-chat thread becomes one user turn (spec §3). */
export function messageEvent(services: Services) {
  return async ({ event, body, context }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'message'>): Promise<void> => {
    const reply = humanThreadReply(event, context.botUserId);
    if (reply === undefined) return;
    // Cheap check first: most thread replies in a workspace are not in polychat threads.
    const session = await services.store.session(reply);
    if (session === undefined) return;
    if (!(await services.store.claimEvent(body.event_id))) {
      services.metrics.eventsDeduplicated.inc();
      services.logger.info({ eventId: body.event_id, retryNum: context.retryNum }, 'duplicate event skipped');
      return;
    }
    const text = slackToPlain(reply.text);
    if (text === '') {
      await services.slack.ephemeral(
        reply.channel,
        reply.user,
        { text: 'Only text reaches the agent, so this message was not sent. Write your turn as text.' },
        reply.threadTs,
      );
      return;
    }
    await services.chats.reply({ ...reply, text }, session);
  };
}
