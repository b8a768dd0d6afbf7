import { randomUUID } from 'node:crypto';
import type { KnownBlock } from '@slack/types';
import { PolyAIError } from '../../outbound/polyai/errors.js';
import { boundJson } from '../../outbound/polyai/metadata.js';
import type { ConversationTurn, DebugChatResponse } from '../../outbound/polyai/types.js';
import type { SlackMessage } from '../../outbound/slack/poster.js';
import { slackErrorCode } from '../../outbound/slack/slack-errors.js';
import type {
  Session,
  SessionOrigin,
  SessionSettings,
  ThreadRef,
  TranscriptTurn,
} from '../../outbound/store/records.js';
import type { ThreadBatch } from '../../outbound/store/state-store.js';
import { CLIENT_ENVS, type ClientEnv } from '../../platform/config.js';
import { type StartOptions, USAGE, UsageError } from '../../presentation/commands.js';
import {
  agentReply,
  agentSpeaker,
  conversationEndedNotice,
  endedHint,
  firstMessageShown,
  restartedNotice,
  type SessionState,
  sessionRoot,
} from '../../presentation/debug-chat.js';
import { polyaiErrorMessage } from '../../presentation/polyai-errors.js';
import { priorTurns } from '../../presentation/resume.js';
import { code as codeSpan } from '../../presentation/text.js';
import { replyName, turnMenu } from '../../presentation/turn-details.js';
import { turnFooter } from '../../presentation/turn-trace.js';
import type { CoreDeps } from '../deps.js';
import {
  type BetweenParts,
  calledFunctions,
  collectReplies,
  createBody,
  DELAYED_RESPONSE_PAUSE_MS,
  sendTurn,
} from './conversation.js';
import { Progress, type TurnProgress } from './progress.js';
import { queuedTurn, TurnMeter } from './turn-metrics.js';

export interface StartRequest {
  channel: string;
  user: string;
  options: StartOptions;
  /** A first user turn, sent after the greeting. */
  message?: string;
  /** Bind the session to this existing thread (a mention) instead of posting a new root message. */
  thread?: { threadTs: string; requestTs: string };
  /** Where the session comes from (a restart or replay), shown on its root message. */
  origin?: SessionOrigin;
  /** Tells the requester alone (a command's ephemeral reply) when the session could not start. */
  tell?: (message: SlackMessage) => Promise<void>;
}

export interface ResumeRequest {
  channel: string;
  user: string;
  conversationId: string;
  options: StartOptions;
}

export interface HumanReply extends ThreadRef {
  ts: string;
  user: string;
  text: string;
}

const queueOf = ({ channel, threadTs }: ThreadRef) => `${channel}:${threadTs}`;

/** Start options that reproduce `settings` exactly, whatever the channel's defaults are by now. */
export function optionsOf(settings: SessionSettings): StartOptions {
  return {
    agentId: settings.agentId,
    clientEnv: settings.clientEnv,
    details: settings.details,
    ...(settings.variantId !== undefined && { variantId: settings.variantId }),
    ...(settings.lang !== undefined && { lang: settings.lang }),
    ...(settings.polyaiChannel !== undefined && { polyaiChannel: settings.polyaiChannel }),
    attributes: { ...settings.integrationAttributes },
  };
}

/** A recorded conversation's turns as a transcript, greeting first. */
function transcriptOf(turns: ConversationTurn[]): TranscriptTurn[] {
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return turns.map((turn) => ({
    user: text(turn.user_input),
    replies: text(turn.agent_response) === '' ? [] : [text(turn.agent_response)],
  }));
}

/** Debug chats in Slack threads: starting them, relaying turns in order, ending them (spec §2, §3). */
export class DebugChats {
  private readonly progress: Progress;

  constructor(private readonly deps: CoreDeps) {
    this.progress = new Progress(deps.slack, deps.config.progressDelayMs);
  }

  /** A session's root message; the app's default environment goes unsaid there. */
  private root(session: Parameters<typeof sessionRoot>[0], state: SessionState) {
    return sessionRoot(session, state, this.deps.config.polyai.clientEnv);
  }

