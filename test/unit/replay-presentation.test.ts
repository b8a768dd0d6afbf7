import { describe, expect, it } from 'vitest';
import {
  changedSummary,
  type ReplayRow,
  readReplayForm,
  replayComparison,
  replayProgress,
} from '../../src/presentation/replay.js';
import { blockProblems } from '../support/block-kit.js';

const row = (turn: number, changed: boolean, text = 'same reply'): ReplayRow => ({
  turn,
  user: turn === 0 ? '' : `question ${turn}`,
  before: [text],
  after: changed ? [`${text} (changed)`] : [text],
  changed,
});

describe('replay comparison', () => {
  it('leads with "N of M turns changed" and shows both texts of changed turns only', () => {
    const [message] = replayComparison({
      state: 'finished',
      total: 2,
      done: 2,
      rows: [row(0, false), row(1, true, 'It is 10 pounds'), row(2, false)],
      before: { clientEnv: 'sandbox' },
      after: { clientEnv: 'live', variantId: 'v2' },
    });
    const text = JSON.stringify(message?.blocks);
    // M counts the user turns replayed; the greeting is compared apart.
    expect(message?.text).toBe('Replay comparison: 1 of 2 turns changed');
    expect(text).toContain('The greeting is the same.');
    expect(text).toContain('*Greeting: same*');
    expect(text).toContain('*Turn 1: changed*');
    expect(text).toContain('> It is 10 pounds');
    expect(text).toContain('> It is 10 pounds (changed)');
    expect(text).toContain('*Turn 2: same*');
    expect(text.match(/same reply/g)).toBeNull();
    expect(text).toContain('`live` · variant `v2` · default language');
  });

  it('splits a long comparison into messages Slack accepts, with escaped, cut texts', () => {
    const rows = Array.from({ length: 130 }, (_, i) => row(i, i % 2 === 1, `<!channel> ${'&'.repeat(4000)}`));
    const messages = replayComparison({
      state: 'stopped',
      stoppedBy: 'U2',
      total: 200,
      done: 129,
      rows,
      before: { clientEnv: 'sandbox' },
      after: { clientEnv: 'live' },
    });
    expect(messages.length).toBe(3);
    for (const message of messages) expect(blockProblems(message.blocks, 50)).toEqual([]);
    const all = JSON.stringify(messages);
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('71 user turns not replayed: stopped by <@U2>');
    expect(messages.flatMap((m) => m.blocks ?? [])).toHaveLength(131);
  });

  it('says when the greeting changed, without counting it as a turn', () => {
    const [message] = replayComparison({
      state: 'finished',
      total: 1,
      done: 1,
      rows: [row(0, true), row(1, false)],
      before: { clientEnv: 'sandbox' },
      after: { clientEnv: 'live' },
    });
    expect(message?.text).toBe('Replay comparison: 0 of 1 turn changed');
    expect(JSON.stringify(message?.blocks)).toContain('The greeting changed too');
  });

  it('counts a turn that got no answer on the replay as changed', () => {
    expect(changedSummary([{ turn: 1, user: 'x', before: ['a'], after: undefined, changed: true }])).toBe(
      '1 of 1 turn changed',
    );
  });

  it('offers Stop only while the replay runs', () => {
    const base = { id: 'r1', target: { clientEnv: 'live' as const }, total: 4, done: 1 };
    expect(JSON.stringify(replayProgress({ ...base, state: 'running' }).blocks)).toContain('replay_stop');
    expect(
      JSON.stringify(replayProgress({ ...base, state: 'stopped', stoppedBy: 'U1', rows: [] }).blocks),
    ).not.toContain('replay_stop');
  });
});

describe('readReplayForm', () => {
  const values = (env: string | null, variant: string | null, lang: string | null) => ({
    replay_env: { env: { selected_option: env === null ? null : { value: env } } },
    replay_variant: { variant: { value: variant } },
    replay_lang: { lang: { value: lang } },
  });

  it('reads the environment, variant and language', () => {
    expect(readReplayForm(values('live', ' v2 ', 'en-GB'))).toEqual({
      ok: true,
      target: { clientEnv: 'live', variantId: 'v2', lang: 'en-GB' },
    });
    expect(readReplayForm(values('sandbox', null, ''))).toEqual({ ok: true, target: { clientEnv: 'sandbox' } });
  });

  it('names each bad field, as the command would', () => {
    const result = readReplayForm(values(null, 'no spaces allowed', 'English'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['replay_env', 'replay_lang', 'replay_variant']);
    expect(result.errors.replay_lang).toContain('language code');
  });
});
