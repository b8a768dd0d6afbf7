import { randomUUID } from 'node:crypto';
import type { SlackPoster } from '../../outbound/slack/poster.js';
import type { ReplayRun, Session, SessionSettings, ThreadRef, TranscriptTurn } from '../../outbound/store/records.js';
import type { StateStore } from '../../outbound/store/state-store.js';
import type { InFlight } from '../../platform/in-flight.js';
import type { Logger } from '../../platform/logger.js';
import {
  type ReplayProgress,
  type ReplayRow,
  type ReplayState,
  type ReplayTarget,
  replayComparison,
  replayedTurn,
  replayProgress,
} from '../../presentation/replay.js';
import { type DebugChats, optionsOf } from './debug-chats.js';

export interface ReplayDeps {
  logger: Logger;
  store: StateStore;
  slack: SlackPoster;
  inFlight: InFlight;
  chats: DebugChats;
}

export interface ReplayRequest {
  source: ThreadRef;
  user: string;
  target: ReplayTarget;
}

/** Replies compare equal when they say the same words: whitespace differences are not changes. */
function sameReplies(before: string[], after: string[] | undefined): boolean {
  const norm = (replies: string[]) => replies.join(' ').replace(/\s+/g, ' ').trim();
  return after !== undefined && norm(before) === norm(after);
}

function row(turn: number, user: string, before: string[], after: string[] | undefined): ReplayRow {
  return { turn, user, before, after, changed: !sameReplies(before, after) };
}

/** The user turns of a transcript, with their place in it; the greeting and collected replies are not user turns. */
function userTurns(transcript: TranscriptTurn[]): Array<TranscriptTurn & { turn: number }> {
  return transcript.map((t, turn) => ({ ...t, turn })).filter((t) => t.user.trim() !== '');
}

/**
 * Replays (spec issue 5): every user turn of a thread, in order, in a new session with another
 * environment, variant or language, then a turn-by-turn comparison of the agent's replies.
 * Progress lives in a message with a Stop button; the stop request lives in the store, so any
 * instance can take the click.
 */
export class Replays {
  constructor(private readonly deps: ReplayDeps) {}

  /** What the Replay modal needs: the thread's session and how many user turns it has. */
  async plan(thread: ThreadRef): Promise<{ session: Session; userTurns: number } | undefined> {
    const session = await this.deps.store.session(thread);
    if (session === undefined) return undefined;
    return { session, userTurns: userTurns(await this.deps.store.transcript(thread)).length };
  }

  /** Runs a replay to its end (or its stop); returns false when the thread has nothing to replay. */
  async run(request: ReplayRequest): Promise<boolean> {
    const { store, slack } = this.deps;
    const source = await store.session(request.source);
    const transcript = await store.transcript(request.source);
    const turns = userTurns(transcript);
    if (source === undefined || turns.length === 0) return false;
    const id = randomUUID();
    const progress: ReplayProgress = { id, target: request.target, state: 'starting', total: turns.length, done: 0 };
    const progressTs = await slack.post(source.channel, replayProgress(progress), source.threadTs);
    await store.saveReplay({ id, source: request.source, progressTs, startedBy: request.user, state: 'running' });
    await this.deps.inFlight.track(
      this.replay(source, transcript, request, progress, progressTs).catch(async (error: unknown) => {
        // Slack or the store failed mid-replay: the progress message must not go on saying "running".
        this.deps.logger.error({ replay: id, err: String(error) }, 'replay failed');
        await slack
          .update(source.channel, progressTs, replayProgress({ ...progress, state: 'failed' }))
          .catch(() => {});
        await store.saveReplay({ id, source: request.source, progressTs, startedBy: request.user, state: 'failed' });
      }),
    );
    return true;
  }

