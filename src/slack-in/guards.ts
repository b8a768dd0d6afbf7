import type { AckFn, AllMiddlewareArgs, AnyMiddlewareArgs, ViewResponseAction } from '@slack/bolt';
import type { SlackMessage } from '../outbound/slack/poster.js';
import type { Config } from '../platform/config.js';
import { doneModal } from '../presentation/call-modals.js';
import type { Services } from './services.js';

/** `POLYCHAT_ALLOWED_CHANNELS`: where the app answers at all. */
export function channelAllowed(config: Config, channel: string): boolean {
  return config.allowedChannels === undefined || config.allowedChannels.has(channel);
}

export const CHANNEL_NOT_ALLOWED: SlackMessage = {
  text: "polychat isn't enabled in this channel. Use it in one of the channels an admin listed in `POLYCHAT_ALLOWED_CHANNELS`, or ask them to add this one.",
};

/** A request body's fields, as Bolt hands them over (untyped: a request may be of any kind). */
export type Fields = Record<string, unknown>;

/** `value` as a record of fields, or undefined when it is none (a body may carry anything). */
export function record(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null ? (value as Fields) : undefined;
}

/** The channel a modal was opened for: every polychat modal carries it in `private_metadata`. */
function modalChannel(view: unknown): unknown {
  const metadata = record(view)?.private_metadata;
  if (typeof metadata !== 'string' || metadata === '') return undefined;
  try {
    return record(JSON.parse(metadata))?.channel;
  } catch {
    return undefined;
  }
}

/**
 * Every channel a request comes from or acts on (spec §6): a command's or shortcut's channel,
 * a mention's or thread reply's channel, the message a button is on, and the channel a modal
 * (and a button inside one) was opened for. App Home and other channel-less requests have none.
 */
export function requestChannels(body: Fields): string[] {
  const event = record(body.event);
  const channels = [
    body.channel_id,
    record(body.channel)?.id,
    record(body.container)?.channel_id,
    modalChannel(body.view),
    event?.type === 'message' || event?.type === 'app_mention' ? event.channel : undefined,
  ];
  return [...new Set(channels.filter((c): c is string => typeof c === 'string' && c !== ''))];
}

/**
 * Refuses a request from or about a channel outside `POLYCHAT_ALLOWED_CHANNELS` before any
 * listener runs, so nothing is fetched or posted for it; the person is told ephemerally (in the
 * modal, for a modal), and thread replies there are ignored. Answers whether it refused.
 */
export async function refuseOutsideAllowedChannels(
  services: Services,
  args: AnyMiddlewareArgs & AllMiddlewareArgs,
): Promise<boolean> {
  // Without a list every channel is allowed: nothing to look at.
  if (services.config.allowedChannels === undefined) return false;
  const body = args.body as Fields;
  const refused = requestChannels(body).find((channel) => !channelAllowed(services.config, channel));
  if (refused === undefined) return false;
  services.logger.info(
    { slack: { refusedChannel: refused, type: body.type ?? record(body.event)?.type } },
    'channel not allowed',
  );
  const ack = 'ack' in args ? (args.ack as AckFn<ViewResponseAction>) : undefined;
  if (body.type === 'view_submission') {
    const title = record(record(body.view)?.title)?.text;
    await ack?.({
      response_action: 'update',
      view: doneModal(typeof title === 'string' ? title : 'polychat', CHANNEL_NOT_ALLOWED.text),
    });
    return true;
  }
  await ack?.();
  const user = record(body.user)?.id ?? body.user_id ?? record(body.event)?.user;
  if ('respond' in args && args.respond !== undefined) {
    await args.respond({ response_type: 'ephemeral', replace_original: false, ...CHANNEL_NOT_ALLOWED });
  } else if (body.type === 'message_action' && typeof body.trigger_id === 'string') {
    await args.client.views.open({
      trigger_id: body.trigger_id,
      view: doneModal('polychat', CHANNEL_NOT_ALLOWED.text),
    });
  } else if (record(body.event)?.type === 'app_mention' && typeof user === 'string') {
    const event = record(body.event) as Fields;
    const threadTs = typeof event.thread_ts === 'string' ? event.thread_ts : String(event.ts);
    await services.slack.ephemeral(refused, user, CHANNEL_NOT_ALLOWED, threadTs);
  }
  return true;
}
