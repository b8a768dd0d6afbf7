import type { SharedFile } from '../../../outbound/slack/files.js';
import type { SlackMessage } from '../../../outbound/slack/poster.js';
import type { TestCommand } from '../../../presentation/commands.js';
import type { Services } from '../../services.js';
import type { CommandContext } from './context.js';

const IMPORT_HINT: SlackMessage = {
  text: 'To import a suite, share its YAML file in the channel with `@polychat test import` as the message.',
};

/**
 * `/polychat test …` (and the same words after `@polychat`): list, run, schedule, unschedule,
 * export; import only as a mention, which carries the file.
 */
export async function testCommand(
  services: Services,
  context: CommandContext,
  command: { test: TestCommand },
  files?: SharedFile[],
): Promise<void> {
  const { suites } = services;
  const { channel, user } = context;
  const test = command.test;
  let told: SlackMessage | undefined;
  switch (test.action) {
    case 'list':
      told = await suites.list(channel);
      break;
    case 'import':
      told = files === undefined ? IMPORT_HINT : await suites.import(channel, user, files);
      break;
    case 'run':
      told = await suites.run(channel, test.suite, user, test.overrides);
      break;
    case 'schedule':
      told = await suites.schedule(channel, test.suite, user, test.every, test.overrides);
      break;
    case 'unschedule':
      told = await suites.unschedule(channel, test.suite, user);
      break;
    case 'export':
      told = await suites.export(channel, test.suite, user);
      break;
  }
  if (told !== undefined) await context.reply(told);
}
