import { describe, expect, it } from 'vitest';
import { escapeText, SECTION_TEXT_LIMIT, slackToPlain, splitText } from '../../src/presentation/text.js';

describe('escapeText', () => {
  it('neutralises every Slack control sequence so agent text pings nobody', () => {
    const escaped = escapeText(
      'Hi <!channel> and <!here|here>, <@U123> <#C1|general> <!subteam^S1> <https://x.io|click> & more',
    );
    expect(escaped).not.toMatch(/[<>]/);
    expect(escaped).toBe(
      'Hi &lt;!channel&gt; and &lt;!here|here&gt;, &lt;@U123&gt; &lt;#C1|general&gt; &lt;!subteam^S1&gt; &lt;https://x.io|click&gt; &amp; more',
    );
  });

  it('leaves ordinary text and mrkdwn formatting as written', () => {
    expect(escapeText('*bold* _it_ `code` @channel')).toBe('*bold* _it_ `code` @channel');
  });
});

describe('slackToPlain', () => {
  it('turns what a person typed in Slack into plain text for the agent', () => {
    expect(slackToPlain('hi <@U1> see <https://a.io|docs> &amp; <https://b.io> &lt;3 <!here>')).toBe(
      'hi @U1 see docs (https://a.io) & https://b.io <3 @here',
    );
  });
});

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('hello')).toEqual(['hello']);
  });

  it('splits long text under the limit at line or word boundaries, losing no words', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `word${i}`);
    const text = words.join(' ');
    const chunks = splitText(text);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(SECTION_TEXT_LIMIT);
    expect(chunks.join(' ').split(' ')).toEqual(words);
  });

  it('prefers paragraph breaks', () => {
    const a = 'a'.repeat(2000);
    const b = 'b'.repeat(2000);
    expect(splitText(`${a}\n\n${b}`)).toEqual([a, b]);
  });

  it('cuts text without spaces hard, but never inside an escape such as &amp;', () => {
    const text = `${'x'.repeat(SECTION_TEXT_LIMIT - 3)}&amp;${'y'.repeat(10)}`;
    const chunks = splitText(text);
    expect(chunks[0]).toBe('x'.repeat(SECTION_TEXT_LIMIT - 3));
    expect(chunks[1]).toBe(`&amp;${'y'.repeat(10)}`);
  });
});
