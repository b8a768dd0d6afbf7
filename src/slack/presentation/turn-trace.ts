import type { KnownBlock } from '@slack/types';
import type { DebugChatResponse, FunctionEvent } from '../../polyai/types.js';
import type { SessionSettings } from '../../store/records.js';
import { escapeText, truncate } from './text.js';

function functionNames(events: unknown): string[] {
  if (!Array.isArray(events)) return [];
  return events
    .map((event: FunctionEvent) => (typeof event?.name === 'string' ? event.name : undefined))
    .filter((name): name is string => name !== undefined);
}

function changedStateKeys(events: unknown): string[] {
  if (!Array.isArray(events)) return [];
  const keys = new Set<string>();
  for (const event of events as FunctionEvent[]) {
    const changes = event?.state_changes;
    if (typeof changes !== 'object' || changes === null) continue;
    for (const kind of ['added', 'updated', 'removed'] as const) {
      const part = changes[kind];
      if (typeof part === 'object' && part !== null) for (const key of Object.keys(part)) keys.add(key);
    }
  }
  return [...keys];
}

/** The compact trace line of `details=on`: functions called, state keys changed, latency. */
export function traceLine(reply: DebugChatResponse, ms: number): string {
  const metadata = typeof reply.metadata === 'object' && reply.metadata !== null ? reply.metadata : {};
  const functions = functionNames(metadata.functionEvents);
  const keys = changedStateKeys(metadata.functionEvents);
  const parts = [
    `:gear: ${functions.length === 0 ? 'no functions' : functions.map(escapeText).join(', ')}`,
    `:card_index: ${keys.length === 0 ? 'no state changes' : keys.map(escapeText).join(', ')}`,
    `:stopwatch: ${ms} ms`,
  ];
  return truncate(parts.join('  ·  '), 2900);
}

/** Blocks under a reply: the trace line when the session shows details. */
export function turnFooter(session: SessionSettings, reply: DebugChatResponse, ms: number): KnownBlock[] {
  if (!session.details) return [];
  return [{ type: 'context', elements: [{ type: 'mrkdwn', text: traceLine(reply, ms) }] }];
}
