import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { RUN_OVER, RUN_STOPPING } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** Stop on a suite run's report: the run stops after the turns under way (whichever instance runs it). */
export function suiteStopAction(services: Services) {
  return async ({
    ack,
    body,
    action,
  }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>): Promise<void> => {
    await ack();
    const outcome = await services.suiteRuns.stop(action.value ?? '', body.user.id);
    const thread = pressedIn(body);
    if (thread === undefined) return;
    await services.slack.ephemeral(thread.channel, body.user.id, outcome === 'stopping' ? RUN_STOPPING : RUN_OVER);
  };
}
