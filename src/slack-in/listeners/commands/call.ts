import { type ConversationRef, USAGE } from '../../../presentation/commands.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat call CONVERSATION [agent=ID]`: the call's summary and transcript in a new thread. */
export async function callCommand(
  services: Services,
  context: CommandContext,
  command: { conversation: ConversationRef },
): Promise<void> {
  const agentId = await services.calls.requireAgent(context.channel, command.conversation.agentId, USAGE.call);
  await services.calls.open({
    channel: context.channel,
    user: context.user,
    agentId,
    conversationId: command.conversation.conversationId,
    tell: context.reply,
  });
}
