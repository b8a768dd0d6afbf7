import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackFetch } from '../../src/outbound/slack/slack-fetch.js';
import { Metrics } from '../../src/platform/metrics.js';
import { redactor } from '../../src/platform/secrets.js';

describe('redactor', () => {
  it('replaces a secret as written, inside JSON strings and as Slack escapes it', () => {
    const redact = redactor(['s3cr&t"key', 'xoxb-abc-123']);
    expect(redact('a s3cr&t"key b xoxb-abc-123')).toBe('a [redacted] b [redacted]');
    expect(redact(JSON.stringify({ text: 'k=s3cr&t"key' }))).toBe('{"text":"k=[redacted]"}');
    expect(redact('k=s3cr&amp;t"key')).toBe('k=[redacted]');
    expect(redact('nothing here')).toBe('nothing here');
  });

  it('ignores values too short to be secrets', () => {
    expect(redactor(['abc'])('abc abc')).toBe('abc abc');
  });
});

describe('slackFetch', () => {
  const seen: Array<{ path: string; body: string }> = [];
  let answers: Array<(res: ServerResponse) => void> = [];
  let base = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.shift() ?? ((r: ServerResponse) => r.end('{"ok":true}'));
      answer(res);
    });
  });
  const json =
    (status: number, body: unknown, headers: Record<string, string> = {}) =>
    (res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
  const fetch = slackFetch(pino({ level: 'silent' }), new Metrics(), ['xoxb-secret-token'], {
    minBackoffMs: 10,
    maxBackoffMs: 20,
  });
  const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const call = (method: string, body: string) =>
    fetch(`${base}/api/${method}`, { method: 'POST', headers: form, body });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('redacts form values, JSON blocks included, and response_url bodies', async () => {
    seen.length = 0;
    const blocks = JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: 'tok xoxb-secret-token' } }]);
    await call('chat.postMessage', new URLSearchParams({ text: 'xoxb-secret-token!', blocks }).toString());
    await fetch(`${base}/respond/1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'xoxb-secret-token' }),
    });
    const sent = new URLSearchParams(seen[0]?.body);
    expect(sent.get('text')).toBe('[redacted]!');
    expect(JSON.parse(sent.get('blocks') ?? '')[0].text.text).toBe('tok [redacted]');
    expect(seen[1]?.body).toBe('{"text":"[redacted]"}');
  });

  it('waits out 429s and refusals as long as it takes, but sends a post once more at most after an unknown outcome', async () => {
    seen.length = 0;
    answers = [
      json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '0' }),
      json(200, { ok: false, error: 'service_unavailable' }),
      json(503, {}),
      json(200, { ok: false, error: 'internal_error' }),
      json(200, { ok: false, error: 'internal_error' }),
    ];
    const response = await call('chat.postMessage', 'text=hi');
    expect(await response.json()).toEqual({ ok: false, error: 'internal_error' });
    expect(seen).toHaveLength(5);

    // A call that is safe to repeat goes on after several unknown outcomes.
    seen.length = 0;
    answers = [json(500, {}), json(200, { ok: false, error: 'fatal_error' }), json(502, {})];
    expect(await (await call('chat.update', 'ts=1')).json()).toEqual({ ok: true });
    expect(seen).toHaveLength(4);

    // A clear error (not transient) is not retried at all.
    seen.length = 0;
    answers = [json(200, { ok: false, error: 'channel_not_found' })];
    expect(await (await call('chat.postMessage', 'text=x')).json()).toEqual({ ok: false, error: 'channel_not_found' });
    expect(seen).toHaveLength(1);
  });
});
