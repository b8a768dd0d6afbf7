import { randomUUID } from 'node:crypto';
import type { ConversationsApi, V3Query } from '../../outbound/polyai/conversations-client.js';
import { INVITE_HINT, needsInvite } from '../../outbound/slack/slack-errors.js';
import type { SearchPage } from '../../outbound/store/records.js';
import type { CallRange, SearchCommand } from '../../presentation/commands.js';
import { USAGE } from '../../presentation/commands.js';
import {
  cardCall,
  NOT_CONFIGURED,
  nothingFound,
  SEARCH_EXPIRED,
  sampleHeading,
  searchResults,
} from '../../presentation/finding.js';
import type { CallReviews, Tell } from '../calls/call-reviews.js';
import type { ReviewStatuses } from '../calls/review-status.js';
import type { CoreDeps } from '../deps.js';
import { askV3, resolveRange } from './v3-access.js';

const DAY_MS = 86_400_000;
/** Results a search shows at a time (spec §8). */
export const SEARCH_PAGE = 10;

export interface Asker {
  channel: string;
  user: string;
  tell: Tell;
}

/** Search and random samples over the Conversations API v3 (spec §8). */
export class CallFinder {
  constructor(
    private readonly deps: CoreDeps & {
      conversations: ConversationsApi | undefined;
      calls: CallReviews;
      statuses: ReviewStatuses;
    },
  ) {}

  /** `/polychat search`: the first page, to the requester alone. */
  async search(command: SearchCommand, asker: Asker): Promise<void> {
    const api = this.deps.conversations;
    if (api === undefined) return asker.tell(NOT_CONFIGURED);
    const agentId = await this.deps.calls.requireAgent(asker.channel, command.agentId, USAGE.search);
    const { from, to } = resolveRange(command, 7 * DAY_MS, USAGE.search);
    const query: Record<string, string | number> = {
      query_type: command.mode,
      query: command.text,
      ...(command.side !== undefined && { turn_type: command.side }),
      client_env: command.clientEnv ?? 'live',
      start_time: from,
      end_time: to,
      limit: SEARCH_PAGE,
    };
    await this.showPage(
      { agentId, channel: asker.channel, user: asker.user, query, cursor: '', shown: 0 },
      asker.tell,
      command,
    );
  }

  /** The More button: the next page of a search, by the cursor kept for it. */
  async more(pageId: string, tell: Tell): Promise<void> {
    const page = await this.deps.store.searchPage(pageId);
    if (page === undefined || this.deps.conversations === undefined) return tell(SEARCH_EXPIRED);
    const side = page.query.turn_type;
    await this.showPage(page, tell, {
      mode: page.query.query_type === 'semantic' ? 'semantic' : 'transcript',
      text: String(page.query.query),
      ...((side === 'user' || side === 'agent') && { side }),
    });
  }

  private async showPage(
    page: SearchPage,
    tell: Tell,
    what: Pick<SearchCommand, 'mode' | 'text' | 'side'>,
  ): Promise<void> {
    const api = this.deps.conversations as ConversationsApi;
    const query = { ...page.query, ...(page.cursor !== '' && { cursor: page.cursor }) } as V3Query;
    const answer = await askV3(api, page.agentId, 'The search failed', tell, () => api.list(page.agentId, query));
    if (answer === undefined) return;
    const calls = answer.conversations.slice(0, SEARCH_PAGE);
    let pageId: string | undefined;
    if (typeof answer.cursor === 'string' && answer.cursor !== '' && calls.length > 0) {
      pageId = randomUUID();
      await this.deps.store.saveSearchPage(pageId, {
        ...page,
        cursor: answer.cursor,
        shown: page.shown + calls.length,
      });
    }
    await tell(
      searchResults(calls, {
        agentId: page.agentId,
        channel: page.channel,
        text: what.text,
        mode: what.mode,
        ...(what.side !== undefined && { side: what.side }),
        offset: page.shown,
        ...(pageId !== undefined && { pageId }),
      }),
    );
  }

  /** `/polychat sample N`: N random calls posted in the channel as one card, each with Open and Claim. */
  async sample(count: number, range: CallRange, asker: Asker): Promise<void> {
    const api = this.deps.conversations;
    if (api === undefined) return asker.tell(NOT_CONFIGURED);
    const agentId = await this.deps.calls.requireAgent(asker.channel, range.agentId, USAGE.sample);
    const { from, to } = resolveRange(range, DAY_MS, USAGE.sample);
    const env = range.clientEnv ?? 'live';
    const answer = await askV3(api, agentId, 'The sample could not be drawn', asker.tell, () =>
      api.list(agentId, { sample: 'random', limit: count, client_env: env, start_time: from, end_time: to }),
    );
    if (answer === undefined) return;
    const calls = answer.conversations.slice(0, count).map((call) => cardCall(agentId, call));
    if (calls.length === 0) return asker.tell(nothingFound('calls', agentId, env, from, to));
    try {
      await this.deps.statuses.postCard({
        kind: 'sample',
        channel: asker.channel,
        heading: sampleHeading(calls.length, agentId, env, from, to, asker.user),
        calls,
      });
    } catch (error) {
      if (!needsInvite(error)) throw error;
      return asker.tell({ text: INVITE_HINT });
    }
    this.deps.logger.info({ sample: { channel: asker.channel, agent: agentId, calls: calls.length } }, 'sample posted');
  }
}
