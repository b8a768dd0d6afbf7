import type { KnownBlock } from '@slack/types';
import { changedStateKeys, present, readTrace } from '../outbound/polyai/metadata.js';
import type { DebugChatResponse } from '../outbound/polyai/types.js';
import type { SessionSettings } from '../outbound/store/records.js';
import { code, truncate } from './text.js';

/** Names shown on the line before the rest is counted: the line stays one line, and the latency stays in view. */
const SHOWN = 12;

function some(items: string[], none: string): string {
  if (items.length === 0) return none;
  const more = items.length - SHOWN;
  return `${items.slice(0, SHOWN).join(', ')}${more > 0 ? ` +${more} more` : ''}`;
}

/** The compact trace line of `details=on`: functions called (flagging errors and handoffs), state keys changed, latency. */
export function traceLine(reply: Pick<DebugChatResponse, 'metadata'>, ms: number): string {
  const trace = readTrace(reply.metadata);
  const functions = trace.functions.map((call) => {
    const flags = [
      present(call.error) ? ' :warning:' : '',
      present(call.handoff) ? ' :telephone_receiver:' : '',
      present(call.hangup) ? ' :end:' : '',
    ].join('');
    return `${code(truncate(call.name ?? 'unnamed', 80))}${flags}`;
  });
  const keys = changedStateKeys(trace).map((key) => code(truncate(key, 80)));
  return [
    `:gear: ${some(functions, 'no functions')}`,
    `:card_index: ${some(keys, 'no state changes')}`,
    `:stopwatch: ${ms} ms`,
  ].join('  ·  ');
}

/** Blocks under a reply: the trace line when the session shows details. */
export function turnFooter(
  session: Pick<SessionSettings, 'details'>,
  reply: Pick<DebugChatResponse, 'metadata'>,
  ms: number,
): KnownBlock[] {
  if (!session.details) return [];
  return [{ type: 'context', elements: [{ type: 'mrkdwn', text: traceLine(reply, ms) }] }];
}
