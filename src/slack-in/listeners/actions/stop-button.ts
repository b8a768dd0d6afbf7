import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackMessage } from '../../../outbound/slack/poster.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/**
 * A Stop button on a progress message (replay, suite run): the stop request goes to the store,
 * so whichever instance runs the work sees it; the presser is told whether it is stopping.
 */
export function stopButtonAction(
  services: Services,
  stop: (id: string, user: string) => Promise<'stopping' | 'over'>,
  told: { stopping: SlackMessage; over: SlackMessage },
) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const outcome = await stop(action.value ?? '', body.user.id);
    const thread = pressedIn(body);
    if (thread === undefined) return;
    const { channel, threadTs } = thread;
    await services.slack.ephemeral(channel, body.user.id, outcome === 'stopping' ? told.stopping : told.over, threadTs);
  };
}
