import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readReplayThread } from '../../../presentation/replay.js';
import { readSaveForm } from '../../../presentation/suites.js';
import type { Services } from '../../services.js';

/** The Save as test modal submitted: bad fields come back as errors; otherwise the case is saved. */
export function suiteSaveSubmission(services: Services) {
  return async ({ ack, body, view }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    const form = readSaveForm(view.state.values);
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    await ack();
    const thread = readReplayThread(view.private_metadata);
    if (thread === undefined) return;
    const told = await services.suites.save(thread, body.user.id, form.suite, form.caseName);
    if (told !== undefined) await services.slack.ephemeral(thread.channel, body.user.id, told, thread.threadTs);
  };
}
