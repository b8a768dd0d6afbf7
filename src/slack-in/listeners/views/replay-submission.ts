import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readReplayForm, readReplayThread } from '../../../presentation/replay.js';
import type { Services } from '../../services.js';

/** The Replay modal submitted: bad fields come back as errors; otherwise the modal closes and the replay runs. */
export function replaySubmission(services: Services) {
  return async ({ ack, body, view }: AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    const source = readReplayThread(view.private_metadata);
    const form = readReplayForm(view.state.values);
    if (!form.ok) {
      await ack({ response_action: 'errors', errors: form.errors });
      return;
    }
    await ack();
    if (source === undefined) return;
    const ran = await services.replays.run({ source, user: body.user.id, target: form.target });
    if (!ran) {
      await services.slack.ephemeral(
        source.channel,
        body.user.id,
        { text: 'This thread has no user turns to replay.' },
        source.threadTs,
      );
    }
  };
}
