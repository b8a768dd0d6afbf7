import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApp, startApp, testEnv } from '../support/app-process.js';
import { TEST_APP_TOKEN } from '../support/constants.js';
import { type FakePolyAI, startFakePolyAI } from '../support/fake-polyai.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { FakeSocketMode } from '../support/fake-socket-mode.js';
import { slashCommand } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';
import { freshChannel, textOf } from './chat-helpers.js';

let polyai: FakePolyAI;
let slack: FakeSlack;

beforeAll(async () => {
  [polyai, slack] = await Promise.all([startFakePolyAI(), startFakeSlack()]);
});

afterAll(async () => {
  await Promise.all([polyai?.close(), slack?.close()]);
});

describe('configuration at start-up', () => {
  it.each([
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: undefined }, /^polychat: SLACK_BOT_TOKEN is required/],
    ['POLYAI_API_KEY', { POLYAI_API_KEY: undefined }, /^polychat: POLYAI_API_KEY is required/],
    ['SLACK_SIGNING_SECRET', { SLACK_SIGNING_SECRET: undefined }, /^polychat: SLACK_SIGNING_SECRET is required/],
    ['POLYAI_CLIENT_ENV', { POLYAI_CLIENT_ENV: 'prod' }, /^polychat: POLYAI_CLIENT_ENV must be one of/],
    ['PORT', { PORT: 'http' }, /^polychat: PORT must be a whole number/],
    ['STORE_URL', { STORE_URL: 'mysql://db' }, /^polychat: STORE_URL must be/],
  ])('stops with one clear line naming %s, and no stack trace', async (_name, overrides, message) => {
    const result = await runApp(testEnv({ polyai, slack }, overrides));
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops with one line when Slack refuses the bot token', async () => {
    const result = await runApp(testEnv({ polyai, slack }, { SLACK_BOT_TOKEN: 'xoxb-revoked' }));
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('polychat: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)');
    expect(result.stdout).not.toContain('xoxb-revoked');
  });

  it('stops with one line when the Slack API cannot be reached', async () => {
    const result = await runApp(testEnv({ polyai, slack }, { SLACK_API_URL: 'http://127.0.0.1:9/api/' }), {
      timeoutMs: 20_000,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^polychat: SLACK_API_URL could not be reached: .*ECONNREFUSED/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('loads .env from the working directory, with the real environment winning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'polychat-env-'));
    writeFileSync(join(dir, '.env'), `POLYAI_API_KEY=test-polyai-key\nPOLYAI_AGENT_ID=agent-2\nLOG_LEVEL=verbose\n`);
    const broken = await runApp(testEnv({ polyai, slack }, { POLYAI_API_KEY: undefined, LOG_LEVEL: undefined }), {
      cwd: dir,
    });
    // LOG_LEVEL came from .env, so .env was read.
    expect(broken.stderr).toMatch(/^polychat: LOG_LEVEL must be one of/);
    const app = await startApp({
      env: testEnv({ polyai, slack }, { POLYAI_API_KEY: undefined, POLYAI_AGENT_ID: undefined, LOG_LEVEL: 'info' }),
      cwd: dir,
    });
    try {
      const res = await fetch(`${app.url}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await app.stop();
    }
  });
});

describe('POLYCHAT_ALLOWED_CHANNELS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ POLYCHAT_ALLOWED_CHANNELS: 'CALLOWED' });
  });
  afterAll(async () => stack?.stop());

  it('answers elsewhere with an ephemeral note and sends nothing upstream', async () => {
    const { response_url } = await stack.driver.command('hello', { channel_id: freshChannel() });
    const reply = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect(JSON.stringify(reply.body)).toContain("isn't enabled in this channel");
    expect((reply.body as { response_type?: string }).response_type).toBe('ephemeral');
    expect(stack.polyai.requests).toHaveLength(0);
  });

  it('works in a listed channel', async () => {
    await stack.driver.command('hello', { channel_id: 'CALLOWED' });
    await stack.polyai.waitForRequests((r) => r.op === 'createDebugChat');
  });
});

describe('Socket Mode', () => {
  it('connects through SLACK_API_URL with the app token, takes commands over the socket and serves /healthz', async () => {
    const socket = await FakeSocketMode.start(slack);
    const env = testEnv({ polyai, slack }, { SLACK_APP_TOKEN: TEST_APP_TOKEN, SLACK_SIGNING_SECRET: undefined });
    const app = await startApp({ env, allowNonLocal: true });
    try {
      await waitUntil(() => socket.connected, 5000);
      const open = slack.callsTo('apps.connections.open').at(-1);
      expect(open?.headers.authorization).toBe(`Bearer ${TEST_APP_TOKEN}`);
      const channel = freshChannel();
      const command = slashCommand({ text: 'over the socket', channel_id: channel });
      const sent = performance.now();
      const ack = await socket.deliver('slash_commands', command.payload);
      expect(ack.at - sent).toBeLessThan(3000);
      const root = await slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
      expect(textOf(root)).toContain('agent-1');
      await polyai.waitForRequests(
        (r) => r.op === 'respondDebugChat' && (r.body as { message?: string }).message === 'over the socket',
      );
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    } finally {
      await app.stop();
      await socket.close();
    }
  });
});