  /** The settings a start would use: typed options, then the channel's defaults, then the app's. */
  async resolveSettings(channel: string, options: StartOptions): Promise<SessionSettings> {
    const defaults = await this.deps.store.channelDefaults(channel);
    const agentId = options.agentId ?? defaults.agentId ?? this.deps.config.polyai.defaultAgentId;
    if (agentId === undefined) {
      throw new UsageError(
        'No agent to talk to: add agent=ID, set a default for this channel with `/polychat agent ID`, or ask an admin to set POLYAI_AGENT_ID',
        USAGE.start,
      );
    }
    const attributes = Object.keys(options.attributes).length > 0 ? options.attributes : undefined;
    return {
      agentId,
      clientEnv: options.clientEnv ?? this.deps.config.polyai.clientEnv,
      ...(options.variantId !== undefined && { variantId: options.variantId }),
      ...(options.lang !== undefined && { lang: options.lang }),
      ...(options.polyaiChannel !== undefined && { polyaiChannel: options.polyaiChannel }),
      ...(attributes !== undefined && { integrationAttributes: attributes }),
      details: options.details ?? defaults.details ?? false,
    };
  }

  /**
   * Starts a debug chat. Input problems throw UsageError before anything is posted or sent;
   * Slack errors on the root message throw; PolyAI errors are reported in the thread.
   */
  async start(request: StartRequest): Promise<Session> {
    const settings = await this.resolveSettings(request.channel, request.options);
    if (request.thread !== undefined) {
      const existing = await this.deps.store.session({ channel: request.channel, threadTs: request.thread.threadTs });
      if (existing !== undefined && existing.ended === undefined) {
        throw new UsageError(
          `This thread already has a debug chat (conversation ${existing.conversationId || 'starting'}); \`@polychat end\` it first`,
          USAGE.end,
        );
      }
    }
    const base = {
      ...settings,
      startedBy: request.user,
      ...(request.origin !== undefined && { origin: request.origin }),
    };
    const threadTs =
      request.thread?.threadTs ?? (await this.deps.slack.post(request.channel, this.root(base, 'starting')));
    const session: Session = {
      ...base,
      channel: request.channel,
      threadTs,
      conversationId: '',
      startedAt: new Date().toISOString(),
      turns: 0,
    };
    // Saved before PolyAI is asked, so replies written meanwhile queue behind the start instead of being lost.
    await this.deps.store.saveSession(session);
    await this.deps.store.rememberUserSession(request.user, session);
    const position = request.thread?.requestTs ?? threadTs;
    await this.deps.inFlight.track(
      this.deps.store.coordination.inOrder(queueOf(session), position, () =>
        this.create(session, request.thread !== undefined, request.tell),
      ),
    );
    if (request.message !== undefined) {
      // A mention is already in the thread in the person's own words: it is the turn. A slash
      // command is seen by no one, so its first message is shown before the answer.
      const shown =
        request.thread?.requestTs ??
        (await this.deps.slack.post(
          session.channel,
          firstMessageShown(request.user, request.message, await this.deps.slack.personOf(request.user)),
          threadTs,
        ));
      await this.reply({ channel: session.channel, threadTs, ts: shown, user: request.user, text: request.message });
    }
    return session;
  }

  private async create(
    session: Session,
    bound: boolean,
    tell?: (message: SlackMessage) => Promise<void>,
  ): Promise<void> {
    const { polyai, slack, store, logger } = this.deps;
    const correlationId = randomUUID();
    const started = performance.now();
    let greeting: DebugChatResponse;
    try {
      greeting = await polyai.createDebugChat(session.agentId, createBody(session), correlationId);
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      logger.warn(
        { turn: { ...logThread(session), correlationId, outcome: 'start_failed', code: error.code } },
        'turn',
      );
      await store.saveSession({ ...session, ended: { at: new Date().toISOString(), reason: 'upstream' } });
      if (!bound) await slack.update(session.channel, session.threadTs, this.root(session, 'failed'));
      const failure = polyaiErrorMessage(error, 'The debug chat could not start');
      await slack.post(session.channel, failure, session.threadTs);
      await tell?.(failure);
      return;
    }
    const active: Session = { ...session, conversationId: greeting.conversationId };
    await store.saveSession(active);
    const root = this.root(active, 'active');
    if (bound) await slack.post(session.channel, root, session.threadTs);
    else await slack.update(session.channel, session.threadTs, root);
    const collected: TranscriptTurn = { user: '', replies: [], functions: [] };
    const batch = store.batch(active);
    try {
      const ms = Math.round(performance.now() - started);
      await this.deliver(active, 0, greeting, ms, correlationId, collected, batch);
    } catch (error) {
      // Collecting the rest of a delayed greeting failed: say so, as for any turn.
      if (!(error instanceof PolyAIError)) throw error;
      if (error.conversationEnded)
        await this.markEnded(active, { at: new Date().toISOString(), reason: 'upstream' }, batch);
      else
        await slack.post(
          active.channel,
          polyaiErrorMessage(error, 'The rest of the greeting did not come'),
          active.threadTs,
        );
    } finally {
      batch.appendTranscript([collected]);
      await batch.commit();
    }
  }

