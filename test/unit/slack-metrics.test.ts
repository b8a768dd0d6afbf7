import { describe, expect, it } from 'vitest';
import { countSlackCall, slackMethodOf } from '../../src/outbound/slack/slack-metrics.js';
import { Metrics } from '../../src/platform/metrics.js';

async function resultOf(response: Response): Promise<Record<string, number>> {
  const metrics = new Metrics();
  await countSlackCall(metrics, 'chat.postMessage', response);
  const { values } = await metrics.slackCalls.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.result), v.value]));
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('Slack call labels', () => {
  it('name the Web API method, and nothing else of the URL', () => {
    expect(slackMethodOf('https://slack.com/api/chat.postMessage')).toBe('chat.postMessage');
    expect(slackMethodOf('http://127.0.0.1:1234/api/files.getUploadURLExternal')).toBe('files.getUploadURLExternal');
    expect(slackMethodOf('https://hooks.slack.com/commands/T1/123/abcSECRET')).toBe('other');
    expect(slackMethodOf('https://files.slack.com/upload/v1/ABC')).toBe('other');
  });

  it.each([
    [json({ ok: true }), 'ok'],
    [json({ ok: false, error: 'not_in_channel' }), 'not_in_channel'],
    [json({ ok: false, error: 'some_code_nobody_knows' }), 'other_error'],
    [json({ ok: false, error: 'ratelimited' }, 429), 'rate_limited'],
    [new Response('upstream broke', { status: 502 }), 'http_502'],
    [new Response('ok'), 'ok'],
  ])('bound the result of each call (%#)', async (response, result) => {
    expect(await resultOf(response)).toEqual({ [result]: 1 });
  });

  it("leave a platform Response's body for the Web API client to read", async () => {
    const response = json({ ok: false, error: 'not_in_channel' });
    await resultOf(response);
    expect(await response.json()).toEqual({ ok: false, error: 'not_in_channel' });
  });
});
