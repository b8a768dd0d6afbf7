import { Collection, DAY_MS } from './collection.js';
import type { Coordination } from './coordination.js';
import type {
  CallCard,
  CallThread,
  ChannelDefaults,
  MessageTurn,
  ReplayRun,
  ReplyDetails,
  ReviewStatus,
  SearchPage,
  Session,
  ThreadRef,
  TranscriptTurn,
  UserIndex,
  Watch,
  WatchState,
} from './records.js';
import { SuiteStore } from './suite-store.js';
import type { KeyValue, StoreEntry } from './write-through-cache.js';

/** Turns of a thread kept for replays; longer threads replay their first ones. */
export const TRANSCRIPT_LIMIT = 500;
/** Sessions the App Home tab lists per person. */
export const USER_SESSIONS_LIMIT = 20;

interface FindingCollections {
  statuses: Collection<ReviewStatus>;
  cards: Collection<CallCard>;
  queues: Collection<Array<{ agentId: string; conversationId: string }>>;
  watches: Collection<Watch[]>;
  watchChannels: Collection<string[]>;
  watchStates: Collection<WatchState>;
  watchSeen: Collection<boolean>;
  searches: Collection<SearchPage>;
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
  /** One record per transcript turn (`thread:index`), so a turn appends without rewriting the thread's. */
  private readonly transcripts: Collection<TranscriptTurn>;
  private readonly replays: Collection<ReplayRun>;
  private readonly replayStops: Collection<{ by: string }>;
  private readonly users: Collection<UserIndex>;
  private readonly finding: FindingCollections;
  /** Regression suites, their runs and schedules (spec §7). */
  readonly suites: SuiteStore;