  /** A new session with the same settings in a new thread; the two threads link to each other. */
  async restart(thread: ThreadRef, user: string): Promise<Session | undefined> {
    const { slack, store } = this.deps;
    const old = await store.session(thread);
    if (old === undefined) return undefined;
    const link = await slack.permalink(thread.channel, thread.threadTs);
    const session = await this.start({
      channel: thread.channel,
      user,
      options: optionsOf(old),
      origin: { kind: 'restart', ...(link !== undefined && { link }) },
    });
    const newLink = await slack.permalink(session.channel, session.threadTs);
    await slack.post(thread.channel, restartedNotice(user, newLink), thread.threadTs);
    return session;
  }

  /**
   * Binds a new thread to a debug chat that already exists, after showing its turns so far
   * where PolyAI has them (none is not an error: debug chats may not be listed yet).
   */
  async resume(request: ResumeRequest): Promise<Session> {
    const { polyai, slack, store, inFlight } = this.deps;
    const settings = await this.resolveSettings(request.channel, request.options);
    let prior: ConversationTurn[] = [];
    let problem: PolyAIError | undefined;
    let recorded: { clientEnv?: ClientEnv; variantId?: string } = {};
    try {
      const detail = await polyai.getConversation(settings.agentId, request.conversationId);
      prior = Array.isArray(detail.turns) ? detail.turns : [];
      const env = CLIENT_ENVS.find((known) => known === detail.clientEnv);
      recorded = {
        ...(env !== undefined && { clientEnv: env }),
        ...(typeof detail.variantId === 'string' && detail.variantId !== '' && { variantId: detail.variantId }),
      };
    } catch (error) {
      if (!(error instanceof PolyAIError)) throw error;
      if (!error.notFound) problem = error;
    }
    const draft: Session = {
      ...settings,
      // The conversation's own environment and variant, unless the command names others.
      clientEnv: request.options.clientEnv ?? recorded.clientEnv ?? settings.clientEnv,
      ...(recorded.variantId !== undefined && { variantId: recorded.variantId }),
      startedBy: request.user,
      origin: { kind: 'resume' },
      channel: request.channel,
      threadTs: '',
      conversationId: request.conversationId,
      startedAt: new Date().toISOString(),
      turns: Math.max(0, prior.length - 1),
    };
    const session: Session = { ...draft, threadTs: await slack.post(request.channel, this.root(draft, 'active')) };
    await store.saveSession(session);
    await store.rememberUserSession(request.user, session);
    // Turns written while the history is posted wait behind it.
    await inFlight.track(
      store.coordination.inOrder(queueOf(session), session.threadTs, async () => {
        const batch = store.batch(session);
        batch.appendTranscript(transcriptOf(prior));
        await batch.commit();
        const messages = [
          ...(problem === undefined ? [] : [polyaiErrorMessage(problem, 'Its turns so far could not be shown')]),
          ...priorTurns(prior, problem === undefined),
        ];
        for (const message of messages) await slack.post(session.channel, message, session.threadTs);
      }),
    );
    return session;
  }

