import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { saveModal } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';
import { pressedIn } from './pressed-in.js';

/** Save as test… on a debug chat's root message: the modal that names the suite and the case. */
export function suiteSaveOpenAction(services: Services) {
  return async ({ ack, body, client }: AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>): Promise<void> => {
    await ack();
    const thread = pressedIn(body);
    if (thread === undefined) return;
    const plan = await services.suites.savePlan(thread);
    if ('text' in plan) {
      await services.slack.ephemeral(thread.channel, body.user.id, plan, thread.threadTs);
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: saveModal(thread, plan.suites, plan.caseName) });
  };
}
