import { INVITE_HINT, needsInvite } from '../../../outbound/slack/slack-errors.js';
import type { StartOptions } from '../../../presentation/commands.js';
import { slackToPlain } from '../../../presentation/text.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat [options] [first message]`: a new debug chat in a new thread. */
export async function startCommand(
  services: Services,
  context: CommandContext,
  command: { options: StartOptions; message?: string },
): Promise<void> {
  try {
    await services.chats.start({
      channel: context.channel,
      user: context.user,
      options: plainAttributes(command.options),
      tell: context.reply,
      // Slack escapes what was typed (should_escape): the agent gets it as the person wrote it.
      ...(command.message !== undefined && { message: slackToPlain(command.message) }),
    });
  } catch (error) {
    if (needsInvite(error)) await context.reply({ text: INVITE_HINT });
    else throw error;
  }
}

/** Attribute values as typed, without Slack's escaping. */
function plainAttributes(options: StartOptions): StartOptions {
  const attributes = Object.fromEntries(Object.entries(options.attributes).map(([k, v]) => [k, slackToPlain(v)]));
  return { ...options, attributes };
}
