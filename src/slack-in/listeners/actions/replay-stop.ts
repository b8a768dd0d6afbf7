import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { REPLAY_OVER, REPLAY_STOPPING } from '../../../presentation/replay.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The Stop button of a running replay: it stops after its current turn (whichever instance runs it). */
export function replayStopAction(services: Services) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const outcome = await services.replays.stop(action.value ?? '', body.user.id);
    const thread = pressedIn(body);
    if (thread === undefined) return;
    const { channel, threadTs } = thread;
    await services.slack.ephemeral(
      channel,
      body.user.id,
      outcome === 'stopping' ? REPLAY_STOPPING : REPLAY_OVER,
      threadTs,
    );
  };
}
