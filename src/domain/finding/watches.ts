import { randomUUID } from 'node:crypto';
import type { ConversationsApi, V3Conversation } from '../../outbound/polyai/conversations-client.js';
import type { ConversationDetail } from '../../outbound/polyai/types.js';
import { INVITE_HINT, needsInvite, slackErrorCode } from '../../outbound/slack/slack-errors.js';
import type { Watch, WatchConditions, WatchState } from '../../outbound/store/records.js';
import { summaryText } from '../../presentation/call-review.js';
import { USAGE, UsageError } from '../../presentation/commands.js';
import {
  cardCall,
  NOT_CONFIGURED,
  watchesStopped,
  watchFailing,
  watchList,
  watchRecovered,
  watchStarted,
} from '../../presentation/finding.js';
import type { CallReviews } from '../calls/call-reviews.js';
import { nowTs, type ReviewStatuses } from '../calls/review-status.js';
import type { CoreDeps } from '../deps.js';
import type { Asker } from './call-finder.js';

/** Each poll looks this far back before the last one, for calls PolyAI lists late. */
const OVERLAP_MS = 60_000;
/** Pages of the list one poll reads at most (100 calls each). */
const MAX_PAGES = 5;
/** A call still in progress holds the next poll's start back, but never further than this. */
const MAX_HOLD_BACK_MS = 6 * 3_600_000;
/** The longest pause between polls of a failing watch. */
const MAX_BACKOFF_MS = 15 * 60_000;
const WATCHES_PER_CHANNEL = 10;
const SEEN_TTL_MS = 30 * 86_400_000;

type Deps = CoreDeps & {
  conversations: ConversationsApi | undefined;
  calls: CallReviews;
  statuses: ReviewStatuses;
  intervalMs: number;
};

/** A name from the conditions, for watches started without name=. */
function defaultName(conditions: WatchConditions): string {
  const parts = [
    ...(conditions.handoff === true ? ['handoff'] : []),
    ...(conditions.scoreBelow !== undefined ? [`score-${conditions.scoreBelow}`] : []),
    ...(conditions.tag !== undefined ? [`tag-${conditions.tag}`] : []),
    ...(conditions.longerThanS !== undefined ? [`longer-${conditions.longerThanS}s`] : []),
  ];
  return (parts.length === 0 ? 'all-calls' : parts.join('-')).replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 36);
}

/** The conditions v3's list can judge (handoff, duration); PolyScore and tags need the call's detail. */
function passesList(call: V3Conversation, c: WatchConditions): boolean {
  if (c.handoff === true && call.handoff !== true) return false;
  if (c.longerThanS !== undefined && !(typeof call.total_duration === 'number' && call.total_duration > c.longerThanS))
    return false;
  return true;
}

function passesDetail(detail: ConversationDetail, c: WatchConditions): boolean {
  if (c.scoreBelow !== undefined && !(typeof detail.polyScore === 'number' && detail.polyScore < c.scoreBelow))
    return false;
  if (c.tag !== undefined) {
    const wanted = c.tag.toLowerCase();
    if (!(detail.tags ?? []).some((t) => typeof t === 'string' && t.toLowerCase() === wanted)) return false;
  }
  return true;
}

/** Stops the poll of one watch: the app cannot post in its channel any more. */
class ChannelGone extends Error {}

/**
 * Watches (spec §8): each posts the new calls of an agent that match its conditions into its
 * channel, once. Every instance runs the poller; a claim per watch and interval lets one of them
 * poll, a claim per call lets it be posted once, and the watch's state (where the last poll got
 * to, failures) is in the store for whichever instance polls next.
 */
