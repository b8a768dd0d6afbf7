import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { replayModal } from '../../../presentation/replay.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The Replay… button on a session's root message: the modal that chooses what to replay against. */
export function sessionReplayAction(services: Services) {
  return async ({ ack, body, client }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const thread = pressedIn(body);
    if (thread === undefined) return;
    const { channel, threadTs } = thread;
    const plan = await services.replays.plan(thread);
    if (plan === undefined) {
      await services.slack.ephemeral(
        channel,
        body.user.id,
        { text: 'This thread has no debug chat to replay.' },
        threadTs,
      );
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: replayModal(plan.session, thread, plan.userTurns) });
  };
}
