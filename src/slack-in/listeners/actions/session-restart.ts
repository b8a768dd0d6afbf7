import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { INVITE_HINT, needsInvite } from '../../../outbound/slack/slack-errors.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The Restart button on a session's root message: the same settings, a new session, a new thread. */
export function sessionRestartAction(services: Services) {
  return async ({ ack, body }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const thread = pressedIn(body);
    if (thread === undefined) return;
    const { channel, threadTs } = thread;
    const tell = (text: string) => services.slack.ephemeral(channel, body.user.id, { text }, threadTs);
    try {
      const session = await services.chats.restart(thread, body.user.id);
      if (session === undefined) await tell('This thread has no debug chat to restart.');
    } catch (error) {
      if (needsInvite(error)) await tell(INVITE_HINT);
      else throw error;
    }
  };
}