export class Watches {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly deps: Deps) {}

  async add(command: { name?: string; conditions: WatchConditions }, asker: Asker): Promise<void> {
    const { store } = this.deps;
    if (this.deps.conversations === undefined) return asker.tell(NOT_CONFIGURED);
    const agentId = await this.deps.calls.requireAgent(asker.channel, command.conditions.agentId, USAGE.watch);
    const watch = await store.coordination.inOrder('watches', nowTs(), async () => {
      const existing = await store.watches(asker.channel);
      if (existing.length >= WATCHES_PER_CHANNEL)
        throw new UsageError(`This channel has ${WATCHES_PER_CHANNEL} watches already; stop one first`, USAGE.unwatch);
      let name = command.name ?? defaultName(command.conditions);
      if (existing.some((w) => w.name === name)) {
        if (command.name !== undefined)
          throw new UsageError(`This channel has a watch named "${name}" already; pick another name=`, USAGE.watch);
        let n = 2;
        while (existing.some((w) => w.name === `${name}-${n}`)) n++;
        name = `${name}-${n}`;
      }
      const created: Watch = {
        id: randomUUID(),
        channel: asker.channel,
        name,
        agentId,
        clientEnv: command.conditions.clientEnv ?? 'live',
        conditions: command.conditions,
        createdBy: asker.user,
        createdAt: new Date().toISOString(),
      };
      await store.saveWatchState(created.id, { since: created.createdAt, failures: 0, failing: false });
      await store.saveWatches(asker.channel, [...existing, created]);
      const channels = await store.watchChannels();
      if (!channels.includes(asker.channel)) await store.saveWatchChannels([...channels, asker.channel]);
      return created;
    });
    try {
      await this.deps.slack.post(asker.channel, watchStarted(watch, this.deps.intervalMs));
    } catch (error) {
      if (!needsInvite(error)) throw error;
      // A watch that could never post is not kept.
      await this.stop(asker.channel, (w) => w.id === watch.id);
      return asker.tell({ text: INVITE_HINT });
    }
    this.deps.logger.info({ watch: { channel: watch.channel, name: watch.name, agent: agentId } }, 'watch started');
  }

  async list(asker: Asker): Promise<void> {
    if (this.deps.conversations === undefined) return asker.tell(NOT_CONFIGURED);
    await asker.tell(watchList(await this.deps.store.watches(asker.channel)));
  }

  async remove(name: string, asker: Asker): Promise<void> {
    const stopped = await this.stop(asker.channel, (w) => name === 'all' || w.name === name);
    if (stopped.length === 0) {
      const known = (await this.deps.store.watches(asker.channel)).map((w) => w.name);
      throw new UsageError(
        name === 'all'
          ? 'There are no watches in this channel'
          : `There is no watch named "${name}" here${known.length === 0 ? '' : ` (watches: ${known.join(', ')})`}`,
        USAGE.unwatch,
      );
    }
    await this.deps.slack.post(asker.channel, watchesStopped(stopped, asker.user)).catch(async (error: unknown) => {
      if (!needsInvite(error)) throw error;
      await asker.tell(watchesStopped(stopped, asker.user));
    });
  }

  /** Starts polling on this instance (every instance does; the claims pick one per interval). */
  startPolling(): void {
    if (this.deps.conversations === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
  }

  stopPolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async stop(channel: string, which: (watch: Watch) => boolean): Promise<string[]> {
    const { store } = this.deps;
    return store.coordination.inOrder('watches', nowTs(), async () => {
      const watches = await store.watches(channel);
      const [gone, kept] = [watches.filter(which), watches.filter((w) => !which(w))];
      if (gone.length === 0) return [];
      await store.saveWatches(channel, kept);
      if (kept.length === 0) await store.saveWatchChannels((await store.watchChannels()).filter((c) => c !== channel));
      return gone.map((w) => w.name);
    });
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { store, logger, intervalMs } = this.deps;
    try {
      for (const channel of await store.watchChannels()) {
        for (const watch of await store.watches(channel)) {
          const slot = Math.floor(Date.now() / intervalMs);
          if (!(await store.coordination.claimOnce(`watch-poll:${watch.id}:${slot}`, intervalMs * 2))) continue;
          // One poll of a watch at a time, fleet-wide, each reading the state the last one left.
          const poll = store.coordination.inOrder(`watch:${watch.id}`, nowTs(), async () => {
            // Stopped meanwhile (unwatch, or its channel was left while another instance polled).
            if (!(await store.watches(channel)).some((w) => w.id === watch.id)) return;
            const state = (await store.watchState(watch.id)) ?? { since: watch.createdAt, failures: 0, failing: false };
            if (state.retryAt !== undefined && Date.parse(state.retryAt) > Date.now()) return;
            await this.poll(watch, state);
          });
          await this.deps.inFlight.track(poll);
        }
      }
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'watch poll round failed');
    } finally {
      this.running = false;
    }
  }

  private async poll(watch: Watch, state: WatchState): Promise<void> {
    const { store, metrics, logger, intervalMs } = this.deps;
    const started = Date.now();
    try {
      const { candidates, holdBack } = await this.candidates(watch, state, started);
      let posted = 0;
      for (const call of candidates) if (await this.consider(watch, call)) posted++;
      metrics.watchPolls.inc({ outcome: 'ok' });
      const since = holdBack === undefined ? started : Math.max(holdBack, started - MAX_HOLD_BACK_MS);
      const next: WatchState = { since: new Date(since).toISOString(), failures: 0, failing: false };
      if (state.failing) await this.say(watch, watchRecovered(watch, state.since));
      await store.saveWatchState(watch.id, next);
      logger.debug({ watch: { name: watch.name, candidates: candidates.length, posted } }, 'watch polled');
    } catch (error) {
      if (error instanceof ChannelGone) return;
      metrics.watchPolls.inc({ outcome: 'error' });
      const failures = state.failures + 1;
      const waitMs = Math.min(intervalMs * 2 ** failures, Math.max(MAX_BACKOFF_MS, intervalMs));
      logger.warn({ watch: { name: watch.name, failures }, err: (error as Error).message }, 'watch poll failed');
      const failed: WatchState = {
        ...state,
        failures,
        retryAt: new Date(Date.now() + waitMs).toISOString(),
        failing: true,
      };
      try {
        if (!state.failing) await this.say(watch, watchFailing(watch, error as Error, waitMs / 1000));
      } catch (sayError) {
        if (sayError instanceof ChannelGone) return;
        throw sayError;
      }
      await store.saveWatchState(watch.id, failed);
    }
  }

  /** The calls of the window that pass the list's conditions, and the start of the earliest call still in progress. */
  private async candidates(watch: Watch, state: WatchState, now: number) {
    const api = this.deps.conversations as ConversationsApi;
    const from = new Date(Date.parse(state.since) - OVERLAP_MS).toISOString();
    const to = new Date(now).toISOString();
    const candidates: V3Conversation[] = [];
    let holdBack: number | undefined;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await api.list(watch.agentId, {
        client_env: watch.clientEnv,
        start_time: from,
        end_time: to,
        limit: 100,
        ...(cursor !== undefined && { cursor }),
      });
      for (const call of answer.conversations) {
        if (call.in_progress === true) {
          const at = Date.parse(call.started_at);
          if (!Number.isNaN(at)) holdBack = Math.min(holdBack ?? at, at);
        } else if (passesList(call, watch.conditions)) candidates.push(call);
      }
      if (typeof answer.cursor !== 'string' || answer.cursor === '') break;
      cursor = answer.cursor;
    }
    return { candidates, holdBack };
  }

  /** Posts one call when it is new to this watch and its detail passes; true when posted. */
  private async consider(watch: Watch, call: V3Conversation): Promise<boolean> {
    const { store, polyai } = this.deps;
    if (await store.watchSeen(watch.id, call.id)) return false;
    // PolyScore, tags and the summary are only in v1's detail: one request per new candidate.
    const detail = await polyai.getConversation(watch.agentId, call.id);
    const matches = passesDetail(detail, watch.conditions);
    if (matches && (await store.coordination.claimOnce(`watch-post:${watch.id}:${call.id}`, SEEN_TTL_MS))) {
      const summary = summaryText(detail.shortSummary);
      await this.say(watch, undefined, {
        ...cardCall(watch.agentId, call),
        ...(typeof detail.polyScore === 'number' && { polyScore: detail.polyScore }),
        ...(summary !== undefined && { summary }),
      });
      await store.markWatchSeen(watch.id, call.id);
      return true;
    }
    await store.markWatchSeen(watch.id, call.id);
    return false;
  }

  /** Posts a notice (or a call's card) in the watch's channel; a channel the app left stops its watches. */
  private async say(
    watch: Watch,
    notice: Parameters<Deps['slack']['post']>[1] | undefined,
    call?: Parameters<ReviewStatuses['postCard']>[0]['calls'][number],
  ): Promise<void> {
    try {
      if (call !== undefined) {
        await this.deps.statuses.postCard({ kind: 'watch', channel: watch.channel, watch: watch.name, calls: [call] });
      } else if (notice !== undefined) {
        await this.deps.slack.post(watch.channel, notice);
      }
    } catch (error) {
      if (!needsInvite(error)) throw error;
      const names = await this.stop(watch.channel, () => true);
      this.deps.logger.warn(
        { watch: { channel: watch.channel, names }, slackError: slackErrorCode(error) },
        'watches stopped: the app can no longer post in their channel',
      );
      throw new ChannelGone();
    }
  }
}
