import type { WebClient } from '@slack/web-api';
import { ConfigError } from '../../platform/config.js';
import { slackErrorCode } from './slack-errors.js';

/** Who the app is in Slack: Bolt needs both to ignore the app's own messages. */
export interface BotIdentity {
  botId?: string;
  botUserId: string;
}

/**
 * Checks SLACK_BOT_TOKEN with `auth.test` before anything starts. Bolt would otherwise make
 * the same call on its own, where a refused token or an unreachable Slack ends the process
 * with a stack trace instead of one line that names the variable.
 */
export async function botIdentity(client: WebClient): Promise<BotIdentity> {
  let result: Awaited<ReturnType<WebClient['auth']['test']>>;
  try {
    result = await client.auth.test();
  } catch (error) {
    const code = slackErrorCode(error);
    if (code !== undefined) throw new ConfigError(`SLACK_BOT_TOKEN was refused by Slack (${code})`);
    throw new ConfigError(`SLACK_API_URL could not be reached: ${(error as Error).message.split('\n')[0]}`);
  }
  if (result.user_id === undefined) {
    throw new ConfigError('SLACK_BOT_TOKEN is not a bot token (xoxb-…): Slack names no user for it');
  }
  return { botUserId: result.user_id, ...(result.bot_id !== undefined && { botId: result.bot_id }) };
}
