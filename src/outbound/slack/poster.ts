import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../platform/logger.js';
import { slackErrorCode } from './slack-errors.js';

/** A Slack message as polychat builds it: `text` is the notification fallback for `blocks`. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
  /** Who the message speaks as (`chat:write.customize`); unset, it is polychat's own. Posts only: Slack keeps it on updates. */
  as?: SpeakerIdentity;
}

/** A name and icon a message is posted under, instead of the app's. */
export type SpeakerIdentity = { username: string } & ({ icon_emoji: string } | { icon_url: string });

/** Writes to Slack for the domain code: messages, updates, ephemerals and progress reactions. */
export class SlackPoster {
  constructor(
    readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<string> {
    const { as } = message;
    const result = await this.client.chat.postMessage({
      channel,
      ...(threadTs !== undefined && { thread_ts: threadTs }),
      text: message.text,
      ...(message.blocks !== undefined && { blocks: message.blocks }),
      ...(as !== undefined && { username: as.username }),
      ...(as !== undefined && ('icon_emoji' in as ? { icon_emoji: as.icon_emoji } : { icon_url: as.icon_url })),
      unfurl_links: false,
      unfurl_media: false,
    });
    return result.ts ?? '';
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.client.chat.update({
      channel,
      ts,
      text: message.text,
      ...(message.blocks !== undefined && { blocks: message.blocks }),
    });
  }

  /** An ephemeral note to one person; failures are logged, since there is nowhere else to say them. */
  async ephemeral(channel: string, user: string, message: SlackMessage, threadTs?: string): Promise<void> {
    try {
      await this.client.chat.postEphemeral({
        channel,
        user,
        text: message.text,
        ...(message.blocks !== undefined && { blocks: message.blocks }),
        ...(threadTs !== undefined && { thread_ts: threadTs }),
      });
    } catch (error) {
      this.logger.warn(
        { channel, user, slackError: slackErrorCode(error) ?? String(error) },
        'ephemeral not delivered',
      );
    }
  }

  /**
   * How a person appears in Slack (display name and avatar), so that words of theirs polychat
   * posts read as theirs; undefined when Slack will not say (a name is a courtesy, never a reason to fail).
   */
  async personOf(user: string): Promise<SpeakerIdentity | undefined> {
    try {
      const { user: info } = await this.client.users.info({ user });
      const profile = info?.profile;
      const username = [profile?.display_name, profile?.real_name, info?.real_name, info?.name].find(
        (name): name is string => typeof name === 'string' && name.trim() !== '',
      );
      if (username === undefined) return undefined;
      return profile?.image_48
        ? { username, icon_url: profile.image_48 }
        : { username, icon_emoji: ':bust_in_silhouette:' };
    } catch (error) {
      this.logger.debug({ user, slackError: slackErrorCode(error) }, 'no profile');
      return undefined;
    }
  }

  /** A message's permalink, or undefined when Slack gives none (links are a convenience, never a reason to fail). */
  async permalink(channel: string, ts: string): Promise<string | undefined> {
    try {
      const result = await this.client.chat.getPermalink({ channel, message_ts: ts });
      return result.permalink;
    } catch (error) {
      this.logger.debug({ channel, ts, slackError: slackErrorCode(error) }, 'no permalink');
      return undefined;
    }
  }

  /**
   * A status shown under a thread (`assistant.threads.setStatus`, scope `chat:write`); Slack clears
   * it when the app next replies there, and `''` clears it sooner. Answers Slack's error code when
   * it refused, so the caller can show progress another way; undefined when the status is shown.
   */
  async threadStatus(channel: string, threadTs: string, status: string): Promise<string | undefined> {
    try {
      await this.client.assistant.threads.setStatus({ channel_id: channel, thread_ts: threadTs, status });
      return undefined;
    } catch (error) {
      const code = slackErrorCode(error) ?? String(error);
      this.logger.debug({ channel, threadTs, slackError: code }, 'thread status not set');
      return code;
    }
  }

  /** Progress reactions are decoration: a missing scope or a deleted message must not fail a turn. */
  async react(channel: string, ts: string, name: string, on: boolean): Promise<void> {
    try {
      if (on) await this.client.reactions.add({ channel, timestamp: ts, name });
      else await this.client.reactions.remove({ channel, timestamp: ts, name });
    } catch (error) {
      this.logger.debug({ channel, ts, name, slackError: slackErrorCode(error) }, 'reaction not changed');
    }
  }
}
