import type { Services } from '../../services.js';
import { askerOf, type CommandContext } from './context.js';

/** `/polychat watches`: this channel's watches, to the requester. */
export async function watchesCommand(services: Services, context: CommandContext): Promise<void> {
  await services.watches.list(askerOf(context));
}
