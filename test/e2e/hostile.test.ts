import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BOT_TOKEN, TEST_POLYAI_KEY, TEST_SIGNING_SECRET } from '../support/constants.js';
import { makeConversation } from '../support/fake-polyai.js';
import { FORM, JSON_TYPE, postToApp, slashCommand } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { formValues } from './call-helpers.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';

const V3_KEY = 'v3-secret-key-of-agent-1';

/** What a production Slack and a careless upstream throw at the app (spec §3, §4, §6). */
describe('a hostile environment', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      POLYAI_ACCOUNT_ID: 'ws-test',
      POLYAI_CONVERSATIONS_API_KEYS: `agent-1=${V3_KEY}`,
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const everythingSent = () =>
    JSON.stringify([stack.slack.calls.map((c) => c.args), stack.slack.responses.map((r) => r.body)]);

  it('never posts a configured secret: an error envelope quoting the API key and the bot token, agent text with a v3 key', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.polyai.failNext(1, {
      status: 400,
      error_code: 'INVALID_REQUEST',
      message: `key ${TEST_POLYAI_KEY} is not valid with token ${TEST_BOT_TOKEN} (signed ${TEST_SIGNING_SECRET})`,
      op: 'respondDebugChat',
    });
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'leak-it' });
    const warning = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('INVALID_REQUEST'),
    );
    expect(textOf(warning)).toContain('key [redacted] is not valid with token [redacted] (signed [redacted])');

    stack.polyai.setResponder((ctx) =>
      ctx.message === 'v3' ? { response: `My key is ${V3_KEY} & <${TEST_POLYAI_KEY}>` } : undefined,
    );
    try {
      await stack.driver.message({ channel, thread_ts: rootTs, text: 'v3' });
      const answer = await stack.slack.waitFor(
        'chat.postMessage',
        (c) => c.args.thread_ts === rootTs && textOf(c).includes('My key is'),
      );
      expect(String(answer.args.text)).toContain('My key is [redacted] &amp; &lt;[redacted]&gt;');
    } finally {
      stack.polyai.setResponder(undefined);
    }

    // A command's ephemeral answer goes through response_url: the same.
    stack.polyai.failNext(1, {
      status: 404,
      error_code: 'NOT_FOUND',
      message: `no conversation for ${TEST_POLYAI_KEY}`,
      op: 'getConversation',
    });
    const { response_url } = await stack.driver.command('call CA0123456789abcdef01', { channel_id: channel });
    const reply = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect(JSON.stringify(reply.body)).toContain('no conversation for [redacted]');

    // A modal showing PolyAI's error (a form submitted, the annotation refused): the same.
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    stack.polyai.failNext(1, {
      status: 400,
      error_code: 'INVALID_ANNOTATION',
      message: `key ${TEST_POLYAI_KEY} may not annotate`,
      op: 'addAnnotations',
    });
    await stack.driver.submitView({
      callback_id: 'annotate_call_submit',
      private_metadata: JSON.stringify({ channel, threadTs: rootTs, agentId: 'agent-1' }),
      values: formValues({
        text: { conversation: call.conversationId },
        numbers: { turn_1: '1' },
        selects: { side_1: 'agent', label_1: 'wrong_info' },
      }),
    });
    const shown = await stack.slack.waitFor('views.update', (c) =>
      JSON.stringify(c.args.view).includes('INVALID_ANNOTATION'),
    );
    expect(JSON.stringify(shown.args.view)).toContain('key [redacted] may not annotate');

    const sent = everythingSent();
    for (const secret of [TEST_POLYAI_KEY, TEST_BOT_TOKEN, TEST_SIGNING_SECRET, V3_KEY])
      expect(sent).not.toContain(secret);
  });

  it('waits out Slack rate limits: eight quick replies in a rate-limited channel are all answered, once each, in order', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.slack.limitPostRate({ burst: 3, perSecond: 1 });
    try {
      const words = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'];
      for (const word of words) await stack.driver.message({ channel, thread_ts: rootTs, text: `quick-${word}` });
      const answered = () =>
        postsIn(stack, channel, rootTs).filter((c) => c.status === 200 && textOf(c).includes('You said: quick-'));
      await waitUntil(() => answered().length >= words.length, 30_000);
      await sleep(300);
      expect(answered().map((c) => /You said: (quick-\w+)/.exec(String(c.args.text))?.[1])).toEqual(
        words.map((w) => `quick-${w}`),
      );
      expect(stack.slack.callsTo('chat.postMessage').some((c) => c.status === 429)).toBe(true);
    } finally {
      stack.slack.limitPostRate(undefined);
    }
  }, 40_000);

  it('retries an answer Slack failed with internal_error, and says so in the thread when it keeps failing', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.slack.failNext('chat.postMessage', 'internal_error', 1, channel);
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'flaky-once' });
    await waitUntil(
      () => postsIn(stack, channel, rootTs).some((c) => c.response.ok && textOf(c).includes('You said: flaky-once')),
      10_000,
    );

    stack.slack.failNext('chat.postMessage', 'internal_error', 2, channel);
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'flaky-twice' });
    const notice = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && c.response.ok && textOf(c).includes('Slack did not accept'),
      10_000,
    );
    expect(textOf(notice)).toContain('internal_error');
    await sleep(300);
    expect(
      postsIn(stack, channel, rootTs).filter((c) => c.response.ok && textOf(c).includes('Slack did not accept')),
    ).toHaveLength(1);
    const lost = stack.app.logs.find((l) => l.msg === 'message not posted' && String(l.lost).includes('flaky-twice'));
    expect(lost).toMatchObject({ channel, threadTs: rootTs, slackError: 'internal_error' });
  });

  it('shows an answer at most twice when Slack posted it but answered internal_error', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.slack.failNextAfterApplying('chat.postMessage', 'internal_error', 1, channel);
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'posted-anyway' });
    const shown = () =>
      stack.slack.messagesIn(channel, rootTs).filter((m) => String(m.text).includes('You said: posted-anyway'));
    await waitUntil(() => shown().length >= 1);
    await sleep(1500);
    expect(shown().length).toBeGreaterThanOrEqual(1);
    expect(shown().length).toBeLessThanOrEqual(2);
  });

  it('acknowledges actions, shortcuts and views with IDs it does not know, at once', async () => {
    const started = performance.now();
    const answers = await Promise.all([
      stack.driver.action({ actions: [{ action_id: 'no_such_action', value: 'x' }] }),
      stack.driver.shortcut({ callback_id: 'no_such_shortcut', message: { ts: stack.driver.nextTs(), text: 'hi' } }),
      stack.driver.submitView({ callback_id: 'no_such_view' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('answers malformed requests with a 4xx or an acknowledgement, never a crash', async () => {
    const send = (rawBody: string, contentType: string) =>
      postToApp(stack.app.url, rawBody, { contentType, secret: TEST_SIGNING_SECRET });
    const started = performance.now();
    const answers = [];
    for (const [body, type] of [
      ['null', JSON_TYPE],
      ['{not json', JSON_TYPE],
      [new URLSearchParams({ payload: '{not json' }).toString(), FORM],
      [new URLSearchParams({ payload: 'null' }).toString(), FORM],
    ] as const) {
      answers.push(await send(body, type));
    }
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect(answer.status).toBeLessThan(500);
    }
    // A slash command without a text field: usage, as for an empty command.
    const command = slashCommand({ channel_id: freshChannel(), response_url: stack.slack.createResponseUrl() });
    const fields = new URLSearchParams(command.rawBody);
    fields.delete('text');
    const noText = await send(fields.toString(), FORM);
    expect(noText.status).toBe(200);
    const usage = await stack.slack.waitForResponse((r) => String(command.payload.response_url).endsWith(r.id));
    expect(JSON.stringify(usage.body)).toContain('/polychat');
    expect(stack.polyai.requestsOf('createDebugChat').filter((r) => r.at > started)).toEqual([]);
    // The app is still up and answering.
    expect((await fetch(`${stack.app.url}/healthz`)).status).toBe(200);
    expect(stack.app.exitInfo).toBeUndefined();
    expect(stack.app.logs.filter((l) => l.msg === 'unhandled rejection')).toEqual([]);
  });
});
