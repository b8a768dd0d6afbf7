import type { WatchConditions } from '../../../outbound/store/records.js';
import type { Services } from '../../services.js';
import { askerOf, type CommandContext } from './context.js';

/** `/polychat watch …`: posts new matching calls into this channel from now on. */
export async function watchCommand(
  services: Services,
  context: CommandContext,
  command: { name?: string; conditions: WatchConditions },
): Promise<void> {
  await services.watches.add(command, askerOf(context));
}
