import type { Button, KnownBlock } from '@slack/types';
import type { V3Conversation, V3Turn } from '../outbound/polyai/conversations-client.js';
import type { PolyAIError } from '../outbound/polyai/errors.js';
import type { SlackMessage } from '../outbound/slack/poster.js';
import type { CallCard, CardCall, ReviewStatus, Watch, WatchConditions } from '../outbound/store/records.js';
import { section } from './blocks.js';
import { CALL_ACTIONS, formatDuration } from './call-review.js';
import { errorReference, polyaiErrorMessage } from './polyai-errors.js';
import { code, escapeText, slackDate, truncate } from './text.js';

/** Action IDs of review-status buttons and search paging (Open is the call list's own). */
export const FINDING_ACTIONS = {
  claim: 'review_claim',
  unclaim: 'review_unclaim',
  reviewed: 'review_mark_reviewed',
  reopen: 'review_reopen',
  more: 'search_more',
} as const;

export type ReviewChange = 'claim' | 'unclaim' | 'reviewed' | 'reopen';

export const NOT_CONFIGURED: SlackMessage = {
  text: ":gear: Search, samples, the review queue and watches use PolyAI's Conversations API v3, which is not set up. An admin should set `POLYAI_ACCOUNT_ID` (the workspace ID, `ws-…`) and `POLYAI_CONVERSATIONS_API_KEY` (or `POLYAI_CONVERSATIONS_API_KEYS=AGENT_ID=KEY,…`), then restart polychat.",
};

export function missingKey(agentId: string): SlackMessage {
  return {
    text: `:key: There is no Conversations API key for agent ${code(agentId)}. An admin should add \`${escapeText(agentId)}=KEY\` to \`POLYAI_CONVERSATIONS_API_KEYS\`, or set \`POLYAI_CONVERSATIONS_API_KEY\`.`,
  };
}

/** A failed v3 request; a refused key names the variable to check (never the key). */
export function conversationsErrorMessage(
  error: PolyAIError,
  doing: string,
  agentId: string,
  keyVariable: string,
): SlackMessage {
  if (error.status !== 401 && error.status !== 403) return polyaiErrorMessage(error, doing);
  const reference = errorReference(error);
  const text = `:key: ${doing}. PolyAI refused the Conversations API key for agent ${code(agentId)}: an admin should check \`${keyVariable}\` (keys are issued per agent and region; also check \`POLYAI_PLATFORM_REGION\`).${reference === '' ? '' : ` (${reference})`}`;
  return { text, blocks: [section(text)] };
}

// ------------------------------------------------------------ button values

interface CardButton {
  agentId: string;
  conversationId: string;
  /** The channel the card is in, so a channel check can judge the press. */
  channel: string;
}

