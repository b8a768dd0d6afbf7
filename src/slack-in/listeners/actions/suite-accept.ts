import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { readCaseRef } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** Accept on a failed case: this run's replies and functions become the expected ones. */
export function suiteAcceptAction(services: Services) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const ref = readCaseRef(action.value);
    const thread = pressedIn(body);
    const messageTs = body.message?.ts ?? (body.container as { message_ts?: string } | undefined)?.message_ts;
    if (ref === undefined || thread === undefined || messageTs === undefined) return;
    const told = await services.suites.accept(ref.runId, ref.index, body.user.id, messageTs);
    await services.slack.ephemeral(thread.channel, body.user.id, told, thread.threadTs);
  };
}
