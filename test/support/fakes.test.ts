import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, runApp, startApp, testEnv } from './app-process.js';
import { type FakePolyAI, makeConversation, startFakePolyAI } from './fake-polyai.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { closeServer, listen, readBody } from './http-util.js';
import { inputValue, SlackDriver, sign } from './slack-requests.js';
import { compareSlackTs } from './slack-ts.js';
import { waitUntil } from './wait.js';

describe('sign', () => {
  it('matches the example in Slack’s request-verification docs', () => {
    // Verbatim from docs.slack.dev/authentication/verifying-requests-from-slack (token ends "EFasx0q6G").
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(sign('8f742231b10e8888abcd99yyyzzz85a5', '1531420618', body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

describe('fake PolyAI', () => {
  let poly: FakePolyAI;
  const headers = { 'X-API-KEY': 'test-polyai-key', 'Content-Type': 'application/json' };
  const post = (path: string, body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${poly.url}${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });

  beforeAll(async () => {
    poly = await startFakePolyAI();
  });
  afterAll(() => poly.close());

  it('creates a debug chat, answers turns, and records them', async () => {
    const created = await post('/v1/agents/agent-1/debug-chat', { clientEnv: 'sandbox', asrLangCode: 'en-GB' });
    expect(created.status).toBe(201);
    const greeting = (await created.json()) as { conversationId: string; response: string; userInput: string };
    expect(greeting.response).toBe('Hello! How can I help?');
    expect(greeting.conversationId).toMatch(/^AS_CHAT_[0-9a-f-]{36}$/);
    expect(greeting.userInput).toBe('');
    const cid = greeting.conversationId;
    expect(poly.session(cid)?.asrLangCode).toBe('en-GB');

    const turn = await post(
      `/v1/agents/agent-1/debug-chat/${cid}`,
      { clientEnv: 'sandbox', message: 'hi' },
      {
        'X-PolyAI-Correlation-Id': 'corr-abc',
      },
    );
    expect(turn.headers.get('x-polyai-correlation-id')).toBe('corr-abc');
    expect(await turn.json()).toMatchObject({
      response: 'You said: hi',
      conversationEnded: false,
      delayedResponse: false,
    });
    expect(poly.turns(cid)).toHaveLength(1);
    expect(poly.turns(cid)[0]?.body).toMatchObject({ message: 'hi' });
  });

  it('speaks the error envelope', async () => {
    const noKey = await fetch(`${poly.url}/v1/agents/agent-1/conversations`, {
      headers: { 'X-PolyAI-Correlation-Id': 'corr-1' },
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({
      success: false,
      error: expect.any(String),
      error_id: 'corr-1',
      error_code: 'AUTH_USER_INVALID_TOKEN',
      error_message: expect.any(String),
      data: null,
    });
    const badEnv = await post('/v1/agents/agent-1/debug-chat', { clientEnv: 'prod' });
    expect(badEnv.status).toBe(400);
    expect(((await badEnv.json()) as { error_code: string }).error_code).toBe('CONVERSATIONS_VALIDATION_FAILED');
    const noAgent = await post('/v1/agents/nope/debug-chat', { clientEnv: 'sandbox' });
    expect(noAgent.status).toBe(404);
    expect(((await noAgent.json()) as { error_code: string }).error_code).toBe('AGENT_NOT_FOUND');
    poly.rateLimitNext(1, 2);
    const limited = await post('/v1/agents/agent-1/debug-chat', { clientEnv: 'sandbox' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
  });

  it('serves delayed responses and ends conversations', async () => {
    const { conversationId: cid } = (await (
      await post('/v1/agents/agent-2/debug-chat', { clientEnv: 'live', conversationId: 'my-conv' })
    ).json()) as { conversationId: string };
    expect(cid).toBe('my-conv');
    poly.delayNext(cid, ['part 2', 'part 3']);
    poly.endAfter(cid, 2);
    const ask = (message: string) =>
      post(`/v1/agents/agent-2/debug-chat/${cid}`, { clientEnv: 'live', message }).then(
        async (r) => (await r.json()) as { response: string; delayedResponse: boolean; conversationEnded: boolean },
      );
    expect(await ask('book it')).toMatchObject({ delayedResponse: true });
    expect(await ask('')).toMatchObject({ response: 'part 2', delayedResponse: true });
    expect(await ask('')).toMatchObject({ response: 'part 3', delayedResponse: false });
    expect(await ask('bye')).toMatchObject({ conversationEnded: true });
    const after = await post(`/v1/agents/agent-2/debug-chat/${cid}`, { clientEnv: 'live', message: 'hello?' });
    expect(after.status).toBe(410);
    expect(((await after.json()) as { error_code: string }).error_code).toBe('CHAT_CONVERSATION_ENDED');
  });

  it('stores notes and validates annotations', async () => {
    const call = poly.addConversation('agent-1', makeConversation({ conversationId: 'CA1' }));
    const list = (await (await fetch(`${poly.url}/v1/agents/agent-1/conversations?limit=1`, { headers })).json()) as {
      conversations: Array<Record<string, unknown>>;
      count: number;
    };
    expect(list.count).toBe(1);
    expect(list.conversations[0]).not.toHaveProperty('turns');
    expect((await post('/v1/agents/agent-1/conversations/CA1/note', { note: 'check this' })).status).toBe(201);
    const detail = (await (await fetch(`${poly.url}/v1/agents/agent-1/conversations/CA1`, { headers })).json()) as {
      note: string;
      turns: unknown[];
    };
    expect(detail.note).toBe('check this');
    expect(detail.turns).toHaveLength(call.turns.length);
    const ok = await post('/v1/agents/agent-1/conversations/CA1/annotation', {
      annotations: [{ turnId: 1, role: 'agent', annotationType: 'wrong_info' }],
    });
    expect(ok.status).toBe(201);
    const bad = await post('/v1/agents/agent-1/conversations/CA1/annotation', {
      annotations: [{ turnId: '1', role: 'agent', annotationType: 'wrong_info' }],
    });
    expect(bad.status).toBe(400);
    expect(poly.annotationsFor('CA1')).toEqual([{ turnId: 1, role: 'agent', annotationType: 'wrong_info' }]);
  });

  it('streams a WAV whose hash matches expectedAudioSha256, per variant', async () => {
    poly.addConversation('agent-1', makeConversation({ conversationId: 'CA2' }));
    poly.setRecording('CA2', { bytes: 300_001 });
    const res = await fetch(`${poly.url}/v1/agents/agent-1/conversations/CA2/audio?direction=user&redacted=true`, {
      headers,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('content-length')).toBe(String(poly.audioLength('CA2')));
    const buf = Buffer.from(await res.arrayBuffer());
    expect(buf.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(buf.subarray(8, 12).toString('ascii')).toBe('WAVE');
    expect(buf.readUInt32LE(40)).toBe(300_001);
    const sha = createHash('sha256').update(buf).digest('hex');
    expect(sha).toBe(await poly.expectedAudioSha256('CA2', 'user', true));
    expect(sha).not.toBe(await poly.expectedAudioSha256('CA2', 'user', false));

    poly.setRecording('CA2', { bytes: 100_000, chunked: true });
    const chunked = await fetch(`${poly.url}/v1/agents/agent-1/conversations/CA2/audio`, { headers });
    expect(chunked.headers.get('content-length')).toBeNull();
    expect(
      createHash('sha256')
        .update(Buffer.from(await chunked.arrayBuffer()))
        .digest('hex'),
    ).toBe(await poly.expectedAudioSha256('CA2'));
    const none = await fetch(`${poly.url}/v1/agents/agent-1/conversations/CA1/audio`, { headers });
    expect(((await none.json()) as { error_code: string }).error_code).toBe('CONVERSATIONS_RECORDING_NOT_FOUND');
  });

  it('can hang a request until the client gives up', async () => {
    poly.hangNext(1, 'listConversations');
    await expect(
      fetch(`${poly.url}/v1/agents/agent-1/conversations`, { headers, signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
  });
});

describe('fake Slack', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(() => slack.close());

  it('answers chat.postMessage (form-encoded) and rejects a wrong token', async () => {
    const call = (token: string, fields: Record<string, string>) =>
      fetch(`${slack.url}chat.postMessage`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }).then(async (r) => (await r.json()) as Record<string, unknown>);
    const a = await call('xoxb-test-token', { channel: 'C1', text: 'one' });
    const b = await call('xoxb-test-token', { channel: 'C1', text: 'two', thread_ts: String(a.ts) });
    expect(a).toMatchObject({ ok: true, channel: 'C1', message: { text: 'one', user: 'UBOT', bot_id: 'BBOT' } });
    expect(compareSlackTs(String(a.ts), String(b.ts))).toBeLessThan(0);
    expect(await call('xoxb-wrong', { channel: 'C1', text: 'x' })).toEqual({ ok: false, error: 'invalid_auth' });
    expect(slack.messagesIn('C1', String(a.ts))).toHaveLength(2);
  });

  it('works with @slack/web-api WebClient: blocks, faults, streamed uploads', async () => {
    const client = new WebClient('xoxb-test-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }];
    const res = await client.chat.postMessage({ channel: 'C2', text: 'hi', blocks });
    expect(res.ok).toBe(true);
    const call = await slack.waitFor('chat.postMessage', (c) => c.args.channel === 'C2');
    expect(call.args.blocks).toEqual(blocks);

    slack.failNext('chat.postMessage', 'not_in_channel', 1, 'C3');
    await expect(client.chat.postMessage({ channel: 'C3', text: 'x' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });

    // files.uploadV2: getUploadURLExternal → multipart POST to upload_url → completeUploadExternal
    const data = Buffer.alloc(200_000, 7);
    const up = await client.filesUploadV2({
      channel_id: 'C2',
      thread_ts: String(res.ts),
      file: data,
      filename: 'a.wav',
    });
    expect(up.ok).toBe(true);
    const upload = await slack.waitForUpload();
    expect(upload).toMatchObject({ bytes: data.length, length: data.length, multipart: true });
    expect(upload.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    const done = await slack.waitFor('files.completeUploadExternal');
    expect(done.args.files).toEqual([{ id: upload.fileId, title: 'a.wav' }]);
  });

  it("refuses messages and views that break Block Kit's limits, as Slack does", async () => {
    const client = new WebClient('xoxb-test-token', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const section = (text: string) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } });
    await expect(
      client.chat.postMessage({ channel: 'C2', text: 'x', blocks: Array.from({ length: 51 }, () => section('a')) }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    await expect(
      client.chat.postMessage({ channel: 'C2', text: 'x', blocks: [section('a'.repeat(3001))] }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
    const modal = (blocks: ReturnType<typeof section>[]) => ({
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Details' },
      blocks,
    });
    await expect(
      client.views.open({ trigger_id: '1.2.3', view: modal(Array.from({ length: 101 }, () => section('a'))) }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    expect((await client.views.open({ trigger_id: '1.2.3', view: modal([section('a'.repeat(3000))]) })).ok).toBe(true);
  });

  it('takes a raw streamed upload and records response_url posts', async () => {
    const { upload_url, file_id } = (await (
      await fetch(`${slack.url}files.getUploadURLExternal`, {
        method: 'POST',
        headers: { Authorization: 'Bearer xoxb-test-token', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'filename=raw.bin&length=5',
      })
    ).json()) as { upload_url: string; file_id: string };
    expect((await fetch(upload_url, { method: 'POST', body: 'hello' })).status).toBe(200);
    expect((await slack.waitForUpload(file_id)).sha256).toBe(createHash('sha256').update('hello').digest('hex'));

    const responseUrl = slack.createResponseUrl();
    await fetch(responseUrl, { method: 'POST', body: JSON.stringify({ text: 'later', response_type: 'ephemeral' }) });
    expect((await slack.waitForResponse()).body).toEqual({ text: 'later', response_type: 'ephemeral' });
  });

  it('rate limits with Retry-After', async () => {
    slack.rateLimitNext('reactions.add', 3);
    const r = await fetch(`${slack.url}reactions.add`, {
      method: 'POST',
      headers: { Authorization: 'Bearer xoxb-test-token' },
      body: new URLSearchParams({ channel: 'C1', timestamp: '1.000001', name: 'eyes' }),
    });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
  });
});

describe('SlackDriver', () => {
  let server: Server;
  let url = '';
  const seen: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      seen.push({ headers: req.headers, body: (await readBody(req)).toString('utf8') });
      res.end('');
    });
    url = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => closeServer(server));

  it('signs commands and events the way the app must verify them', async () => {
    const driver = new SlackDriver(url, 'shh');
    await driver.command('agent=agent-1 hello there', { channel_id: 'C9' });
    const ev = await driver.event(
      { type: 'app_mention', text: '<@UBOT> hi' },
      { retryNum: 1, retryReason: 'http_timeout' },
    );
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      const ts = String(s.headers['x-slack-request-timestamp']);
      expect(s.headers['x-slack-signature']).toBe(sign('shh', ts, s.body));
    }
    expect(new URLSearchParams(seen[0]?.body).get('text')).toBe('agent=agent-1 hello there');
    expect(seen[1]?.headers['x-slack-retry-num']).toBe('1');
    expect(JSON.parse(seen[1]?.body ?? '{}')).toMatchObject({ type: 'event_callback', event_id: ev.event_id });
  });
});

describe('SlackDriver against a real Bolt app wired to the fake Slack', () => {
  let slack: FakeSlack;
  let app: App;
  let driver: SlackDriver;
  const got: Record<string, unknown[]> = {};
  const push = (k: string, v: unknown) => {
    got[k] = [...(got[k] ?? []), v];
  };

  beforeAll(async () => {
    slack = await startFakeSlack();
    const port = await getFreePort();
    app = new App({
      token: 'xoxb-test-token',
      signingSecret: 'test-signing-secret',
      clientOptions: { slackApiUrl: slack.url },
      logLevel: LogLevel.ERROR,
    });
    app.command('/polychat', async ({ ack, command, respond }) => {
      await ack();
      push('command', command);
      await respond({ text: `got ${command.text}`, response_type: 'ephemeral' });
    });
    app.event('app_mention', async ({ event }) => push('app_mention', event));
    app.message(async ({ message }) => push('message', message));
    app.action('open_call', async ({ ack, body }) => {
      await ack();
      push('action', body);
    });
    app.shortcut('annotate_call', async ({ ack, shortcut, client }) => {
      await ack();
      push('shortcut', shortcut);
      await client.views.open({
        trigger_id: shortcut.trigger_id,
        view: { type: 'modal', callback_id: 'annotate', title: { type: 'plain_text', text: 'Annotate' }, blocks: [] },
      });
    });
    app.view('annotate', async ({ ack, view }) => {
      await ack();
      push('view', view);
    });
    await app.start(port);
    driver = new SlackDriver(`http://127.0.0.1:${port}`, 'test-signing-secret', { slack });
  });
  afterAll(async () => {
    await app.stop();
    await slack.close();
  });

  it('delivers commands, events, actions, shortcuts and view submissions that Bolt verifies and routes', async () => {
    const cmd = await driver.command('call CA123', { channel_id: 'C7', user_id: 'U7' });
    expect(cmd.response.status).toBe(200);
    const reply = await slack.waitForResponse((r) => r.id === cmd.response_url.split('/').pop());
    expect(reply.body).toMatchObject({ text: 'got call CA123' });

    const root = await driver.message({ channel: 'C7', text: 'root' });
    const mention = await driver.mention({ channel: 'C7', text: 'end', thread_ts: root.ts });
    expect(mention.mention.response.status).toBe(200);
    await waitUntil(() => (got.message?.length ?? 0) >= 2 && got.app_mention?.length === 1);
    expect(slack.messagesIn('C7', root.ts)).toHaveLength(2);

    expect((await driver.action({ actions: [{ action_id: 'open_call', value: 'CA123' }] })).status).toBe(200);
    const shortcut = await driver.shortcut({ callback_id: 'annotate_call', message: { ts: root.ts, text: 'root' } });
    expect(shortcut.status).toBe(200);
    await slack.waitFor('views.open');
    const view = await driver.submitView({
      callback_id: 'annotate',
      private_metadata: '{"conversationId":"CA123"}',
      values: { type: { pick: inputValue.staticSelect('wrong_info') } },
    });
    expect(view.status).toBe(200);
    await waitUntil(() => got.action?.length === 1 && got.shortcut?.length === 1 && got.view?.length === 1);

    const bad = await driver.command('x', { signature: 'v0=deadbeef' });
    expect(bad.response.status).toBe(401);
    const stale = await driver.command('x', { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.response.status).toBe(401);
    expect(got.command).toHaveLength(1);
  });
});

describe('app-process harness (with a stub in place of dist/src/main.js)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'polychat-stub-'));
    writeFileSync(
      join(dir, 'ok.mjs'),
      `import { createServer } from 'node:http';
const s = createServer((q, r) => { r.statusCode = q.url === '/healthz' ? 200 : 404; r.end(); });
s.listen(Number(process.env.PORT), '127.0.0.1', () =>
  console.log(JSON.stringify({ level: 'info', msg: 'listening', port: Number(process.env.PORT), home: process.env.HOME !== undefined, leaked: process.env.SECRET_FROM_PARENT ?? null })));
process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 'info', msg: 'bye' })); s.close(() => process.exit(0)); });`,
    );
    writeFileSync(join(dir, 'bad.mjs'), `console.error('POLYAI_API_KEY is required'); process.exit(2);`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts, waits for /healthz, captures JSON logs, stops on SIGTERM with a clean env', async () => {
    process.env.SECRET_FROM_PARENT = 'x';
    const env = testEnv({ polyai: { url: 'http://127.0.0.1:1' }, slack: { url: 'http://127.0.0.1:2/api/' } });
    const app = await startApp({ env, script: join(dir, 'ok.mjs') });
    delete process.env.SECRET_FROM_PARENT;
    const line = await app.waitForLog((l) => l.msg === 'listening');
    expect(line).toMatchObject({ port: app.port, home: true, leaked: null });
    expect(await app.health()).toBe(200);
    expect(await app.stop()).toEqual({ code: 0, signal: null });
    expect(app.logs.map((l) => l.msg)).toContain('bye');
  });

  it('refuses an env that would reach the network', async () => {
    await expect(startApp({ env: testEnv({}), script: join(dir, 'ok.mjs') })).rejects.toThrow(/SLACK_API_URL/);
  });

  it('runApp returns the exit code and output of a config error', async () => {
    const r = await runApp({}, { script: join(dir, 'bad.mjs') });
    expect(r).toMatchObject({ code: 2, timedOut: false });
    expect(r.stderr).toContain('POLYAI_API_KEY');
  });
});
