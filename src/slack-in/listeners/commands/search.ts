import type { SearchCommand } from '../../../presentation/commands.js';
import type { Services } from '../../services.js';
import { askerOf, type CommandContext } from './context.js';

/** `/polychat search … TEXT`: calls whose transcript matches, to the requester alone. */
export async function searchCommand(
  services: Services,
  context: CommandContext,
  command: { search: SearchCommand },
): Promise<void> {
  await services.finder.search(command.search, askerOf(context));
}
