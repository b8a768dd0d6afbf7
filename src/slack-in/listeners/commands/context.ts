import type { SlackMessage } from '../../../outbound/slack/poster.js';

/** What a /polychat subcommand needs to know about where and by whom it was typed. */
export interface CommandContext {
  channel: string;
  user: string;
  triggerId: string;
  /** Replies to the person who typed the command only. */
  reply: (message: SlackMessage) => Promise<void>;
}

/** Who asked, where, and how to answer them alone: what the §8 services take. */
export function askerOf(context: CommandContext): { channel: string; user: string; tell: CommandContext['reply'] } {
  return { channel: context.channel, user: context.user, tell: context.reply };
}