  constructor(
    private readonly keyv: KeyValue,
    readonly coordination: Coordination,
  ) {
    this.sessions = new Collection(keyv, 'session', 90 * DAY_MS);
    this.channels = new Collection(keyv, 'channel');
    this.messages = new Collection(keyv, 'message-turn', 90 * DAY_MS);
    this.calls = new Collection(keyv, 'call-thread', 90 * DAY_MS);
    this.conversations = new Collection(keyv, 'conversation-thread', 90 * DAY_MS);
    this.details = new Collection(keyv, 'reply-details', 30 * DAY_MS);
    this.transcripts = new Collection(keyv, 'transcript-turn', 90 * DAY_MS);
    this.replays = new Collection(keyv, 'replay', DAY_MS);
    this.replayStops = new Collection(keyv, 'replay-stop', DAY_MS);
    this.users = new Collection(keyv, 'user', 90 * DAY_MS);
    this.finding = {
      statuses: new Collection(keyv, 'review-status', 180 * DAY_MS),
      cards: new Collection(keyv, 'call-card', 90 * DAY_MS),
      queues: new Collection(keyv, 'review-queue', 180 * DAY_MS),
      watches: new Collection(keyv, 'watches'),
      watchChannels: new Collection(keyv, 'watch-channels'),
      watchStates: new Collection(keyv, 'watch-state'),
      watchSeen: new Collection(keyv, 'watch-seen', 30 * DAY_MS),
      searches: new Collection(keyv, 'search-page', DAY_MS),
    };
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
   * the thread (written in the turn's batch, as its reply is posted).
   */
  replyDetails(thread: ThreadRef, reply: string): Promise<ReplyDetails | undefined> {
    return this.details.get(`${threadId(thread)}:${reply}`);
  }

  /** The turns of a debug-chat thread so far, greeting first. */
  async transcript(thread: ThreadRef): Promise<TranscriptTurn[]> {
    const length = (await this.session(thread))?.transcriptTurns ?? 0;
    const turns = await Promise.all(
      Array.from({ length }, (_, index) => this.transcripts.get(`${threadId(thread)}:${index}`)),
    );
    return turns.filter((turn) => turn !== undefined);
  }

  /**
   * Collects what one step of a thread writes (a turn's session, transcript entry, message→turn
   * maps and reply traces) to commit it in one store write. Callers hold the thread's turn order.
   */
  batch(session: Session): ThreadBatch {
    return new ThreadBatch(session, {
      commit: (entries) => this.keyv.setMany(entries),
      session: (value) => this.sessions.entry(threadId(value), value),
      messageTurn: (channel, ts, turn) => this.messages.entry(`${channel}:${ts}`, turn),
      details: (reply, details) => this.details.entry(`${threadId(session)}:${reply}`, details),
      transcriptTurn: (index, turn) => this.transcripts.entry(`${threadId(session)}:${index}`, turn),
    });
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

  // ---------------------------------------------- finding calls (spec §8)
  // Writers hold `coordination.inOrder` on the record's key, so read-modify-write is safe across instances.

  reviewStatus(agentId: string, conversationId: string): Promise<ReviewStatus | undefined> {
    return this.finding.statuses.get(`${agentId}:${conversationId}`);
  }

  saveReviewStatus(status: ReviewStatus): Promise<void> {
    return this.finding.statuses.set(`${status.agentId}:${status.conversationId}`, status);
  }

  callCard(channel: string, ts: string): Promise<CallCard | undefined> {
    return this.finding.cards.get(`${channel}:${ts}`);
  }

  saveCallCard(card: CallCard): Promise<void> {
    return this.finding.cards.set(`${card.channel}:${card.ts}`, card);
  }

  /** The calls whose reviews a channel's queue lists, newest first. */
  reviewQueue(channel: string): Promise<Array<{ agentId: string; conversationId: string }>> {
    return this.finding.queues.get(channel).then((q) => q ?? []);
  }

  saveReviewQueue(channel: string, calls: Array<{ agentId: string; conversationId: string }>): Promise<void> {
    return this.finding.queues.set(channel, calls);
  }

  watches(channel: string): Promise<Watch[]> {
    return this.finding.watches.get(channel).then((w) => w ?? []);
  }

  saveWatches(channel: string, watches: Watch[]): Promise<void> {
    return watches.length === 0 ? this.finding.watches.delete(channel) : this.finding.watches.set(channel, watches);
  }

  /** Channels that have watches, for the poller. */
  watchChannels(): Promise<string[]> {
    return this.finding.watchChannels.get('all').then((c) => c ?? []);
  }

  saveWatchChannels(channels: string[]): Promise<void> {
    return this.finding.watchChannels.set('all', channels);
  }

  watchState(id: string): Promise<WatchState | undefined> {
    return this.finding.watchStates.get(id);
  }

  saveWatchState(id: string, state: WatchState): Promise<void> {
    return this.finding.watchStates.set(id, state);
  }

  /** Whether a watch has already looked at (and posted, or passed over) a call. */
  async watchSeen(id: string, conversationId: string): Promise<boolean> {
    return (await this.finding.watchSeen.get(`${id}:${conversationId}`)) !== undefined;
  }

  markWatchSeen(id: string, conversationId: string): Promise<void> {
    return this.finding.watchSeen.set(`${id}:${conversationId}`, true);
  }

  searchPage(id: string): Promise<SearchPage | undefined> {
    return this.finding.searches.get(id);
  }

  saveSearchPage(id: string, page: SearchPage): Promise<void> {
    return this.finding.searches.set(id, page);
  }

  ping(): Promise<void> {
    return this.coordination.ping();
  }

  close(): Promise<void> {
    return this.coordination.close();
  }
}

/** How a ThreadBatch turns records into store writes. */
interface BatchWriter {
  commit(entries: StoreEntry[]): Promise<unknown>;
  session(session: Session): StoreEntry;
  messageTurn(channel: string, ts: string, turn: MessageTurn): StoreEntry;
  details(reply: string, details: ReplyDetails): StoreEntry;
  transcriptTurn(index: number, turn: TranscriptTurn): StoreEntry;
}

/**
 * The records of one thread written together (see StateStore.batch). The session it writes
 * carries the transcript's length, so a new transcript turn is written on its own, never by
 * reading and rewriting the turns before it.
 */
export class ThreadBatch {
  private entries: StoreEntry[] = [];
  private session: Session | undefined;
  private length: number;

  constructor(
    private base: Session,
    private readonly writer: BatchWriter,
  ) {
    this.length = base.transcriptTurns ?? 0;
  }

  /** The session as it is to be saved (its transcript length is the batch's). */
  saveSession(session: Session): void {
    this.session = session;
  }

  rememberMessageTurn(channel: string, ts: string, turn: MessageTurn): void {
    this.entries.push(this.writer.messageTurn(channel, ts, turn));
  }

  saveReplyDetails(reply: string, details: ReplyDetails): void {
    this.entries.push(this.writer.details(reply, details));
  }

  /** Appends turns to the transcript; past TRANSCRIPT_LIMIT, threads keep their first turns. */
  appendTranscript(turns: TranscriptTurn[]): void {
    for (const turn of turns) {
      if (this.length >= TRANSCRIPT_LIMIT) break;
      this.entries.push(this.writer.transcriptTurn(this.length++, turn));
    }
    this.session ??= this.base;
  }

  /** Writes what was collected since the last commit, in one store write. */
  async commit(): Promise<void> {
    const entries = this.entries;
    if (this.session !== undefined) {
      this.base = { ...this.session, transcriptTurns: this.length };
      entries.push(this.writer.session(this.base));
    }
    this.entries = [];
    this.session = undefined;
    if (entries.length > 0) await this.writer.commit(entries);
  }
}
