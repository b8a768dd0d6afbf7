import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { readMoreButton } from '../../../presentation/finding.js';
import type { Services } from '../../services.js';

/** The More button of search results: the next page by the API's cursor, below it. */
export function searchMoreAction(services: Services) {
  return async ({ ack, action, respond }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>) => {
    await ack();
    const more = readMoreButton(action.value);
    if (more === undefined) return;
    await services.finder.more(more.page, async (message) => {
      await respond({ response_type: 'ephemeral', replace_original: false, ...message });
    });
  };
}