  /**
   * A human reply in a thread. Returns false when the thread has no session (not ours).
   * Turns of one thread run one at a time in the order they were written. `known` is the
   * thread's session when the caller has just read it, to spare reading it again.
   */
  async reply(message: HumanReply, known?: Session): Promise<boolean> {
    const session = known ?? (await this.deps.store.session(message));
    if (session === undefined) return false;
    if (session.ended !== undefined) {
      await this.deps.slack.ephemeral(message.channel, message.user, endedHint(session.ended), message.threadTs);
      return true;
    }
    await this.deps.inFlight.track(
      queuedTurn(this.deps.metrics, this.deps.store.coordination, queueOf(message), message.ts, async () => {
        // Read again: the session may have started, ended or moved on while this turn waited.
        const current = await this.deps.store.session(message);
        if (current === undefined || current.ended !== undefined || current.conversationId === '') {
          await this.deps.slack.ephemeral(message.channel, message.user, endedHint(current?.ended), message.threadTs);
          return;
        }
        await this.turn(current, message);
      }),
    );
    return true;
  }

  private async turn(session: Session, message: HumanReply): Promise<void> {
    const { polyai, slack, store, logger } = this.deps;
    const correlationId = randomUUID();
    const started = performance.now();
    const meter = new TurnMeter(this.deps.metrics);
    const turn = session.turns + 1;
    const asking = sendTurn(polyai, session, message.text, correlationId);
    const progress = this.progress.start(message);
    // Written with the rest of the turn's records, in one store write at its end.
    const batch = store.batch(session);
    batch.rememberMessageTurn(message.channel, message.ts, {
      agentId: session.agentId,
      conversationId: session.conversationId,
      turn,
      role: 'user',
    });
    const collected: TranscriptTurn = { user: message.text, replies: [], functions: [] };
    let posted = true;
    try {
      // Nothing is posted before the progress call in flight has landed, or it would outlive the answer.
      const reply = await asking.finally(() => progress.settle());
      const ms = Math.round(performance.now() - started);
      const delivered = await this.deliver(
        { ...session, turns: turn },
        turn,
        reply,
        ms,
        correlationId,
        collected,
        batch,
        progress,
      );
      meter.answered(delivered.ended ? 'ended' : 'answered', delivered.polyaiMs);
    } catch (error) {
      meter.failed(error);
      if (!(error instanceof PolyAIError)) {
        posted = await this.reportSlackFailure(session, turn, error);
        return;
      }
      logger.warn(
        {
          turn: {
            ...logThread(session),
            turn,
            correlationId: error.correlationId,
            outcome: error.kind,
            status: error.status,
            code: error.code,
          },
        },
        'turn',
      );
      await progress.settle();
      if (error.conversationEnded)
        await this.markEnded(session, { at: new Date().toISOString(), reason: 'upstream' }, batch);
      else
        await slack.post(
          session.channel,
          polyaiErrorMessage(error, 'This turn did not get an answer'),
          session.threadTs,
        );
    } finally {
      // The next turn of the thread need not wait for the reaction to go.
      void this.deps.inFlight.track(progress.end(posted));
      // Failed turns too: a replay sends every turn the user wrote.
      batch.appendTranscript([collected]);
      await batch.commit();
    }
  }

  /**
   * Slack refused something mid-turn (a reply it would not take, a lost channel). Say so in the
   * thread when Slack still lets us, so the turn is never silently lost, and log it either way.
   */
  private async reportSlackFailure(session: Session, turn: number, error: unknown): Promise<boolean> {
    const code = slackErrorCode(error) ?? (error instanceof Error ? error.message : String(error));
    this.deps.logger.error({ turn: { ...logThread(session), turn, outcome: 'slack_error', slackError: code } }, 'turn');
    if (this.deps.slack.toldInThread(error)) return true;
    return this.deps.slack
      .post(
        session.channel,
        { text: `:warning: Slack did not accept the agent's answer to this turn (${codeSpan(code)}).` },
        session.threadTs,
      )
      .then(
        () => true,
        () => false,
      );
  }

