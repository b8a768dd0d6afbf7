import { PolyAIError } from '../../outbound/polyai/errors.js';
import type { AnnotationItem, AnnotationRole, ListConversationsResponse } from '../../outbound/polyai/types.js';
import type { SlackMessage } from '../../outbound/slack/poster.js';
import { INVITE_HINT, needsInvite, slackErrorCode } from '../../outbound/slack/slack-errors.js';
import type { CallThread, ThreadRef } from '../../outbound/store/records.js';
import {
  annotationConfirmation,
  callRoot,
  conversationList,
  type ListPageRef,
  NO_TURNS,
  noteConfirmation,
  transcriptMessages,
} from '../../presentation/call-review.js';
import { UsageError } from '../../presentation/commands.js';
import { polyaiErrorMessage } from '../../presentation/polyai-errors.js';
import { code } from '../../presentation/text.js';
import type { CoreDeps } from '../deps.js';
import { findConversationRef } from './find-conversation.js';
import type { ReviewStatuses } from './review-status.js';

/** A Slack message a shortcut was used on. */
export interface ShortcutMessage {
  ts: string;
  thread_ts?: string;
  text?: string;
}

/** What a message tells about the call it belongs to; anything unknown is for the user to type. */
export interface CallTarget {
  /** The thread to confirm in: the message's own thread, or a new one under it. */
  thread: ThreadRef;
  conversationId?: string;
  agentId?: string;
  /** Set when the message shows a turn of the conversation (the first it shows); `role` when it shows one side of it. */
  turn?: { turn: number; role?: AnnotationRole };
  /** Every turn the message shows, when it shows several. */
  turns?: number[];
}

/** Says something to the person who asked, and no one else. */
export type Tell = (message: SlackMessage) => Promise<void>;

export interface OpenRequest {
  channel: string;
  user: string;
  agentId: string;
  conversationId: string;
  tell: Tell;
}

const NO_AGENT =
  'No agent given: add agent=ID, set a default for this channel with `/polychat agent ID`, or ask an admin to set POLYAI_AGENT_ID';

/** Reviewing real calls in Slack threads: transcripts, listings, notes and annotations (spec §2, §4). */
export class CallReviews {
  constructor(
    private readonly deps: CoreDeps,
    private readonly statuses: ReviewStatuses,
  ) {}

  /** The agent a command means: named on it, else the channel's default, else the app's. */
  async agentFor(channel: string, named?: string): Promise<string | undefined> {
    if (named !== undefined) return named;
    return (await this.deps.store.channelDefaults(channel)).agentId ?? this.deps.config.polyai.defaultAgentId;
  }

  async requireAgent(channel: string, named: string | undefined, usage: string): Promise<string> {
    const agentId = await this.agentFor(channel, named);
    if (agentId === undefined) throw new UsageError(NO_AGENT, usage);
    return agentId;
  }

  /**
   * The call a message belongs to: the turn it shows, else its thread's debug chat or call
   * review, else a conversation named in its text. Only the store is read, so this is quick.
   */
  async locate(channel: string, message: ShortcutMessage): Promise<CallTarget> {
    const { store } = this.deps;
    const thread = { channel, threadTs: message.thread_ts ?? message.ts };
    const [shown, session, call] = await Promise.all([
      store.messageTurn(channel, message.ts),
      store.session(thread),
      store.callThread(thread),
    ]);
    if (shown !== undefined) {
      return {
        thread,
        conversationId: shown.conversationId,
        agentId: shown.agentId,
        turn: { turn: shown.turn, ...(shown.role !== undefined && { role: shown.role }) },
        ...(shown.turns !== undefined && shown.turns.length > 1 && { turns: shown.turns }),
      };
    }
    if (session !== undefined && session.conversationId !== '') {
      return { thread, conversationId: session.conversationId, agentId: session.agentId };
    }
    if (call !== undefined) return { thread, conversationId: call.conversationId, agentId: call.agentId };
    const named = findConversationRef(message.text ?? '');
    const agentId = await this.agentFor(channel, named?.agentId);
    return {
      thread,
      ...(named !== undefined && { conversationId: named.conversationId }),
      ...(agentId !== undefined && { agentId }),
    };
  }

