import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/platform/config.js';
import { durationMs, parseCommand, UsageError } from '../../src/presentation/commands.js';
import { matchingTurn } from '../../src/presentation/finding.js';

function usageOf(text: string): string {
  try {
    parseCommand(text);
  } catch (error) {
    if (error instanceof UsageError) return `${error.message} | ${error.usage}`;
    throw error;
  }
  throw new Error(`"${text}" parsed without error`);
}

describe('the §8 grammar', () => {
  it('reads search options before the text, with transcript as the default mode', () => {
    expect(parseCommand('search agent=a1 env=sandbox since=24h until=2026-11-02 side=user I want a refund')).toEqual({
      kind: 'search',
      search: {
        agentId: 'a1',
        clientEnv: 'sandbox',
        since: { agoMs: 86_400_000 },
        until: { at: '2026-11-02T00:00:00.000Z' },
        mode: 'transcript',
        side: 'user',
        text: 'I want a refund',
      },
    });
    expect(parseCommand('search mode=semantic since=2026-11-01T08:30:00+01:00 money back')).toMatchObject({
      search: { mode: 'semantic', since: { at: '2026-11-01T07:30:00.000Z' }, text: 'money back' },
    });
  });

  it('reads sample N (default 10) and its range', () => {
    expect(parseCommand('sample 5 env=pre-release since=7d')).toEqual({
      kind: 'sample',
      count: 5,
      range: { clientEnv: 'pre-release', since: { agoMs: 7 * 86_400_000 } },
    });
    expect(parseCommand('sample')).toEqual({ kind: 'sample', count: 10, range: {} });
    expect(usageOf('sample 0')).toContain('from 1 to 20');
    expect(usageOf('sample 5 loads')).toContain("I don't understand");
  });

  it('reads watch conditions, including score< as Slack escapes it', () => {
    expect(parseCommand('watch agent=a1 handoff score&lt;0.6 tag=billing longer=5m name=qa-feed')).toEqual({
      kind: 'watch',
      name: 'qa-feed',
      conditions: { agentId: 'a1', handoff: true, scoreBelow: 0.6, tag: 'billing', longerThanS: 300 },
    });
    expect(parseCommand('watch')).toEqual({ kind: 'watch', conditions: {} });
    expect(usageOf('watch name=all')).toContain('not "all"');
    expect(usageOf('watch since=1h')).toContain('Unknown option "since="');
  });

  it('reads queue, watches and unwatch', () => {
    expect(parseCommand('queue')).toEqual({ kind: 'queue' });
    expect(parseCommand('watches')).toEqual({ kind: 'watches' });
    expect(parseCommand('unwatch all')).toEqual({ kind: 'unwatch', name: 'all' });
    expect(usageOf('queue now')).toContain('/polychat queue');
  });

  it('reads durations and refuses what is not one', () => {
    expect(durationMs('30m')).toBe(1_800_000);
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('0h')).toBeUndefined();
    expect(durationMs('1w')).toBeUndefined();
    expect(usageOf('search since=last-week x')).toContain('since= takes a duration');
  });
});

describe('matchingTurn', () => {
  const turns = [
    { user_input: 'Hello', agent_response: 'Hi, how can I help?' },
    { user_input: 'I was charged twice', agent_response: 'I can refund the second charge.' },
  ];

  it('quotes the turn holding the text, on the side searched', () => {
    expect(matchingTurn(turns, 'REFUND', undefined)).toEqual({
      side: 'agent',
      said: 'I can refund the second charge.',
    });
    expect(matchingTurn(turns, 'charged', 'user')).toEqual({ side: 'user', said: 'I was charged twice' });
  });

  it('falls back to the turn sharing most words (semantic results), then the first', () => {
    expect(matchingTurn(turns, 'double charged card', undefined)?.said).toBe('I was charged twice');
    expect(matchingTurn(turns, 'zzz', undefined)?.said).toBe('Hello');
    expect(matchingTurn([], 'x', undefined)).toBeUndefined();
  });
});

describe('watch interval', () => {
  const minimal = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLYAI_API_KEY: 'k' };
  it('is POLYCHAT_WATCH_INTERVAL_S seconds, or POLYCHAT_WATCH_INTERVAL_MS (tests) below the 5 s floor', () => {
    expect(parseConfig(minimal).watchIntervalMs).toBe(60_000);
    expect(parseConfig({ ...minimal, POLYCHAT_WATCH_INTERVAL_S: '30' }).watchIntervalMs).toBe(30_000);
    expect(parseConfig({ ...minimal, POLYCHAT_WATCH_INTERVAL_MS: '250' }).watchIntervalMs).toBe(250);
    expect(() => parseConfig({ ...minimal, POLYCHAT_WATCH_INTERVAL_MS: '10' })).toThrow(/POLYCHAT_WATCH_INTERVAL_MS/);
  });
});
