import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../platform/logger.js';
import { needsInvite, notPosted, slackErrorCode } from './slack-errors.js';

/** A Slack message as polychat builds it: `text` is the notification fallback for `blocks`. */
export interface SlackMessage {
  text: string;
  blocks?: KnownBlock[];
}

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
    const postMessage = (m: SlackMessage) =>
      this.client.chat.postMessage({
        channel,
        ...(threadTs !== undefined && { thread_ts: threadTs }),
        text: m.text,
        ...(m.blocks !== undefined && { blocks: m.blocks }),
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
