import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackMessage } from '../../../outbound/slack/poster.js';
import { INVITE_HINT, needsInvite } from '../../../outbound/slack/slack-errors.js';
import { parseCommand, type StartOptions, UsageError } from '../../../presentation/commands.js';
import { helpMessage, usageMessage } from '../../../presentation/help.js';
import { slackToPlain } from '../../../presentation/text.js';
import type { Services } from '../../services.js';
import { testCommand } from '../commands/test.js';
import { sharedFiles } from './shared-files.js';

/**
 * `@polychat [options] [message]` binds a debug chat to the thread it is written in (or starts
 * a thread under it); `@polychat end` ends the thread's session; `@polychat help` shows usage.
 */
export function appMentionEvent(services: Services) {
  return async ({
    event,
    body,
    context,
  }: AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_mention'>): Promise<void> => {
    const user = event.user;
    if (user === undefined || event.bot_id !== undefined) return;
    if (!(await services.store.claimEvent(body.event_id))) {
      services.metrics.eventsDeduplicated.inc();
      return;
    }
    const threadTs = event.thread_ts ?? event.ts;
    const tell = (message: SlackMessage) => services.slack.ephemeral(event.channel, user, message, threadTs);
    const mention = context.botUserId === undefined ? /<@[UW][A-Z0-9]+>/g : new RegExp(`<@${context.botUserId}>`, 'g');
    const text = slackToPlain(event.text.replace(mention, ' '));
    try {
      const command = parseCommand(text);
      switch (command.kind) {
        case 'help':
          await tell(helpMessage(command.topic));
          return;
        case 'end': {
          const outcome = await services.chats.end({ channel: event.channel, threadTs }, user, event.ts);
          if (outcome === 'none') await tell({ text: 'There is no active debug chat in this thread.' });
          return;
        }
        case 'start': {
          const thread = { channel: event.channel, threadTs };
          const session = await services.store.session(thread);
          // In a live session, "@polychat <words>" is someone talking to the agent, not a new start.
          if (
            session !== undefined &&
            session.ended === undefined &&
            command.message !== undefined &&
            noOptions(command.options)
          ) {
            await services.chats.reply({ ...thread, ts: event.ts, user, text: command.message }, session);
            return;
          }
          await services.chats.start({
            channel: event.channel,
            user,
            options: command.options,
            ...(command.message !== undefined && { message: command.message }),
            thread: { threadTs, requestTs: event.ts },
          });
          return;
        }
        case 'save': {
          const told = await services.suites.save(
            { channel: event.channel, threadTs },
            user,
            command.suite,
            command.caseName,
          );
          if (told !== undefined) await tell(told);
          return;
        }
        case 'test': {
          const context = { channel: event.channel, user, triggerId: '', reply: tell };
          const files = command.test.action === 'import' ? await sharedFiles(services, event.files ?? []) : undefined;
          await testCommand(services, context, command, files);
          return;
        }
        default:
          await tell({
            text: `Use \`/polychat ${command.kind} …\` for that; in a thread I take options, a message, \`help\` or \`end\`.`,
          });
      }
    } catch (error) {
      if (error instanceof UsageError) await tell(usageMessage(error));
      else if (needsInvite(error)) await tell({ text: INVITE_HINT });
      else throw error;
    }
  };
}

function noOptions(options: StartOptions): boolean {
  return Object.entries(options).every(([key, value]) => key === 'attributes' && Object.keys(value).length === 0);
}
