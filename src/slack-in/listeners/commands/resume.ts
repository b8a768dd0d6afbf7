import { INVITE_HINT, needsInvite } from '../../../outbound/slack/slack-errors.js';
import type { ConversationRef, StartOptions } from '../../../presentation/commands.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat resume CONVERSATION [options]`: a new thread bound to a debug chat that already exists. */
export async function resumeCommand(
  services: Services,
  context: CommandContext,
  command: { conversation: ConversationRef; options: StartOptions },
): Promise<void> {
  const agentId = command.options.agentId ?? command.conversation.agentId;
  try {
    await services.chats.resume({
      channel: context.channel,
      user: context.user,
      conversationId: command.conversation.conversationId,
      options: { ...command.options, ...(agentId !== undefined && { agentId }) },
    });
  } catch (error) {
    if (needsInvite(error)) await context.reply({ text: INVITE_HINT });
    else throw error;
  }
}
