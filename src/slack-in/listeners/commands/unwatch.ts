import type { Services } from '../../services.js';
import { askerOf, type CommandContext } from './context.js';

/** `/polychat unwatch NAME|all`: stops watches of this channel. */
export async function unwatchCommand(
  services: Services,
  context: CommandContext,
  command: { name: string },
): Promise<void> {
  await services.watches.remove(command.name, askerOf(context));
}