  /**
   * Opens a call for review in a new thread: the summary as its root, then the transcript in as
   * few messages as fit, each remembered with the turns it shows so that annotations can refer
   * to them. The detail is
   * fetched first, so a PolyAI error (thrown) leaves nothing half-posted.
   */
  async open(request: OpenRequest): Promise<CallThread | undefined> {
    try {
      return await this.deps.inFlight.track(this.post(request));
    } catch (error) {
      if (error instanceof PolyAIError) {
        const doing = `Conversation ${code(request.conversationId)} could not be opened`;
        await request.tell(polyaiErrorMessage(error, doing));
      } else if (needsInvite(error)) {
        await request.tell({ text: INVITE_HINT });
      } else {
        throw error;
      }
      return undefined;
    }
  }

  private async post(request: OpenRequest): Promise<CallThread> {
    const { polyai, slack, store, logger } = this.deps;
    const detail = await polyai.getConversation(request.agentId, request.conversationId);
    const root = callRoot(detail, request.agentId, request.user);
    const ref = { agentId: request.agentId, conversationId: detail.conversationId };
    const threadTs = await slack.post(request.channel, await this.statuses.rootMessage(ref, root));
    const call: CallThread = { channel: request.channel, threadTs, ...ref };
    await store.saveCallThread(call);
    await this.statuses.threadOpened(call, root);
    const transcript = transcriptMessages(detail);
    if (transcript.length === 0) await slack.post(call.channel, NO_TURNS, threadTs);
    for (const { message, turns } of transcript) {
      const ts = await slack.post(call.channel, message, threadTs);
      const [first] = turns;
      if (first === undefined) continue;
      // A message of several turns shows both sides: its side is chosen in the modal.
      const role = turns.length === 1 ? first.role : undefined;
      await store.rememberMessageTurn(call.channel, ts, {
        agentId: call.agentId,
        conversationId: call.conversationId,
        turn: first.turn,
        ...(role !== undefined && { role }),
        turns: turns.map((t) => t.turn),
      });
    }
    logger.info(
      {
        call: {
          channel: call.channel,
          thread: threadTs,
          conversation: call.conversationId,
          agent: call.agentId,
          turns: new Set(transcript.flatMap((m) => m.turns.map((t) => t.turn))).size,
          messages: transcript.length,
        },
      },
      'call review opened',
    );
    return call;
  }

  /** Shows one page of an agent's conversations to the requester alone. */
  async showList(page: ListPageRef, tell: Tell): Promise<void> {
    let listing: ListConversationsResponse;
    try {
      listing = await this.deps.polyai.listConversations(page.agentId, { limit: page.limit, offset: page.offset });
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      await tell(polyaiErrorMessage(error, 'The conversations could not be listed'));
      return;
    }
    for (const message of conversationList(listing, page)) await tell(message);
  }

  async currentNote(agentId: string, conversationId: string): Promise<string> {
    const detail = await this.deps.polyai.getConversation(agentId, conversationId);
    return typeof detail.note === 'string' ? detail.note : '';
  }

  /**
   * Sets a call's note and says so in `thread`, or in the call's own thread when none is given.
   * Returns the thread that shows the confirmation, or undefined when none could.
   */
  async setNote(request: {
    agentId: string;
    conversationId: string;
    note: string;
    user: string;
    thread?: ThreadRef;
  }): Promise<ThreadRef | undefined> {
    await this.deps.polyai.upsertNote(request.agentId, request.conversationId, request.note);
    const thread = request.thread ?? (await this.deps.store.threadOfConversation(request.conversationId));
    return this.confirm(thread, noteConfirmation(request.user, request.conversationId, request.note));
  }

  /** Sends annotations and confirms them in `thread`; returns whether the thread shows it. */
  async annotate(request: {
    agentId: string;
    conversationId: string;
    items: AnnotationItem[];
    user: string;
    thread: ThreadRef;
  }): Promise<boolean> {
    await this.deps.polyai.addAnnotations(request.agentId, request.conversationId, request.items);
    this.deps.logger.info(
      { annotation: { conversation: request.conversationId, agent: request.agentId, items: request.items.length } },
      'call annotated',
    );
    const shown = await this.confirm(
      request.thread,
      annotationConfirmation(request.user, request.conversationId, request.items),
    );
    return shown !== undefined;
  }

  /** Posts a confirmation in a thread; a thread the bot cannot post in is logged, and the caller tells the user instead. */
  private async confirm(thread: ThreadRef | undefined, message: SlackMessage): Promise<ThreadRef | undefined> {
    if (thread === undefined) return undefined;
    try {
      await this.deps.slack.post(thread.channel, message, thread.threadTs);
      return thread;
    } catch (error) {
      this.deps.logger.warn(
        { channel: thread.channel, slackError: slackErrorCode(error) ?? String(error) },
        'confirmation not posted',
      );
      return undefined;
    }
  }
}