  /**
   * Posts a reply (and any delayed remainder), records in `batch` which messages show turn
   * `turn` and the session. Each reply's text and functions go into `collected` as soon as it is
   * posted. Returns the time spent waiting for PolyAI (delayed parts and the pauses before them).
   */
  private async deliver(
    session: Session,
    turn: number,
    first: DebugChatResponse,
    firstMs: number,
    firstCorrelationId: string,
    collected: TranscriptTurn,
    batch: ThreadBatch,
    progress?: TurnProgress,
  ): Promise<{ polyaiMs: number; ended: boolean }> {
    const { polyai, logger } = this.deps;
    let polyaiMs = 0;
    const onReply = async (reply: DebugChatResponse, part: number, ms: number, correlationId: string) => {
      polyaiMs += part === 0 ? ms : DELAYED_RESPONSE_PAUSE_MS + ms;
      await this.postReply(session, turn, part, reply, ms, batch);
      collected.replies.push(reply.response);
      collected.functions?.push(...calledFunctions(reply.metadata));
      logger.info(
        {
          turn: {
            ...logThread(session),
            turn,
            correlationId,
            upstreamMs: ms,
            outcome: 'answered',
            delayed: reply.delayedResponse,
          },
        },
        'turn',
      );
    };
    const between: BetweenParts = {
      // What is posted so far is saved before the wait for the rest.
      pausing: async () => {
        await batch.commit();
        progress?.again();
      },
      resumed: async () => {
        await progress?.settle();
      },
    };
    const reply = await collectReplies(polyai, session, first, firstMs, firstCorrelationId, onReply, between);
    if (reply.conversationEnded === true)
      await this.markEnded(session, { at: new Date().toISOString(), reason: 'agent' }, batch);
    else batch.saveSession(session);
    return { polyaiMs, ended: reply.conversationEnded === true };
  }

  /**
   * Posts part `part` of the reply to turn `turn`; its trace goes into `batch`, for the Details
   * button, and is written with the turn's other records the moment the post has landed.
   */
  private async postReply(
    session: Session,
    turn: number,
    part: number,
    reply: DebugChatResponse,
    ms: number,
    batch: ThreadBatch,
  ): Promise<void> {
    const name = replyName(turn, part);
    batch.saveReplyDetails(name, {
      agentId: session.agentId,
      conversationId: session.conversationId,
      clientEnv: session.clientEnv,
      turn,
      userInput: typeof reply.userInput === 'string' ? reply.userInput : '',
      response: reply.response,
      metadata: boundJson(reply.metadata),
      latencyMs: ms,
      at: new Date().toISOString(),
    });
    const footer: KnownBlock[] = turnFooter(session, reply, ms);
    for (const message of agentReply(reply.response, agentSpeaker(session), footer, turnMenu(name))) {
      const ts = await this.deps.slack.post(session.channel, message, session.threadTs);
      batch.rememberMessageTurn(session.channel, ts, {
        agentId: session.agentId,
        conversationId: session.conversationId,
        turn,
        role: 'agent',
      });
    }
  }

  /** Saves the ended session (in `batch` when the caller commits one), then says so in the thread. */
  private async markEnded(session: Session, ended: NonNullable<Session['ended']>, batch?: ThreadBatch): Promise<void> {
    const { slack, store } = this.deps;
    const closed: Session = { ...session, ended };
    if (batch === undefined) await store.updateSession(closed);
    else batch.saveSession(closed);
    const notice =
      ended.reason === 'user' && ended.by !== undefined
        ? { user: ended.by }
        : ended.reason === 'agent'
          ? 'agent'
          : 'upstream';
    await slack.post(session.channel, conversationEndedNotice(notice), session.threadTs);
    await slack.update(session.channel, session.threadTs, this.root(closed, 'ended')).catch((error: unknown) => {
      // A bound thread's root is someone else's message; only our own roots can be updated.
      this.deps.logger.debug({ err: String(error) }, 'root message not updated');
    });
  }

  /** Ends a session at a person's request; later replies get a hint instead of a turn. */
  async end(thread: ThreadRef, user: string, position: string): Promise<'ended' | 'none'> {
    const session = await this.deps.store.session(thread);
    if (session === undefined || session.ended !== undefined) return 'none';
    await this.deps.inFlight.track(
      this.deps.store.coordination.inOrder(queueOf(thread), position, async () => {
        const current = await this.deps.store.session(thread);
        if (current !== undefined && current.ended === undefined) {
          await this.markEnded(current, { at: new Date().toISOString(), reason: 'user', by: user });
        }
      }),
    );
    return 'ended';
  }
}

function logThread(session: Session) {
  return {
    channel: session.channel,
    thread: session.threadTs,
    conversation: session.conversationId,
    agent: session.agentId,
  };
}
