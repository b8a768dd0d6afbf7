import { NOT_CONFIGURED, queueMessage } from '../../../presentation/finding.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat queue`: this channel's call reviews not yet marked reviewed, to the requester. */
export async function queueCommand(services: Services, context: CommandContext): Promise<void> {
  if (services.config.conversations === undefined) return context.reply(NOT_CONFIGURED);
  await context.reply(queueMessage(await services.statuses.queue(context.channel)));
}