  private async replay(
    source: Session,
    transcript: TranscriptTurn[],
    request: ReplayRequest,
    progress: ReplayProgress,
    progressTs: string,
  ): Promise<void> {
    const { store, slack, chats, inFlight, logger } = this.deps;
    const show = (p: ReplayProgress) =>
      slack.update(source.channel, progressTs, replayProgress(p)).catch((error: unknown) => {
        logger.warn({ replay: p.id, err: String(error) }, 'replay progress not updated');
      });
    const finish = async (p: ReplayProgress, state: ReplayRun['state']) => {
      await show(p);
      const run = await store.replay(p.id);
      if (run !== undefined) await store.saveReplay({ ...run, state });
      logger.info({ replay: { id: p.id, state: p.state, done: p.done, total: p.total } }, 'replay');
    };

    const sourceLink = await slack.permalink(source.channel, source.threadTs);
    const settings: SessionSettings = {
      ...source,
      clientEnv: request.target.clientEnv,
      variantId: request.target.variantId,
      lang: request.target.lang,
    };
    const target = await chats.start({
      channel: source.channel,
      user: request.user,
      options: optionsOf(settings),
      origin: { kind: 'replay', ...(sourceLink !== undefined && { link: sourceLink }) },
    });
    const link = await slack.permalink(target.channel, target.threadTs);
    let p: ReplayProgress = { ...progress, state: 'running', ...(link !== undefined && { link }) };
    const started = await store.session(target);
    if (started === undefined || started.ended !== undefined || started.conversationId === '') {
      await finish({ ...p, state: 'failed' }, 'failed');
      return;
    }
    await show(p);

    const rows: ReplayRow[] = [];
    const greeting = transcript[0];
    if (greeting !== undefined && greeting.user === '') {
      rows.push(row(0, '', greeting.replies, (await store.transcript(target))[0]?.replies));
    }
    let state: ReplayState = 'finished';
    let stoppedBy: string | undefined;
    const turns = userTurns(transcript);
    for (const [i, turn] of turns.entries()) {
      const stop = await store.replayStopRequest(p.id);
      if (stop !== undefined) {
        state = 'stopped';
        stoppedBy = stop.by;
        break;
      }
      if (inFlight.closing) {
        state = 'interrupted';
        break;
      }
      const now = await store.session(target);
      if (now === undefined || now.ended !== undefined) {
        state = 'ended';
        break;
      }
      rows.push(
        row(turn.turn, turn.user, turn.replies, await this.turn(target, turn.user, i + 1, turns.length, request.user)),
      );
      p = { ...p, done: i + 1 };
      if (i + 1 < turns.length) await show(p);
    }

    const outcome = { ...p, state, rows, ...(stoppedBy !== undefined && { stoppedBy }) };
    for (const message of replayComparison({
      ...outcome,
      ...(sourceLink !== undefined && { source: sourceLink }),
      before: source,
      after: request.target,
    })) {
      await slack.post(target.channel, message, target.threadTs);
    }
    await finish(outcome, state === 'stopped' ? 'stopped' : 'finished');
  }

  /**
   * Sends one user turn into a thread (a replay's, or a test case opened as a thread), as a
   * person's reply would be; returns the agent's replies.
   */
  async turn(target: ThreadRef, text: string, n: number, total: number, user: string): Promise<string[] | undefined> {
    const { store, slack, chats } = this.deps;
    const shown = await slack.post(target.channel, replayedTurn(n, total, text), target.threadTs);
    const before = (await store.transcript(target)).length;
    await chats.reply({ channel: target.channel, threadTs: target.threadTs, ts: shown, user, text });
    // Someone may write in the replay's thread meanwhile: find this turn by its text.
    return (await store.transcript(target)).slice(before).find((t) => t.user === text)?.replies;
  }

  /**
   * A Stop press: the replay stops after its current turn and says so on its progress message
   * (only the replaying instance writes that message). 'over' when it is not running any more.
   */
  async stop(id: string, user: string): Promise<'stopping' | 'over'> {
    const run = await this.deps.store.replay(id);
    if (run === undefined || run.state !== 'running') return 'over';
    await this.deps.store.requestReplayStop(id, user);
    return 'stopping';
  }
}
