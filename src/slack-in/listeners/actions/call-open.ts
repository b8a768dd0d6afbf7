import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { readCallButton } from '../../../presentation/call-review.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** The Open button of a conversation list: what `/polychat call` does, in the list's channel. */
export function callOpenAction(services: Services) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const call = readCallButton(action.value);
    const channel = pressedIn(body)?.channel;
    if (call === undefined || channel === undefined) return;
    await services.calls.open({
      channel,
      user: body.user.id,
      ...call,
      tell: async (message) => {
        await respond({ response_type: 'ephemeral', replace_original: false, ...message });
      },
    });
  };
}
