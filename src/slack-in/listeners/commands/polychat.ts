import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { type PolychatCommand, parseCommand, UsageError } from '../../../presentation/commands.js';
import { helpMessage, usageMessage } from '../../../presentation/help.js';
import type { Services } from '../../services.js';
import { agentCommand } from './agent.js';
import { audioCommand } from './audio.js';
import { callCommand } from './call.js';
import type { CommandContext } from './context.js';
import { listCommand } from './list.js';
import { noteCommand } from './note.js';
import { queueCommand } from './queue.js';
import { resumeCommand } from './resume.js';
import { sampleCommand } from './sample.js';
import { searchCommand } from './search.js';
import { startCommand } from './start.js';
import { testCommand } from './test.js';
import { unwatchCommand } from './unwatch.js';
import { watchCommand } from './watch.js';
import { watchesCommand } from './watches.js';

type Handler<K extends PolychatCommand['kind']> = (
  services: Services,
  context: CommandContext,
  command: Extract<PolychatCommand, { kind: K }>,
) => Promise<void>;

/** One handler per subcommand; each lives in its own file. */
export type CommandHandlers = { [K in PolychatCommand['kind']]: Handler<K> };

export const commandHandlers: CommandHandlers = {
  help: async (_services, context, command) => context.reply(helpMessage(command.topic)),
  start: startCommand,
  agent: agentCommand,
  end: async (_services, context) =>
    context.reply({
      text: 'To end a debug chat, write `@polychat end` in its thread, or press End on its first message.',
    }),
  list: listCommand,
  call: callCommand,
  audio: audioCommand,
  note: noteCommand,
  resume: resumeCommand,
  search: searchCommand,
  sample: sampleCommand,
  queue: queueCommand,
  watch: watchCommand,
  watches: watchesCommand,
  unwatch: unwatchCommand,
  test: testCommand,
  save: async (_services, context) =>
    context.reply({
      text: 'To save a debug chat as a test, press *Save as test…* on its first message, or write `@polychat save as test SUITE [CASE NAME]` in its thread.',
    }),
};

/** `/polychat …`: acknowledged at once; parsing errors answer ephemerally and send nothing upstream. */
export function polychatCommand(services: Services) {
  return async ({ ack, command, respond }: AllMiddlewareArgs & SlackCommandMiddlewareArgs): Promise<void> => {
    await ack();
    const context: CommandContext = {
      channel: command.channel_id,
      user: command.user_id,
      triggerId: command.trigger_id,
      reply: async (message) => {
        await respond({ response_type: 'ephemeral', replace_original: false, ...message });
      },
    };
    // A delivery without a text field (not what Slack sends, but seen) gets the usage, not a start.
    if (typeof command.text !== 'string') {
      await context.reply(helpMessage());
      return;
    }
    let parsed: PolychatCommand;
    try {
      parsed = parseCommand(command.text);
    } catch (error) {
      if (error instanceof UsageError) {
        await context.reply(usageMessage(error));
        return;
      }
      throw error;
    }
    try {
      await (commandHandlers[parsed.kind] as Handler<typeof parsed.kind>)(services, context, parsed);
    } catch (error) {
      if (error instanceof UsageError) await context.reply(usageMessage(error));
      else throw error;
    }
  };
}
