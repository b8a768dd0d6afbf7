import { code } from '../../../presentation/text.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

/** `/polychat agent [ID] [details=on|off]`: shows or sets this channel's defaults. */
export async function agentCommand(
  services: Services,
  context: CommandContext,
  command: { agentId?: string; details?: boolean },
): Promise<void> {
  const change = {
    ...(command.agentId !== undefined && { agentId: command.agentId }),
    ...(command.details !== undefined && { details: command.details }),
  };
  const changed = Object.keys(change).length > 0;
  const defaults = changed
    ? await services.store.updateChannelDefaults(context.channel, change)
    : await services.store.channelDefaults(context.channel);
  // The App Home tab lists the channels whose defaults a person set.
  if (changed) await services.store.rememberUserDefaults(context.user, context.channel);
  const fallback = services.config.polyai.defaultAgentId;
  const agent =
    defaults.agentId !== undefined
      ? code(defaults.agentId)
      : fallback !== undefined
        ? `${code(fallback)} (the app default)`
        : '_none_ (set one with `/polychat agent ID`)';
  const lead = changed
    ? `:white_check_mark: <@${context.user}> set this channel's defaults.`
    : "This channel's defaults:";
  await context.reply({
    text: `${lead}\n*Agent:* ${agent}\n*Turn details:* ${defaults.details === true ? 'on' : 'off'}`,
  });
}
