import type { SlackMessage } from '../../outbound/slack/poster.js';
import { slackErrorCode } from '../../outbound/slack/slack-errors.js';
import type { CallCard, CallThread, CardCall, ReviewStatus } from '../../outbound/store/records.js';
import { type QueueEntry, type ReviewChange, renderCard, statusKey } from '../../presentation/finding.js';
import type { CoreDeps } from '../deps.js';

/** Calls a channel's queue remembers; older ones drop off. */
const QUEUE_LIMIT = 200;
/** Messages one status redraws; a call shown more often than this keeps its latest ones. */
const SHOWN_LIMIT = 20;
/** Entries `/polychat queue` lists (with a link each). */
const QUEUE_SHOWN = 30;

type CallKey = { agentId: string; conversationId: string };
/** A card not yet posted (it has no ts yet). */
export type NewCard = CallCard extends infer C ? (C extends CallCard ? Omit<C, 'ts'> : never) : never;

/** A Slack-ts-shaped "now", for ordering store writes that no Slack event carries. */
export function nowTs(): string {
  return (Date.now() / 1000).toFixed(6);
}

/**
 * Review status of calls (spec §8): who claimed a call and whether it was reviewed, shown on its
 * review thread's root and on every sample and watch card that lists it. Each change holds the
 * call's place in `coordination.inOrder` (across instances on Redis), writes, and redraws every
 * card from the stored state, so the last press wins and every card ends showing it.
 */
export class ReviewStatuses {
  constructor(private readonly deps: CoreDeps) {}

  status(call: CallKey): Promise<ReviewStatus | undefined> {
    return this.deps.store.reviewStatus(call.agentId, call.conversationId);
  }

  /** Posts a card in its channel and remembers it on every call it shows; returns its ts. */
  async postCard(card: NewCard, threadTs?: string): Promise<string> {
    const statuses = await this.statusesOf(card.calls);
    const ts = await this.deps.slack.post(
      card.channel,
      renderCard({ ...card, ts: '' } as CallCard, statuses),
      threadTs,
    );
    await this.remember({ ...card, ts } as CallCard);
    return ts;
  }

  /** The root message of a new review thread: `base` with the call's review status under it. */
  async rootMessage(call: CallKey, base: SlackMessage): Promise<SlackMessage> {
    const card: CallCard = { kind: 'root', channel: '', ts: '', base, calls: [call] };
    return renderCard(card, await this.statusesOf([call]));
  }

  /** A review thread was opened: its root shows the status from now on, and the channel's queue lists it. */
  async threadOpened(call: CallThread, base: SlackMessage): Promise<void> {
    const card: CallCard = { kind: 'root', channel: call.channel, ts: call.threadTs, base, calls: [call] };
    await this.remember(card, { channel: call.channel, ts: call.threadTs });
    await this.enqueue(call.channel, call);
  }

  /** Applies one press; `position` (the action's ts) orders presses that arrive together. */
  async change(
    call: CallKey,
    change: ReviewChange,
    user: string,
    channel: string,
    position: string,
  ): Promise<ReviewStatus> {
    const at = new Date().toISOString();
    // Queued first, so the queue lists the call by the time any card shows the change.
    if (change === 'claim' || change === 'reopen') await this.enqueue(channel, call);
    const next = await this.mutate(call, position, async (status) => {
      const { claimedBy, claimedAt, reviewedBy, reviewedAt, ...rest } = status;
      const claimed = claimedBy === undefined ? {} : { claimedBy, claimedAt };
      switch (change) {
        case 'claim':
          return { ...rest, claimedBy: user, claimedAt: at };
        case 'unclaim':
          return rest;
        case 'reviewed':
          return { ...rest, ...claimed, reviewedBy: user, reviewedAt: at };
        case 'reopen':
          return { ...rest, ...claimed };
      }
    });
    this.deps.logger.info({ review: { conversation: call.conversationId, change, user } }, 'review status changed');
    return next;
  }