function parseJson(value: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(value ?? '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Same shape as the call list's Open value (`a`, `c`), plus the channel. */
function cardValue(call: CardButton): string {
  return JSON.stringify({ a: call.agentId, c: call.conversationId, ch: call.channel });
}

export function readCardButton(value: string | undefined): CardButton | undefined {
  const data = parseJson(value);
  if (typeof data?.a !== 'string' || typeof data.c !== 'string' || typeof data.ch !== 'string') return undefined;
  return { agentId: data.a, conversationId: data.c, channel: data.ch };
}

export function readMoreButton(value: string | undefined): { page: string; channel: string } | undefined {
  const data = parseJson(value);
  return typeof data?.p === 'string' && typeof data.ch === 'string' ? { page: data.p, channel: data.ch } : undefined;
}

const button = (action_id: string, text: string, value: string, style?: 'primary'): Button => ({
  type: 'button',
  action_id,
  text: { type: 'plain_text', text },
  value,
  ...(style !== undefined && { style }),
});

// ----------------------------------------------------------- review status

export function statusText(status: ReviewStatus | undefined): string {
  if (status?.reviewedBy !== undefined) {
    return `:white_check_mark: Reviewed by <@${status.reviewedBy}> ${slackDate(status.reviewedAt)}`;
  }
  if (status?.claimedBy !== undefined) return `:eyes: <@${status.claimedBy}> is reviewing`;
  return ':hourglass_flowing_sand: Not claimed';
}

/** Claim or Unclaim, and Mark reviewed; once reviewed, only Reopen. */
function statusButtons(call: CardButton, status: ReviewStatus | undefined): Button[] {
  const value = cardValue(call);
  if (status?.reviewedBy !== undefined) return [button(FINDING_ACTIONS.reopen, 'Reopen', value)];
  return [
    status?.claimedBy === undefined
      ? button(FINDING_ACTIONS.claim, ':raising_hand: Claim', value, 'primary')
      : button(FINDING_ACTIONS.unclaim, 'Unclaim', value),
    button(FINDING_ACTIONS.reviewed, ':white_check_mark: Mark reviewed', value),
  ];
}

const keyOf = (call: { agentId: string; conversationId: string }) => `${call.agentId}:${call.conversationId}`;

/** Looks a call's status up in a map keyed by `statusKey`. */
export function statusKey(call: { agentId: string; conversationId: string }): string {
  return keyOf(call);
}

function handoffWords(call: CardCall): string {
  if (call.handoff !== true) return call.handoff === false ? 'no handoff' : 'handoff —';
  return `*handoff*${call.handoffReason ? ` (${escapeText(truncate(call.handoffReason, 200))})` : ''}`;
}

function callLine(call: CardCall): string {
  return [
    code(call.conversationId),
    slackDate(call.startedAt),
    formatDuration(call.durationS),
    call.channel ? escapeText(call.channel) : '—',
    handoffWords(call),
  ].join('  ·  ');
}

/** A card redrawn from what the store holds: the root of a review thread, a sample, or a watch's card. */
export function renderCard(card: CallCard, statuses: ReadonlyMap<string, ReviewStatus>): SlackMessage {
  const ref = (call: CardCall): CardButton => ({ ...call, channel: card.channel });
  if (card.kind === 'root') {
    const [call] = card.calls;
    if (call === undefined) return card.base;
    const status = statuses.get(keyOf(call));
    return {
      text: card.base.text,
      blocks: [
        ...(card.base.blocks ?? []),
        section(`*Review:* ${statusText(status)}`),
        { type: 'actions', block_id: 'review_status', elements: statusButtons(ref(call), status) },
      ],
    };
  }
  if (card.kind === 'watch') {
    const [call] = card.calls;
    if (call === undefined) return { text: card.watch };
    const status = statuses.get(keyOf(call));
    const score = typeof call.polyScore === 'number' ? String(Math.round(call.polyScore * 100) / 100) : '—';
    const text = [
      `:rotating_light: *Watch ${code(card.watch)}*: ${callLine(call)}  ·  PolyScore ${score}`,
      call.summary === undefined ? '_no summary_' : escapeText(truncate(call.summary, 600)),
      statusText(status),
    ].join('\n');
    return {
      text: `Watch ${card.watch}: new call ${call.conversationId}`,
      blocks: [
        section(text),
        {
          type: 'actions',
          elements: [button(CALL_ACTIONS.open, 'Open', cardValue(ref(call))), ...statusButtons(ref(call), status)],
        },
      ],
    };
  }
  const blocks: KnownBlock[] = [section(card.heading)];
  card.calls.forEach((call, i) => {
    const status = statuses.get(keyOf(call));
    blocks.push(section(`*${i + 1}.* ${callLine(call)}\n${statusText(status)}`), {
      type: 'actions',
      elements: [button(CALL_ACTIONS.open, 'Open', cardValue(ref(call))), ...statusButtons(ref(call), status)],
    });
  });
  return { text: card.heading.replace(/[*_]/g, ''), blocks };
}

/** What a v3 conversation tells a card. */
export function cardCall(agentId: string, call: V3Conversation): CardCall {
  return {
    agentId,
    conversationId: call.id,
    startedAt: call.started_at,
    ...(typeof call.total_duration === 'number' && { durationS: call.total_duration }),
    ...(typeof call.channel === 'string' && { channel: call.channel }),
    ...(typeof call.handoff === 'boolean' && { handoff: call.handoff }),
    ...(typeof call.handoff_reason === 'string' &&
      call.handoff_reason !== '' && { handoffReason: call.handoff_reason }),
  };
}

export function sampleHeading(count: number, agentId: string, env: string, from: string, to: string, user: string) {
  return `:game_die: *Random sample* of ${count} call${count === 1 ? '' : 's'} of agent ${code(agentId)} (${escapeText(env)}, ${slackDate(from)} – ${slackDate(to)}), for <@${user}>. Claim one to review it.`;
}

export function nothingFound(what: string, agentId: string, env: string, from: string, to: string): SlackMessage {
  return {
    text: `:mag: No ${what} for agent ${code(agentId)} in ${escapeText(env)} between ${slackDate(from)} and ${slackDate(to)}. Widen the range with since= / until=, or try another env=.`,
  };
}

// ----------------------------------------------------------------- search

/** The turn that matched: the first whose text holds the query (on the side searched), else the most words in common. */
export function matchingTurn(
  turns: V3Turn[] | null | undefined,
  text: string,
  side: 'user' | 'agent' | undefined,
): { side: 'user' | 'agent'; said: string } | undefined {
  const candidates = (turns ?? []).flatMap((t) => [
    ...(side !== 'agent' && typeof t.user_input === 'string' && t.user_input !== ''
      ? [{ side: 'user' as const, said: t.user_input }]
      : []),
    ...(side !== 'user' && typeof t.agent_response === 'string' && t.agent_response !== ''
      ? [{ side: 'agent' as const, said: t.agent_response }]
      : []),
  ]);
  const needle = text.toLowerCase();
  const exact = candidates.find((c) => c.said.toLowerCase().includes(needle));
  if (exact !== undefined) return exact;
  const words = needle.split(/\W+/).filter((w) => w.length >= 3);
  let best: (typeof candidates)[number] | undefined;
  let bestScore = 0;
  for (const c of candidates) {
    const said = c.said.toLowerCase();
    const score = words.filter((w) => said.includes(w)).length;
    if (score > bestScore) [best, bestScore] = [c, score];
  }
  return best ?? candidates[0];
}

export interface SearchView {
  agentId: string;
  channel: string;
  text: string;
  mode: 'transcript' | 'semantic';
  side?: 'user' | 'agent';
  /** Results shown before this page. */
  offset: number;
  /** Set when there is a next page. */
  pageId?: string;
}

export function searchResults(calls: V3Conversation[], view: SearchView): SlackMessage {
  const how = view.mode === 'semantic' ? 'meaning close to' : 'transcript matching';
  const heading =
    calls.length === 0
      ? view.offset === 0
        ? `:mag: No calls of agent ${code(view.agentId)} with a ${how} ${code(view.text)}.`
        : ':mag: No more results.'
      : `:mag: Calls of agent ${code(view.agentId)} with a ${how} ${code(view.text)}${view.side === undefined ? '' : ` (${view.side === 'user' ? 'caller' : 'agent'} side)`}: ${view.offset + 1}–${view.offset + calls.length}`;
  const blocks: KnownBlock[] = [section(heading)];
  for (const call of calls) {
    const turn = matchingTurn(call.turns, view.text, view.side);
    const quote =
      turn === undefined
        ? '_no transcript_'
        : `${turn.side === 'user' ? ':bust_in_silhouette: *Caller*' : ':robot_face: *Agent*'}\n> ${escapeText(truncate(turn.said, 500)).replace(/\n/g, '\n> ')}`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`${callLine(cardCall(view.agentId, call))}\n${quote}`, 3000) },
      accessory: button(
        CALL_ACTIONS.open,
        'Open',
        cardValue({ agentId: view.agentId, conversationId: call.id, channel: view.channel }),
      ),
    });
  }
  if (view.pageId !== undefined) {
    blocks.push({
      type: 'actions',
      block_id: 'search_paging',
      elements: [button(FINDING_ACTIONS.more, 'More', JSON.stringify({ p: view.pageId, ch: view.channel }))],
    });
  }
  return { text: heading, blocks };
}

