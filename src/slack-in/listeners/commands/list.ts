import { USAGE } from '../../../presentation/commands.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat list [agent=ID] [limit=N]`: recent conversations, to the requester alone. */
export async function listCommand(
  services: Services,
  context: CommandContext,
  command: { agentId?: string; limit: number },
): Promise<void> {
  const agentId = await services.calls.requireAgent(context.channel, command.agentId, USAGE.list);
  await services.calls.showList({ agentId, limit: command.limit, offset: 0 }, context.reply);
}
