import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { FINDING_ACTIONS, type ReviewChange, readCardButton } from '../../../presentation/finding.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

const CHANGES: Record<string, ReviewChange> = {
  [FINDING_ACTIONS.claim]: 'claim',
  [FINDING_ACTIONS.unclaim]: 'unclaim',
  [FINDING_ACTIONS.reviewed]: 'reviewed',
  [FINDING_ACTIONS.reopen]: 'reopen',
};

/** Claim, Unclaim, Mark reviewed and Reopen on a review root, sample or watch card: every card is redrawn. */
export function reviewStatusAction(services: Services) {
  return async ({ ack, body, action }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>) => {
    await ack();
    const call = readCardButton(action.value);
    const change = CHANGES[action.action_id];
    const channel = call?.channel ?? pressedIn(body)?.channel;
    if (call === undefined || change === undefined || channel === undefined) return;
    await services.statuses.change(call, change, body.user.id, channel, action.action_ts);
  };
}
