import { parse } from 'node:querystring';
import { ErrorCode, type FetchFunction } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { postMessageCall } from '../../src/outbound/slack/post-message.js';
import { slackErrorCode } from '../../src/outbound/slack/slack-errors.js';

type Sent = { url: string; headers: Record<string, string>; body: string };

/** A transport that answers `status` and `answer`, and keeps what it was sent. */
function transport(status: number, answer: unknown, headers: Record<string, string> = {}) {
  const sent: Sent[] = [];
  const fetch: FetchFunction = async (url, init) => {
    sent.push({ url: String(url), headers: init?.headers as Record<string, string>, body: String(init?.body) });
    const text = JSON.stringify(answer);
    return {
      ok: status === 200,
      status,
      statusText: '',
      url: String(url),
      headers: {
        get: (name: string) => headers[name.toLowerCase()] ?? null,
        entries: () => Object.entries(headers),
      },
      arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
      json: async () => JSON.parse(text) as unknown,
      text: async () => text,
    };
  };
  return { fetch, sent };
}

describe('chat.postMessage without WebClient', () => {
  it('sends what WebClient sends: the token as a header, blocks as JSON in a form', async () => {
    const { fetch, sent } = transport(200, { ok: true, ts: '1.000100', channel: 'C1' });
    const post = postMessageCall(fetch, 'http://127.0.0.1:9/api/', 'xoxb-test');
    const result = await post({
      channel: 'C1',
      thread_ts: '1.0001',
      text: 'a & b',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'a & b' } }],
      unfurl_links: false,
    });
    expect(result.ts).toBe('1.000100');
    expect(sent[0]?.url).toBe('http://127.0.0.1:9/api/chat.postMessage');
    expect(sent[0]?.headers.Authorization).toBe('Bearer xoxb-test');
    const form = parse(sent[0]?.body ?? '');
    expect(form).toMatchObject({ channel: 'C1', thread_ts: '1.0001', text: 'a & b', unfurl_links: 'false' });
    expect(JSON.parse(String(form.blocks))).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'a & b' } }]);
  });

  it("raises WebClient's errors: Slack's refusal with its code, an HTTP failure with its status", async () => {
    const refused = postMessageCall(transport(200, { ok: false, error: 'not_in_channel' }).fetch, 'http://x/', 't');
    const error = await refused({ channel: 'C1', text: 'hi' }).catch((e: unknown) => e);
    expect(slackErrorCode(error)).toBe('not_in_channel');
    expect(error).toMatchObject({ code: ErrorCode.PlatformError });

    const failing = postMessageCall(transport(502, 'bad gateway').fetch, 'http://x/', 't');
    await expect(failing({ channel: 'C1', text: 'hi' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 502,
    });
    const limited = postMessageCall(transport(429, {}, { 'retry-after': '7' }).fetch, 'http://x/', 't');
    await expect(limited({ channel: 'C1', text: 'hi' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
  });
});
