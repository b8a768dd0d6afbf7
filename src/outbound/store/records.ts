import type { ClientEnv } from '../../platform/config.js';
import type { AnnotationRole } from '../polyai/types.js';
import type { SlackMessage } from '../slack/poster.js';

/** Where a Slack thread is: its channel and the `ts` of its root message. */
export interface ThreadRef {
  channel: string;
  threadTs: string;
}

/** The settings a debug chat was started with; enough to restart or replay it. */
export interface SessionSettings {
  agentId: string;
  clientEnv: ClientEnv;
  variantId?: string;
  lang?: string;
  /** PolyAI channel, e.g. `chat.polyai`. */
  polyaiChannel?: string;
  integrationAttributes?: Record<string, string>;
  details: boolean;
}

/** A Slack thread bound to one PolyAI debug-chat conversation. */
export interface Session extends ThreadRef, SessionSettings {
  conversationId: string;
  startedBy: string;
  startedAt: string;
  /** Turns answered so far; the greeting is turn 0. */
  turns: number;
  /** Entries in the thread's transcript (kept by the store: StateStore.batch). */
  transcriptTurns?: number;
  ended?: { at: string; by?: string; reason: 'agent' | 'user' | 'upstream' };
  /** Set when the session was not started from scratch: shown, with its link, on the root message. */
  origin?: SessionOrigin;
}

/** How a session came about: a restart or replay of another thread, or a resumed conversation. */
export interface SessionOrigin {
  kind: 'restart' | 'replay' | 'resume';
  /** Permalink of the thread it came from (restart, replay), when Slack gave one. */
  link?: string;
}

/** Defaults a channel sets with `/polychat agent …`. */
export interface ChannelDefaults {
  agentId?: string;
  details?: boolean;
}

/** Which conversation turn a Slack message shows, for annotations. */
export interface MessageTurn {
  agentId: string;
  conversationId: string;
  turn: number;
  /** The side the message shows; unset when it shows both (a call review's turn). */
  role?: AnnotationRole;
  /** Every turn the message shows, when it shows several (a transcript message); `turn` is the first. */
  turns?: number[];
}

/** A call opened for review in a thread. */
export interface CallThread extends ThreadRef {
  agentId: string;
  conversationId: string;
}

/** What PolyAI said about one agent reply, kept so that its Details modal opens later, on any instance. */
export interface ReplyDetails {
  agentId: string;
  conversationId: string;
  clientEnv: ClientEnv;
  turn: number;
  /** What the user wrote for this turn, as PolyAI echoed it ('' for the greeting). */
  userInput: string;
  response: string;
  /** PolyAI's chat `metadata` for the reply, of any shape, bounded in size. */
  metadata: unknown;
  /** How long the app waited for PolyAI's answer. */
  latencyMs: number;
  at: string;
}

/** One turn of a debug-chat thread as replays need it; the first of a thread is the greeting. */
export interface TranscriptTurn {
  /** What the user wrote ('' for the greeting). */
  user: string;
  /** The agent's replies (several when a delayed response was collected; none when the turn failed). */
  replies: string[];
  /** The functions the agent called for this turn, from the replies' metadata (saved into test cases). */
  functions?: FunctionCallRecord[];
}

/** One function call of an agent turn, as a test case keeps it. */
export interface FunctionCallRecord {
  name: string;
  arguments?: unknown;
}

/** A replay of one thread's user turns in a new session; the stop request is kept apart (see StateStore). */
export interface ReplayRun {
  id: string;
  source: ThreadRef;
  /** The progress message, in the source thread. */
  progressTs: string;
  startedBy: string;
  state: 'running' | 'finished' | 'stopped' | 'failed';
}

/** What the App Home tab lists for one person: their sessions, newest first, and channels they set defaults in. */
export interface UserIndex {
  sessions: ThreadRef[];
  defaultChannels: string[];
}

// ------------------------------------------------ finding calls (spec §8)

/** A call as several cards show it: enough to redraw a card without asking PolyAI again. */
export interface CardCall {
  agentId: string;
  conversationId: string;
  startedAt?: string;
  durationS?: number;
  channel?: string;
  handoff?: boolean;
  handoffReason?: string;
  polyScore?: number;
  summary?: string;
}

/** A message that shows calls with their review status, kept so it is redrawn when a status changes. */
export type CallCard =
  | { kind: 'root'; channel: string; ts: string; base: SlackMessage; calls: CardCall[] }
  | { kind: 'sample'; channel: string; ts: string; heading: string; calls: CardCall[] }
  | { kind: 'watch'; channel: string; ts: string; watch: string; calls: CardCall[] };

/** A message in a channel. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** Who is reviewing one call and whether it is done, and every message that shows it. */
export interface ReviewStatus {
  agentId: string;
  conversationId: string;
  claimedBy?: string;
  claimedAt?: string;
  reviewedBy?: string;
  reviewedAt?: string;
  /** The call-review thread's root, once one is opened. */
  thread?: MessageRef;
  shownIn: MessageRef[];
}

/** What a watch looks for; every condition given must hold. */
export interface WatchConditions {
  agentId?: string;
  clientEnv?: ClientEnv;
  handoff?: boolean;
  scoreBelow?: number;
  tag?: string;
  longerThanS?: number;
}

export interface Watch {
  id: string;
  channel: string;
  name: string;
  agentId: string;
  clientEnv: ClientEnv;
  conditions: WatchConditions;
  createdBy: string;
  createdAt: string;
}

/** Where a watch's polling stands, shared by every instance. */
export interface WatchState {
  /** Calls that started from here on are still to be looked at. */
  since: string;
  failures: number;
  /** After a failure: no poll before this time. */
  retryAt?: string;
  /** The channel was told that polling fails (and will be told when it works again). */
  failing: boolean;
}

/** A search whose next page the More button asks for. */
export interface SearchPage {
  agentId: string;
  channel: string;
  user: string;
  query: Record<string, string | number>;
  cursor: string;
  shown: number;
}
