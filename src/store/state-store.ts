import type { Keyv } from 'keyv';
import type { Coordination } from './coordination.js';
import type { CallThread, ChannelDefaults, MessageTurn, Session, ThreadRef } from './records.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One kind of record in the store: its own key prefix, value type and lifetime. */
class Collection<T> {
  constructor(
    private readonly keyv: Keyv,
    private readonly prefix: string,
    private readonly ttlMs?: number,
  ) {}

  async get(id: string): Promise<T | undefined> {
    return (await this.keyv.get<T>(`${this.prefix}:${id}`)) ?? undefined;
  }

  async set(id: string, value: T): Promise<void> {
    await this.keyv.set(`${this.prefix}:${id}`, value, this.ttlMs);
  }

  async delete(id: string): Promise<void> {
    await this.keyv.delete(`${this.prefix}:${id}`);
  }
}

const threadId = ({ channel, threadTs }: ThreadRef) => `${channel}:${threadTs}`;

/**
 * Everything polychat remembers (spec §5). The rest of the app asks for records by
 * meaning and never learns which keyv store holds them.
 */
export class StateStore {
  private readonly sessions: Collection<Session>;
  private readonly channels: Collection<ChannelDefaults>;
  private readonly messages: Collection<MessageTurn>;
  private readonly calls: Collection<CallThread>;
  private readonly conversations: Collection<ThreadRef>;

  constructor(
    keyv: Keyv,
    readonly coordination: Coordination,
  ) {
    this.sessions = new Collection(keyv, 'session', 90 * DAY_MS);
    this.channels = new Collection(keyv, 'channel');
    this.messages = new Collection(keyv, 'message-turn', 90 * DAY_MS);
    this.calls = new Collection(keyv, 'call-thread', 90 * DAY_MS);
    this.conversations = new Collection(keyv, 'conversation-thread', 90 * DAY_MS);
  }

  session(thread: ThreadRef): Promise<Session | undefined> {
    return this.sessions.get(threadId(thread));
  }

  async saveSession(session: Session): Promise<void> {
    await Promise.all([
      this.sessions.set(threadId(session), session),
      this.conversations.set(session.conversationId, { channel: session.channel, threadTs: session.threadTs }),
    ]);
  }

  /** The thread a debug chat or reviewed call lives in, if any. */
  threadOfConversation(conversationId: string): Promise<ThreadRef | undefined> {
    return this.conversations.get(conversationId);
  }

  channelDefaults(channel: string): Promise<ChannelDefaults> {
    return this.channels.get(channel).then((d) => d ?? {});
  }

  async updateChannelDefaults(channel: string, change: ChannelDefaults): Promise<ChannelDefaults> {
    const next = { ...(await this.channelDefaults(channel)), ...change };
    await this.channels.set(channel, next);
    return next;
  }

  messageTurn(channel: string, ts: string): Promise<MessageTurn | undefined> {
    return this.messages.get(`${channel}:${ts}`);
  }

  rememberMessageTurn(channel: string, ts: string, turn: MessageTurn): Promise<void> {
    return this.messages.set(`${channel}:${ts}`, turn);
  }

  callThread(thread: ThreadRef): Promise<CallThread | undefined> {
    return this.calls.get(threadId(thread));
  }

  async saveCallThread(call: CallThread): Promise<void> {
    await Promise.all([
      this.calls.set(threadId(call), call),
      this.conversations.set(call.conversationId, { channel: call.channel, threadTs: call.threadTs }),
    ]);
  }

  /** True the first time a Slack event ID is seen (across restarts and instances). */
  claimEvent(eventId: string): Promise<boolean> {
    return this.coordination.claimOnce(`event:${eventId}`, DAY_MS);
  }

  ping(): Promise<void> {
    return this.coordination.ping();
  }

  close(): Promise<void> {
    return this.coordination.close();
  }
}