export const SEARCH_EXPIRED: SlackMessage = {
  text: ':hourglass: This search is no longer kept (results page on for a day). Run `/polychat search …` again.',
};

// ------------------------------------------------------------------ queue

export interface QueueEntry {
  status: ReviewStatus;
  link?: string;
}

export function queueMessage(entries: QueueEntry[]): SlackMessage {
  if (entries.length === 0) {
    return {
      text: ':tada: No call reviews waiting in this channel. `/polychat sample N` picks some calls to review.',
    };
  }
  const heading = `:clipboard: *${entries.length} call review${entries.length === 1 ? '' : 's'} not yet reviewed* in this channel:`;
  const lines = entries.map(({ status, link }) => {
    const name = link === undefined ? code(status.conversationId) : `<${link}|${escapeText(status.conversationId)}>`;
    return `• ${name} (agent ${code(status.agentId)}): ${statusText(status)}`;
  });
  const chunks: string[] = [];
  for (const line of [heading, ...lines]) {
    const last = chunks.length - 1;
    if (last >= 0 && (chunks[last] as string).length + line.length < 2900) chunks[last] += `\n${line}`;
    else chunks.push(line);
  }
  return { text: heading.replace(/\*/g, ''), blocks: chunks.slice(0, 40).map((chunk) => section(chunk)) };
}

