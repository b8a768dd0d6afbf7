import type { KnownBlock } from '@slack/types';
import type { ConversationTurn } from '../outbound/polyai/types.js';
import type { SlackMessage } from '../outbound/slack/poster.js';
import { escapeText, truncate } from './text.js';

/** Turns shown when a conversation is resumed; older ones are counted. */
export const PRIOR_TURNS_SHOWN = 100;
/** Blocks per message, under Slack's 50. */
const BLOCKS_PER_MESSAGE = 40;

function said(who: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return `*${who}:* ${truncate(escapeText(value), 1400)}`;
}

/**
 * A resumed conversation's turns so far, as few messages as Slack's limits allow. `known`
 * is false when PolyAI could not be asked, so "none" is not claimed.
 */
export function priorTurns(turns: ConversationTurn[], known = true): SlackMessage[] {
  if (turns.length === 0) {
    return known
      ? [
          {
            text: ':information_source: PolyAI has no turns of this conversation to show yet. Reply here to continue it.',
          },
        ]
      : [];
  }
  const shown = turns.slice(-PRIOR_TURNS_SHOWN);
  const first = turns.length - shown.length;
  const blocks: KnownBlock[] = shown.map((turn, i) => {
    const lines = [said('User', turn.user_input), said('Agent', turn.agent_response)].filter(
      (line): line is string => line !== undefined,
    );
    const text = `_Turn ${first + i}_\n${lines.length === 0 ? '_(nothing said)_' : lines.join('\n')}`;
    return { type: 'section', text: { type: 'mrkdwn', text } };
  });
  const heading = `:scroll: *This conversation so far* (${turns.length} turn${turns.length === 1 ? '' : 's'}${
    first > 0 ? `, the last ${shown.length} shown` : ''
  }). Reply here to continue it.`;
  const messages: SlackMessage[] = [];
  for (let at = 0; at < blocks.length; at += BLOCKS_PER_MESSAGE) {
    const part = blocks.slice(at, at + BLOCKS_PER_MESSAGE);
    messages.push({
      text: at === 0 ? heading : 'This conversation so far (continued)',
      blocks: at === 0 ? [{ type: 'section', text: { type: 'mrkdwn', text: heading } }, ...part] : part,
    });
  }
  return messages;
}
