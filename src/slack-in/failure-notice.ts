import type { AnyMiddlewareArgs } from '@slack/bolt';
import { PolyAIError } from '../outbound/polyai/errors.js';
import type { SlackMessage } from '../outbound/slack/poster.js';
import { slackErrorCode } from '../outbound/slack/slack-errors.js';
import { polyaiErrorMessage } from '../presentation/polyai-errors.js';
import { code } from '../presentation/text.js';
import { type Fields, record } from './guards.js';
import type { Services } from './services.js';

/** What the person is told when their request failed in a way no listener explained. */
function failureMessage(error: unknown): SlackMessage {
  if (error instanceof PolyAIError) return polyaiErrorMessage(error, 'That did not work');
  const slackError = slackErrorCode(error);
  const reason = slackError === undefined ? (error instanceof Error ? error.message : String(error)) : slackError;
  return {
    text: `:warning: That did not work: polychat ran into an error (${code(reason.slice(0, 200))}). Nothing more was done; try again, and if it keeps happening, ask an admin to look at the logs.`,
  };
}

/**
 * Spec §6: every flow that fails tells the person who started it. A listener error that got
 * this far (listeners explain the failures they expect) is said to them ephemerally (through
 * the request's response_url, else in its channel and thread); it is logged by the caller.
 */
export async function tellFailure(services: Services, args: AnyMiddlewareArgs, error: unknown): Promise<void> {
  const body = args.body as Fields;
  const event = record(body.event);
  const message = failureMessage(error);
  const respond = 'respond' in args ? args.respond : undefined;
  const notice =
    respond !== undefined
      ? respond({ response_type: 'ephemeral', replace_original: false, ...message })
      : tellInChannel(services, body, event, message);
  await Promise.resolve(notice).catch(() => {});
}

function tellInChannel(services: Services, body: Fields, event: Fields | undefined, message: SlackMessage) {
  const channel = event?.channel ?? record(body.channel)?.id ?? record(body.container)?.channel_id;
  const user = event?.user ?? record(body.user)?.id;
  if (typeof channel !== 'string' || typeof user !== 'string') return undefined;
  const message_ = record(body.message);
  const threadTs = event?.thread_ts ?? event?.ts ?? message_?.thread_ts ?? message_?.ts;
  return services.slack.ephemeral(channel, user, message, typeof threadTs === 'string' ? threadTs : undefined);
}