// ---------------------------------------------------------------- watches

export function conditionsText(watch: { agentId: string; clientEnv: string; conditions: WatchConditions }): string {
  const c = watch.conditions;
  const parts = [
    `agent ${code(watch.agentId)}`,
    escapeText(watch.clientEnv),
    ...(c.handoff === true ? ['handed off'] : []),
    ...(c.scoreBelow !== undefined ? [`PolyScore below ${c.scoreBelow}`] : []),
    ...(c.tag !== undefined ? [`tagged ${code(c.tag)}`] : []),
    ...(c.longerThanS !== undefined ? [`longer than ${formatDuration(c.longerThanS)}`] : []),
  ];
  return parts.join(', ');
}

export function watchStarted(watch: Watch, intervalMs: number): SlackMessage {
  return {
    text: `:eyes: <@${watch.createdBy}> started watch ${code(watch.name)}: new calls (${conditionsText(watch)}) will be posted here, checked every ${intervalMs / 1000} s. \`/polychat unwatch ${escapeText(watch.name)}\` stops it.`,
  };
}

export function watchList(watches: Watch[]): SlackMessage {
  if (watches.length === 0) return { text: 'No watches in this channel. Start one with `/polychat watch …`.' };
  const text = [
    `:eyes: *Watches in this channel:*`,
    ...watches.map(
      (w) => `• ${code(w.name)}: ${conditionsText(w)}; started by <@${w.createdBy}> ${slackDate(w.createdAt)}`,
    ),
  ].join('\n');
  return { text: 'Watches in this channel', blocks: [section(text)] };
}

export function watchesStopped(names: string[], user: string): SlackMessage {
  return {
    text: `:octagonal_sign: <@${user}> stopped ${names.length === 1 ? 'watch' : 'watches'} ${names.map(code).join(', ')}.`,
  };
}

export function watchFailing(watch: Watch, error: PolyAIError | Error, retryInS: number): SlackMessage {
  const reference = 'kind' in error ? errorReference(error as PolyAIError) : '';
  return {
    text: `:warning: Watch ${code(watch.name)} cannot read calls from PolyAI: ${escapeText(truncate(error.message, 300))}.${reference === '' ? '' : ` (${reference})`} I keep trying, less often (next in ${Math.round(retryInS)} s), and will say here when it works again.`,
  };
}

export function watchRecovered(watch: Watch, since: string): SlackMessage {
  return {
    text: `:white_check_mark: Watch ${code(watch.name)} works again: calls since ${slackDate(since)} are being checked.`,
  };
}
