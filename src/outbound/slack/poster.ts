import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../platform/logger.js';
import type { PostMessage } from './post-message.js';
import { needsInvite, notPosted, slackErrorCode } from './slack-errors.js';

/** A Slack message as polychat builds it: `text` is the notification fallback for `blocks`. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
  /** Who the message speaks as (`chat:write.customize`); unset, it is polychat's own. Posts only: Slack keeps it on updates. */
  as?: SpeakerIdentity;
}

/** A name and icon a message is posted under, instead of the app's. */
export type SpeakerIdentity = { username: string } & ({ icon_emoji: string } | { icon_url: string });

/**
 * Writes to Slack for the domain code: messages, updates, ephemerals and progress reactions.
 * Retries, rate limits and secret redaction happen below, in the transport (slackFetch).
 */
export class SlackPoster {
  /** The last post queued per thread (or channel, for top-level posts): each waits for the one before. */
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Failures of posts already said in their thread, so that callers don't say them twice. */
  private readonly told = new WeakSet<object>();

  constructor(
    readonly client: WebClient,
    private readonly logger: Logger,
    private readonly postMessage: PostMessage,
  ) {}

  /**
   * Posts in the order of the calls per thread, even while an earlier post waits out a rate limit;
   * other threads and channels do not wait. A post Slack finally does not take is logged with its
   * text, said in the thread when Slack lets us, and rejected for the caller.
   */
  post(channel: string, message: SlackMessage, threadTs?: string): Promise<string> {
    const key = `${channel}/${threadTs ?? ''}`;
    const posting = (this.tails.get(key) ?? Promise.resolve()).then(() => this.send(channel, message, threadTs));
    const tail = posting.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return posting;
  }

  private async send(channel: string, message: SlackMessage, threadTs?: string): Promise<string> {
    const postMessage = ({ text, blocks, as }: SlackMessage) =>
      this.postMessage({
        channel,
        ...(threadTs !== undefined && { thread_ts: threadTs }),
        text,
        ...(blocks !== undefined && { blocks }),
        ...(as !== undefined && { username: as.username }),
        ...(as !== undefined && ('icon_emoji' in as ? { icon_emoji: as.icon_emoji } : { icon_url: as.icon_url })),
        unfurl_links: false,
        unfurl_media: false,
      });
    try {
      return (await postMessage(message)).ts ?? '';
    } catch (error) {
      const slackError = slackErrorCode(error) ?? String(error);
      this.logger.error({ channel, threadTs, slackError, lost: message.text }, 'message not posted');
      // A channel the bot cannot post in is the caller's to explain (an invite hint, ephemerally).
      if (threadTs !== undefined && !needsInvite(error)) {
        await postMessage(notPosted(slackError)).then(
          () => typeof error === 'object' && error !== null && this.told.add(error),
          () => {},
        );
      }
      throw error;
    }
  }

  /** Whether `error` is a post failure that its thread has already been told about. */
  toldInThread(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.told.has(error);
  }

  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.client.chat.update({
      channel,
      ts,
      text: message.text,
      ...(message.blocks !== undefined && { blocks: message.blocks }),
    });
  }

  /** The direct message between the bot and `user` (opened when there is none yet; scope `im:write`). */
  async directMessage(user: string): Promise<string> {
    const opened = await this.client.conversations.open({ users: user });
    if (opened.channel?.id === undefined) throw new Error('Slack opened no direct message');
    return opened.channel.id;
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
