import type { SlackMessage } from '../outbound/slack/poster.js';
import type { Config } from '../platform/config.js';

/** `POLYCHAT_ALLOWED_CHANNELS`: where the app answers at all. */
export function channelAllowed(config: Config, channel: string): boolean {
  return config.allowedChannels === undefined || config.allowedChannels.has(channel);
}

export const CHANNEL_NOT_ALLOWED: SlackMessage = {
  text: "polychat isn't enabled in this channel. Use it in one of the channels an admin listed in `POLYCHAT_ALLOWED_CHANNELS`, or ask them to add this one.",
};
