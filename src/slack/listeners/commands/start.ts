import type { StartOptions } from '../../../commands/parse.js';
import type { Services } from '../../../services.js';
import { INVITE_HINT, needsInvite } from '../../slack-errors.js';
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
      options: command.options,
      ...(command.message !== undefined && { message: command.message }),
    });
  } catch (error) {
    if (needsInvite(error)) await context.reply({ text: INVITE_HINT });
    else throw error;
  }
}
