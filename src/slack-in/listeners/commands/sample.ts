import type { CallRange } from '../../../presentation/commands.js';
import type { Services } from '../../services.js';
import { askerOf, type CommandContext } from './context.js';

/** `/polychat sample N`: N random calls posted in the channel for review. */
export async function sampleCommand(
  services: Services,
  context: CommandContext,
  command: { count: number; range: CallRange },
): Promise<void> {
  await services.finder.sample(command.count, command.range, askerOf(context));
}