  /** The channel's calls that are not reviewed yet, newest first, each with a link to its thread or card. */
  async queue(channel: string): Promise<QueueEntry[]> {
    const calls = await this.deps.store.reviewQueue(channel);
    const statuses = await Promise.all(calls.map((call) => this.status(call)));
    const open = statuses
      .filter((s): s is ReviewStatus => s !== undefined && s.reviewedBy === undefined)
      .slice(0, QUEUE_SHOWN);
    return Promise.all(
      open.map(async (status) => {
        const where = status.thread ?? status.shownIn.find((m) => m.channel === channel);
        const link = where === undefined ? undefined : await this.deps.slack.permalink(where.channel, where.ts);
        return link === undefined ? { status } : { status, link };
      }),
    );
  }

  private async remember(card: CallCard, thread?: { channel: string; ts: string }): Promise<void> {
    await this.deps.store.saveCallCard(card);
    const shown = { channel: card.channel, ts: card.ts };
    await Promise.all(
      card.calls.map((call) =>
        this.mutate(call, nowTs(), async (status) => ({
          ...status,
          ...(thread !== undefined && { thread }),
          shownIn: [shown, ...status.shownIn.filter((m) => m.channel !== shown.channel || m.ts !== shown.ts)].slice(
            0,
            SHOWN_LIMIT,
          ),
        })),
      ),
    );
  }

  /** Read, change, write and redraw, one at a time per call (and across instances). */
  private mutate(
    call: CallKey,
    position: string,
    change: (status: ReviewStatus) => Promise<ReviewStatus>,
  ): Promise<ReviewStatus> {
    const { store } = this.deps;
    return store.coordination.inOrder(`review:${statusKey(call)}`, position, async () => {
      const current = (await this.status(call)) ?? {
        agentId: call.agentId,
        conversationId: call.conversationId,
        shownIn: [],
      };
      const next = await change(current);
      await store.saveReviewStatus(next);
      const changed = next.claimedBy !== current.claimedBy || next.reviewedBy !== current.reviewedBy;
      // A card registered after a press (posted while someone was already clicking) is redrawn too.
      const newCard = next.shownIn.length > 0 && next.shownIn[0] !== current.shownIn[0];
      const shown = next.claimedBy !== undefined || next.reviewedBy !== undefined;
      if (changed || (newCard && shown)) await this.redraw(next);
      return next;
    });
  }

  private async redraw(status: ReviewStatus): Promise<void> {
    const { store, slack, logger } = this.deps;
    await Promise.all(
      status.shownIn.map(async ({ channel, ts }) => {
        const card = await store.callCard(channel, ts);
        if (card === undefined) return;
        const statuses = await this.statusesOf(card.calls, status);
        try {
          await slack.update(channel, ts, renderCard(card, statuses));
        } catch (error) {
          logger.warn({ channel, ts, slackError: slackErrorCode(error) ?? String(error) }, 'card not redrawn');
        }
      }),
    );
  }

  private async statusesOf(calls: CardCall[] | CallKey[], known?: ReviewStatus): Promise<Map<string, ReviewStatus>> {
    const map = new Map<string, ReviewStatus>();
    await Promise.all(
      calls.map(async (call) => {
        const status = known !== undefined && statusKey(known) === statusKey(call) ? known : await this.status(call);
        if (status !== undefined) map.set(statusKey(call), status);
      }),
    );
    return map;
  }

  private async enqueue(channel: string, call: CallKey): Promise<void> {
    const { store } = this.deps;
    await store.coordination.inOrder(`review-queue:${channel}`, nowTs(), async () => {
      const queue = await store.reviewQueue(channel);
      const others = queue.filter((c) => statusKey(c) !== statusKey(call));
      await store.saveReviewQueue(
        channel,
        [{ agentId: call.agentId, conversationId: call.conversationId }, ...others].slice(0, QUEUE_LIMIT),
      );
    });
  }
}
