import { type ConversationsApi, MissingKeyError } from '../../outbound/polyai/conversations-client.js';
import { PolyAIError } from '../../outbound/polyai/errors.js';
import type { CallRange, TimeSpec } from '../../presentation/commands.js';
import { UsageError } from '../../presentation/commands.js';
import { conversationsErrorMessage, missingKey } from '../../presentation/finding.js';
import type { Tell } from '../calls/call-reviews.js';

/** Runs a v3 request; a missing or refused key, or any PolyAI error, is told to the person instead (undefined). */
export async function askV3<T>(
  api: ConversationsApi,
  agentId: string,
  doing: string,
  tell: Tell,
  request: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof MissingKeyError) await tell(missingKey(agentId));
    else if (error instanceof PolyAIError)
      await tell(conversationsErrorMessage(error, doing, agentId, api.keyVariable(agentId)));
    else throw error;
    return undefined;
  }
}

function instant(spec: TimeSpec, now: number): number {
  return 'agoMs' in spec ? now - spec.agoMs : Date.parse(spec.at);
}

/** The ISO range a command means: `since=` (default `defaultAgoMs` ago) to `until=` (default now). */
export function resolveRange(range: CallRange, defaultAgoMs: number, usage: string): { from: string; to: string } {
  const now = Date.now();
  const from = instant(range.since ?? { agoMs: defaultAgoMs }, now);
  const to = Math.min(instant(range.until ?? { agoMs: 0 }, now), now);
  if (from >= to) throw new UsageError('since= must be before until= (and before now)', usage);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
