import type { AudioDirection } from '../../../outbound/polyai/types.js';
import { type ConversationRef, USAGE } from '../../../presentation/commands.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat audio CONVERSATION [direction=…] [redacted=…]`: the recording, uploaded into the call's thread or the channel. */
export async function audioCommand(
  services: Services,
  context: CommandContext,
  command: { conversation: ConversationRef; direction: AudioDirection; redacted?: boolean },
): Promise<void> {
  const agentId = await services.calls.requireAgent(context.channel, command.conversation.agentId, USAGE.audio);
  await services.audio.send({
    channel: context.channel,
    user: context.user,
    agentId,
    conversationId: command.conversation.conversationId,
    direction: command.direction,
    ...(command.redacted !== undefined && { redacted: command.redacted }),
    tell: context.reply,
  });
}
