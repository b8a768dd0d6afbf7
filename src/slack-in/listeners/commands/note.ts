import { PolyAIError } from '../../../outbound/polyai/errors.js';
import { noteConfirmation } from '../../../presentation/call-review.js';
import { type ConversationRef, USAGE } from '../../../presentation/commands.js';
import { polyaiErrorMessage } from '../../../presentation/polyai-errors.js';
import { slackToPlain } from '../../../presentation/text.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat note CONVERSATION TEXT`: sets the call's note, confirmed in its thread when one is open here. */
export async function noteCommand(
  services: Services,
  context: CommandContext,
  command: { conversation: ConversationRef; text: string },
): Promise<void> {
  const agentId = await services.calls.requireAgent(context.channel, command.conversation.agentId, USAGE.note);
  const { conversationId } = command.conversation;
  // Slack escapes what was typed; PolyAI keeps the note as the person meant it.
  const note = slackToPlain(command.text);
  try {
    const shown = await services.calls.setNote({ agentId, conversationId, note, user: context.user });
    if (shown?.channel !== context.channel) await context.reply(noteConfirmation(context.user, conversationId, note));
  } catch (error) {
    if (!(error instanceof PolyAIError)) throw error;
    await context.reply(polyaiErrorMessage(error, 'The note was not saved'));
  }
}
