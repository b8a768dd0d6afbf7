import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Services } from '../../../services.js';
import { audioDirectionOf, readCallButton } from '../../presentation/call-review.js';

/** The audio buttons of a call review (both sides, caller, agent): the redacted recording, into the thread. */
export function callAudioAction(services: Services) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const call = readCallButton(action.value);
    const direction = audioDirectionOf(action.action_id);
    const channel = body.channel?.id;
    const threadTs = body.message?.thread_ts ?? body.message?.ts;
    if (call === undefined || direction === undefined || channel === undefined) return;
    const user = body.user.id;
    // Buttons post for the whole channel to hear, so they always fetch the redacted recording;
    // unredacted audio takes an explicit `/polychat audio … redacted=false`.
    await services.audio.send({
      channel,
      user,
      ...call,
      direction,
      redacted: true,
      ...(threadTs !== undefined && { threadTs }),
      tell: (message) => services.slack.ephemeral(channel, user, message, threadTs),
    });
  };
}
