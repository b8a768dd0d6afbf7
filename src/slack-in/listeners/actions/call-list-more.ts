import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { readPageButton } from '../../../presentation/call-review.js';
import type { Services } from '../../services.js';

/** The More button of a conversation list: the next page, below it. */
export function callListMoreAction(services: Services) {
  return async ({
    ack,
    action,
    respond,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const page = readPageButton(action.value);
    if (page === undefined) return;
    await services.calls.showList(page, async (message) => {
      await respond({ response_type: 'ephemeral', replace_original: false, ...message });
    });
  };
}
