import type { Coordination } from './coordination.js';
import type {
  CallThread,
  ChannelDefaults,
  MessageTurn,
  ReplayRun,
  ReplyDetails,
  Session,
  ThreadRef,
  TranscriptTurn,
  UserIndex,
} from './records.js';
import { SuiteStore } from './suite-store.js';
import type { KeyValue } from './write-through-cache.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Turns of a thread kept for replays; longer threads replay their first ones. */
export const TRANSCRIPT_LIMIT = 500;
/** Sessions the App Home tab lists per person. */
export const USER_SESSIONS_LIMIT = 20;

/** One kind of record in the store: its own key prefix, value type and lifetime. */
export class Collection<T> {
  constructor(
    private readonly keyv: KeyValue,
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
  private readonly details: Collection<ReplyDetails>;
  private readonly transcripts: Collection<TranscriptTurn[]>;
  private readonly replays: Collection<ReplayRun>;
  private readonly replayStops: Collection<{ by: string }>;
  private readonly users: Collection<UserIndex>;
  /** Regression suites, their runs and schedules (spec §7). */
  readonly suites: SuiteStore;

  constructor(
    keyv: KeyValue,
    readonly coordination: Coordination,
  ) {
    this.sessions = new Collection(keyv, 'session', 90 * DAY_MS);
    this.channels = new Collection(keyv, 'channel');
    this.messages = new Collection(keyv, 'message-turn', 90 * DAY_MS);
    this.calls = new Collection(keyv, 'call-thread', 90 * DAY_MS);
    this.conversations = new Collection(keyv, 'conversation-thread', 90 * DAY_MS);
    this.details = new Collection(keyv, 'reply-details', 30 * DAY_MS);
    this.transcripts = new Collection(keyv, 'transcript', 90 * DAY_MS);
    this.replays = new Collection(keyv, 'replay', DAY_MS);
    this.replayStops = new Collection(keyv, 'replay-stop', DAY_MS);
    this.users = new Collection(keyv, 'user', 90 * DAY_MS);
    this.suites = new SuiteStore(keyv, coordination);
  }

  session(thread: ThreadRef): Promise<Session | undefined> {
    return this.sessions.get(threadId(thread));
  }

  async saveSession(session: Session): Promise<void> {
    await Promise.all([
      this.sessions.set(threadId(session), session),
      // A session still starting has no conversation to index yet.
      ...(session.conversationId === ''
        ? []
        : [this.conversations.set(session.conversationId, { channel: session.channel, threadTs: session.threadTs })]),
    ]);
  }

  /** Saves a session whose conversation is indexed already: one write, as after every turn. */
  updateSession(session: Session): Promise<void> {
    return this.sessions.set(threadId(session), session);
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

  /**
   * The trace of one agent reply in a thread, for its Details button; `reply` names it within
   * the thread (saved before the reply is posted, so the button never outruns it).
   */
  replyDetails(thread: ThreadRef, reply: string): Promise<ReplyDetails | undefined> {
    return this.details.get(`${threadId(thread)}:${reply}`);
  }

  saveReplyDetails(thread: ThreadRef, reply: string, details: ReplyDetails): Promise<void> {
    return this.details.set(`${threadId(thread)}:${reply}`, details);
  }

  /** The turns of a debug-chat thread so far, greeting first. */
  transcript(thread: ThreadRef): Promise<TranscriptTurn[]> {
    return this.transcripts.get(threadId(thread)).then((turns) => turns ?? []);
  }

  /** Appends turns; callers hold the thread's turn order, so no two appends race. */
  async appendTranscript(thread: ThreadRef, turns: TranscriptTurn[]): Promise<void> {
    const kept = await this.transcript(thread);
    if (kept.length >= TRANSCRIPT_LIMIT) return;
    await this.transcripts.set(threadId(thread), [...kept, ...turns].slice(0, TRANSCRIPT_LIMIT));
  }

  replay(id: string): Promise<ReplayRun | undefined> {
    return this.replays.get(id);
  }

  saveReplay(run: ReplayRun): Promise<void> {
    return this.replays.set(run.id, run);
  }

  /** A Stop press, kept apart from the run so the replaying instance never overwrites it. */
  requestReplayStop(id: string, by: string): Promise<void> {
    return this.replayStops.set(id, { by });
  }

  replayStopRequest(id: string): Promise<{ by: string } | undefined> {
    return this.replayStops.get(id);
  }

  userIndex(user: string): Promise<UserIndex> {
    return this.users.get(user).then((index) => index ?? { sessions: [], defaultChannels: [] });
  }

  /** Puts a session first in its starter's list (for the App Home tab). */
  async rememberUserSession(user: string, thread: ThreadRef): Promise<void> {
    const index = await this.userIndex(user);
    const others = index.sessions.filter((s) => threadId(s) !== threadId(thread));
    const sessions = [{ channel: thread.channel, threadTs: thread.threadTs }, ...others];
    await this.users.set(user, { ...index, sessions: sessions.slice(0, USER_SESSIONS_LIMIT) });
  }

  /** Remembers that `user` set defaults in `channel` (for the App Home tab). */
  async rememberUserDefaults(user: string, channel: string): Promise<void> {
    const index = await this.userIndex(user);
    if (index.defaultChannels.includes(channel)) return;
    await this.users.set(user, { ...index, defaultChannels: [channel, ...index.defaultChannels].slice(0, 50) });
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
