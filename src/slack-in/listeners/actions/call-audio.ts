import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { audioDirectionOf, readCallButton } from '../../../presentation/call-review.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The audio buttons of a call review (both sides, caller, agent): the recording, into the thread. */
export function callAudioAction(services: Services) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const call = readCallButton(action.value);
    const direction = audioDirectionOf(action.action_id);
    const thread = pressedIn(body);
    if (call === undefined || direction === undefined || thread === undefined) return;
    const { channel, threadTs } = thread;
    const user = body.user.id;
    // Redacted unless the presser is allowed unredacted audio (spec §4), as for the command.
    await services.audio.send({
      channel,
      user,
      ...call,
      direction,
      threadTs,
      tell: (message) => services.slack.ephemeral(channel, user, message, threadTs),
    });
  };
}
