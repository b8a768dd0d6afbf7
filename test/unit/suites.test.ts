import { describe, expect, it } from 'vitest';
import { acceptActual, defaultChecks, failedCheck } from '../../src/domain/suites/checks.js';
import { cronPattern, dueSlot } from '../../src/domain/suites/scheduler.js';
import { parseSuiteYaml, suiteToYaml } from '../../src/domain/suites/yaml-format.js';
import type { FunctionCallRecord } from '../../src/outbound/store/records.js';
import type { CaseTurn, Suite } from '../../src/outbound/store/suite-records.js';
import { parseCommand, UsageError } from '../../src/presentation/commands.js';
import { wordDiff } from '../../src/presentation/suites.js';

const turn = (checks: Partial<CaseTurn['checks']> = {}): CaseTurn => ({
  user: 'book a table',
  reply: 'Sure,   for how many?',
  functions: [{ name: 'check', arguments: { party: 2 } }],
  checks: { ...defaultChecks([{ name: 'check' }]), ...checks },
});
const actual = (
  reply: string,
  functions: FunctionCallRecord[] = [{ name: 'check', arguments: { party: 2 } }],
  ended = false,
) => ({ reply, functions, ended });

describe('turn checks', () => {
  it('compares replies after normalising whitespace, and names the failing check', () => {
    expect(failedCheck(turn(), actual('Sure, for how\nmany?'))).toBeUndefined();
    expect(failedCheck(turn(), actual('Sure, for how few?'))?.check).toBe('reply');
    expect(failedCheck(turn({ reply: 'any', contains: ['HOW MANY'] }), actual('so how many then'))).toBeUndefined();
    expect(failedCheck(turn({ reply: 'any', contains: ['people'] }), actual('how many'))?.check).toBe('contains');
    expect(failedCheck(turn({ reply: 'any', matches: '^how \\w+$' }), actual('how many'))).toBeUndefined();
    expect(failedCheck(turn({ reply: 'any', matches: '^\\d+$' }), actual('how many'))?.check).toBe('matches');
    expect(failedCheck(turn({ reply: 'any', ended: true }), actual('bye'))?.check).toBe('ended');
  });

  it('wants the same functions, no more and no fewer, with the arguments named', () => {
    const t = turn({ reply: 'any' });
    expect(failedCheck(t, actual('x', []))?.detail).toBe('check was not called');
    expect(failedCheck(t, actual('x', [{ name: 'check' }, { name: 'pay' }]))?.detail).toBe(
      'pay was called but not expected',
    );
    const withArgs = turn({ reply: 'any', functions: [{ name: 'check', arguments: { party: 2 } }] });
    expect(failedCheck(withArgs, actual('x', [{ name: 'check', arguments: { party: 3 } }]))?.detail).toBe(
      'check was called with other arguments',
    );
  });

  it('Accept makes what happened the expectation', () => {
    const saved = {
      name: 'c',
      settings: { agentId: 'a', clientEnv: 'sandbox' as const, details: false },
      turns: [turn()],
      savedBy: 'U1',
      savedAt: '',
    };
    const now = actual('Twenty pounds', [{ name: 'quote', arguments: {} }]);
    const accepted = acceptActual(saved, [now]);
    expect(failedCheck(accepted.turns[0] as CaseTurn, now)).toBeUndefined();
  });

  it('shows a word diff that cannot ping anyone', () => {
    expect(wordDiff('It costs 10 pounds', 'It costs 20 pounds <!channel>')).toBe(
      'It costs ~10~ *20* pounds *&lt;!channel&gt;*',
    );
  });
});

describe('suite files', () => {
  const suite: Suite = {
    channel: 'C1',
    name: 'smoke',
    runs: [],
    cases: [
      {
        name: 'Booking',
        settings: {
          agentId: 'agent-1',
          clientEnv: 'live',
          variantId: 'v2',
          integrationAttributes: { tier: 'gold' },
          details: false,
        },
        turns: [turn({ contains: ['many'], matches: 'how', ended: false })],
        savedBy: 'U1',
        savedAt: '2026-01-01T00:00:00.000Z',
      },
    ],
  };

  it('reads back what it writes', () => {
    const parsed = parseSuiteYaml(suiteToYaml(suite), 'U1');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.name).toBe('smoke');
    expect(parsed.cases[0]?.settings).toEqual(suite.cases[0]?.settings);
    expect(parsed.cases[0]?.turns).toEqual(suite.cases[0]?.turns);
  });

  it('names the line of each kind of mistake', () => {
    const bad = (text: string) => {
      const result = parseSuiteYaml(text, 'U1');
      return result.ok ? 'ok' : result.error;
    };
    expect(
      bad('suite: s\ncases:\n  - name: a\n    settings: { agent: x, env: staging }\n    turns: [{ user: hi }]'),
    ).toMatch(/^line 4 .*env must be one of/);
    expect(
      bad(
        'suite: s\ncases:\n  - name: a\n    settings: { agent: x, env: live }\n    turns:\n      - user: hi\n        chekcs: {}',
      ),
    ).toMatch(/^line 7 .*unknown key "chekcs"/);
    expect(bad('suite: s\ncases: [\n')).toMatch(/^line \d+:/);
    expect(bad('suite: s\ncases:\n  - name: a\n    settings: { agent: x, env: live }\n    turns: []')).toMatch(
      /^line 5 .*at least one turn/,
    );
  });
});

describe('test commands', () => {
  it('parses run, schedule and save', () => {
    expect(parseCommand('test run smoke env=live lang=en-GB')).toEqual({
      kind: 'test',
      test: { action: 'run', suite: 'smoke', overrides: { clientEnv: 'live', lang: 'en-GB' } },
    });
    expect(parseCommand('test schedule smoke weekdays 9:05 variant=v2')).toEqual({
      kind: 'test',
      test: {
        action: 'schedule',
        suite: 'smoke',
        every: { kind: 'weekdays', time: '09:05' },
        overrides: { variantId: 'v2' },
      },
    });
    expect(parseCommand('save as test smoke Book a table')).toEqual({
      kind: 'save',
      suite: 'smoke',
      caseName: 'Book a table',
    });
    expect(() => parseCommand('test run')).toThrow(UsageError);
    expect(() => parseCommand('test run smoke agent=x')).toThrow(/Unknown option/);
    expect(() => parseCommand('test schedule smoke monthly')).toThrow(/hourly, daily HH:MM or weekdays HH:MM/);
  });

  it('puts slots in the configured time zone, each due once', () => {
    expect(cronPattern({ kind: 'weekdays', time: '09:30' })).toBe('30 9 * * 1-5');
    const scheduled: Suite = {
      channel: 'C1',
      name: 's',
      cases: [],
      runs: [],
      schedule: { every: { kind: 'daily', time: '09:30' }, overrides: {}, by: 'U1', after: '2026-07-01T00:00:00.000Z' },
    };
    // 09:30 in London is 08:30 UTC in July.
    expect(dueSlot(scheduled, 'Europe/London', new Date('2026-07-01T08:29:00Z'))).toBeUndefined();
    expect(dueSlot(scheduled, 'Europe/London', new Date('2026-07-01T08:31:00Z'))?.toISOString()).toBe(
      '2026-07-01T08:30:00.000Z',
    );
    const ran = {
      ...scheduled,
      schedule: { ...(scheduled.schedule as NonNullable<Suite['schedule']>), after: '2026-07-01T08:30:00.000Z' },
    };
    expect(dueSlot(ran, 'Europe/London', new Date('2026-07-01T09:00:00Z'))).toBeUndefined();
  });
});
