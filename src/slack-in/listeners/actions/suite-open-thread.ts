import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { readCaseRef } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** Open as thread on a failed case: a live debug chat with the case's turns replayed into it. */
export function suiteOpenThreadAction(services: Services) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const ref = readCaseRef(action.value);
    const thread = pressedIn(body);
    if (ref === undefined || thread === undefined) return;
    const told = await services.suites.openAsThread(ref.runId, ref.index, body.user.id);
    if (told !== undefined) await services.slack.ephemeral(thread.channel, body.user.id, told, thread.threadTs);
  };
}
