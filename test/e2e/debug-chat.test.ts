import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SIGNING_SECRET } from '../support/constants.js';
import { postToApp, slashCommand } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('/polychat starts a debug chat', () => {
  it('acknowledges at once, posts the root message, creates the session and posts the greeting in the thread', async () => {
    const channel = freshChannel();
    const { response } = await stack.driver.command('agent=agent-2 env=pre-release variant=v7 lang=en-GB', {
      channel_id: channel,
      user_id: 'U42',
    });
    expect(response.status).toBe(200);
    expect(response.ms).toBeLessThan(3000);
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    const rootTs = String(root.response.ts);
    expect(textOf(root)).toContain('agent-2');
    expect(textOf(root)).toContain('<@U42>');
    const [create] = await stack.polyai.waitForRequests((r) => r.op === 'createDebugChat' && r.agentId === 'agent-2');
    expect(create?.body).toEqual({
      clientEnv: 'pre-release',
      variantId: 'v7',
      asrLangCode: 'en-GB',
      ttsLangCode: 'en-GB',
    });
    expect(create?.headers['x-api-key']).toBe('test-polyai-key');
    expect(create?.correlationId).toMatch(/[0-9a-f-]{36}/);
    const update = await stack.slack.waitFor(
      'chat.update',
      (c) => c.args.ts === rootTs && /AS_CHAT_[0-9a-f-]{36}/.test(textOf(c)),
    );
    for (const shown of ['agent-2', 'pre-release', 'v7', 'en-GB', '<@U42>']) expect(textOf(update)).toContain(shown);
    const greeting = await stack.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === rootTs);
    expect(textOf(greeting)).toContain('Hello! How can I help?');
  });

  it('sends a first message as a user turn after the greeting, shown in the thread', async () => {
    const channel = freshChannel();
    await stack.driver.command('I need to move my booking', { channel_id: channel });
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    const rootTs = String(root.response.ts);
    const [turn] = await stack.polyai.waitForRequests(
      (r) => r.op === 'respondDebugChat' && (r.body as { message?: string }).message === 'I need to move my booking',
    );
    expect(turn?.agentId).toBe('agent-1');
    await waitUntil(() =>
      postsIn(stack, channel, rootTs).some((c) => textOf(c).includes('You said: I need to move my booking')),
    );
    const texts = postsIn(stack, channel, rootTs).map(textOf);
    const greetingAt = texts.findIndex((t) => t.includes('Hello! How can I help?'));
    const shownAt = texts.findIndex((t) => t.includes('I need to move my booking') && !t.includes('You said'));
    const answerAt = texts.findIndex((t) => t.includes('You said: I need to move my booking'));
    expect(greetingAt).toBeGreaterThanOrEqual(0);
    expect(shownAt).toBeGreaterThan(greetingAt);
    expect(answerAt).toBeGreaterThan(shownAt);
  });

  it('uses the channel default set with /polychat agent, and tells who set it', async () => {
    const channel = freshChannel();
    const { response_url } = await stack.driver.command('agent agent-2', { channel_id: channel, user_id: 'U7' });
    const ack = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect(JSON.stringify(ack.body)).toContain('agent-2');
    expect((ack.body as { response_type?: string }).response_type).toBe('ephemeral');
    await startChat(stack, channel);
    const creates = stack.polyai.requestsOf('createDebugChat');
    expect(creates.at(-1)?.agentId).toBe('agent-2');
  });

  it('shows help ephemerally', async () => {
    const { response_url } = await stack.driver.command('help', { channel_id: freshChannel() });
    const reply = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect((reply.body as { response_type?: string }).response_type).toBe('ephemeral');
    expect(JSON.stringify(reply.body)).toContain('/polychat agent');
  });

  it.each([
    ['env=production hi', 'env= must be one of sandbox, pre-release, live'],
    ['colour=blue hi', 'Unknown option'],
    ['lang=english', 'lang= takes a language code'],
    ['lsit', 'Unknown command'],
  ])(
    'answers bad input "%s" ephemerally with the problem and usage, and sends nothing to PolyAI',
    async (text, problem) => {
      const before = stack.polyai.requests.length;
      const posts = stack.slack.callsTo('chat.postMessage').length;
      const { response_url } = await stack.driver.command(text, { channel_id: freshChannel() });
      const reply = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
      expect(JSON.stringify(reply.body)).toContain(problem);
      expect(JSON.stringify(reply.body)).toContain('Usage');
      expect((reply.body as { response_type?: string }).response_type).toBe('ephemeral');
      await sleep(100);
      expect(stack.polyai.requests.length).toBe(before);
      expect(stack.slack.callsTo('chat.postMessage').length).toBe(posts);
    },
  );

  it('tells the user to invite the bot when Slack answers not_in_channel', async () => {
    const channel = freshChannel();
    stack.slack.failNext('chat.postMessage', 'not_in_channel', 1, channel);
    const creates = stack.polyai.requestsOf('createDebugChat').length;
    const { response_url } = await stack.driver.command('hello', { channel_id: channel });
    const reply = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect(JSON.stringify(reply.body)).toContain('/invite @polychat');
    await sleep(100);
    expect(stack.polyai.requestsOf('createDebugChat')).toHaveLength(creates);
  });

  it('reports an unknown agent in the thread with the PolyAI error code and correlation ID', async () => {
    const channel = freshChannel();
    const { response_url } = await stack.driver.command('agent=no-such-agent', { channel_id: channel });
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    const error = await stack.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === root.response.ts);
    const [create] = stack.polyai.requestsOf('createDebugChat').filter((r) => r.agentId === 'no-such-agent');
    expect(textOf(error)).toContain('could not start');
    expect(textOf(error)).toContain('AGENT_NOT_FOUND');
    expect(textOf(error)).toContain(create?.correlationId);
    // The person who typed the command is told directly too.
    const told = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect(JSON.stringify(told.body)).toContain('AGENT_NOT_FOUND');
    expect((told.body as { response_type?: string }).response_type).toBe('ephemeral');
  });
});

describe('thread replies are turns', () => {
  it('relays a reply to PolyAI and posts the answer in the thread, with a status under the thread while it runs', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    stack.polyai.latencyMs = 1500;
    try {
      const callsBefore = stack.slack.calls.length;
      const { ts } = await stack.driver.message({ channel, thread_ts: rootTs, text: 'What are your hours?' });
      // Visible while the turn runs (after POLYCHAT_PROGRESS_DELAY_MS, 300 ms by default).
      await waitUntil(() => stack.slack.threadStatus(channel, rootTs) !== '' || undefined);
      expect(stack.slack.threadStatus(channel, rootTs)).toBe('is thinking…');
      const answer = await stack.slack.waitFor(
        'chat.postMessage',
        (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: What are your hours?'),
      );
      const turn = stack.polyai.turns(conversationId).at(-1);
      expect(turn?.body).toMatchObject({ clientEnv: 'sandbox', message: 'What are your hours?' });
      // Slack clears the status with the answer; nothing is left to take away.
      expect(stack.slack.threadStatus(channel, rootTs)).toBe('');
      const [status] = stack.slack.callsTo('assistant.threads.setStatus').filter((c) => c.args.thread_ts === rootTs);
      expect(status?.at).toBeLessThan(answer.at);
      await sleep(200);
      const calls = stack.slack.calls.slice(callsBefore).map((c) => c.method);
      expect(calls.sort()).toEqual(['assistant.threads.setStatus', 'chat.postMessage']);
      expect(stack.slack.reactionsOn(channel, ts)).toEqual([]);
    } finally {
      stack.polyai.latencyMs = 0;
    }
  });

  it('makes one Slack call for a quick turn: its answer, no progress nobody could see', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    const callsBefore = stack.slack.calls.length;
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'quick' });
    await stack.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === rootTs && textOf(c).includes('quick'));
    await sleep(500);
    expect(stack.slack.calls.slice(callsBefore).map((c) => c.method)).toEqual(['chat.postMessage']);
  });

  it('shows a reaction instead where Slack refuses thread statuses, and removes it after the answer', async () => {
    // Its own instance: the refusal is remembered for the rest of the process.
    const other = await stack.startInstance();
    const mine = { ...stack, ...other };
    const channel = freshChannel();
    const { rootTs } = await startChat(mine, channel);
    stack.polyai.latencyMs = 800;
    try {
      stack.slack.failNext('assistant.threads.setStatus', 'not_allowed');
      for (const text of ['first slow turn', 'second slow turn']) {
        const { ts } = await other.driver.message({ channel, thread_ts: rootTs, text });
        await stack.slack.waitFor('reactions.add', (c) => c.args.timestamp === ts, 2000);
        const answer = await stack.slack.waitFor(
          'chat.postMessage',
          (c) => c.args.thread_ts === rootTs && textOf(c).includes(text),
        );
        const removed = await stack.slack.waitFor('reactions.remove', (c) => c.args.timestamp === ts);
        expect(removed.at).toBeGreaterThanOrEqual(answer.at);
        expect(stack.slack.reactionsOn(channel, ts)).toEqual([]);
      }
      // Asked once; the second turn went straight to the reaction.
      expect(
        stack.slack.callsTo('assistant.threads.setStatus').filter((c) => c.args.thread_ts === rootTs),
      ).toHaveLength(1);
    } finally {
      stack.polyai.latencyMs = 0;
      await other.app.stop();
    }
  });

  it('keeps the order of turns that arrive at once, one at a time, while other threads go on in parallel', async () => {
    const channel = freshChannel();
    const a = await startChat(stack, channel);
    const b = await startChat(stack, channel);
    stack.polyai.latencyMs = 150;
    try {
      const tsList = ['first', 'second', 'third', 'fourth'].map(() => stack.driver.nextTs());
      const words = ['first', 'second', 'third', 'fourth'];
      const started = performance.now();
      await Promise.all([
        ...words.map((text, i) => stack.driver.message({ channel, thread_ts: a.rootTs, text, ts: tsList[i] })),
        stack.driver.message({ channel, thread_ts: b.rootTs, text: 'other thread' }),
      ]);
      await stack.polyai.waitForRequests(
        (r) => r.op === 'respondDebugChat' && r.conversationId === a.conversationId && r.status !== undefined,
        4,
        8000,
      );
      const order = stack.polyai.turns(a.conversationId).map((r) => (r.body as { message: string }).message);
      expect(order).toEqual(words);
      expect(stack.polyai.maxConcurrency('respondDebugChat', a.conversationId)).toBe(1);
      const other = stack.polyai.turns(b.conversationId)[0];
      // The other thread did not queue behind the four turns (4 × 150 ms).
      expect((other?.at ?? Infinity) - started).toBeLessThan(450);
      await waitUntil(
        () => postsIn(stack, channel, a.rootTs).filter((c) => textOf(c).includes('You said:')).length === 4,
      );
      const answers = postsIn(stack, channel, a.rootTs)
        .map(textOf)
        .filter((t) => t.includes('You said:'))
        .map((t) => /You said: (\w+)/.exec(t)?.[1]);
      expect(answers).toEqual(words);
    } finally {
      stack.polyai.latencyMs = 0;
    }
  });

  it('collects a delayed response and posts each part', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    stack.polyai.delayNext(conversationId, ['Found it: part two', 'And part three']);
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'look it up' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('And part three'),
      10_000,
    );
    const turns = stack.polyai.turns(conversationId).map((r) => (r.body as { message: string }).message);
    expect(turns).toEqual(['look it up', '', '']);
  });

  it('closes the session when the agent ends the conversation; later replies get a hint and no turn', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    stack.polyai.endAfter(conversationId, 1);
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'bye' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('ended the conversation'),
    );
    await stack.slack.waitFor('chat.update', (c) => c.args.ts === rootTs && textOf(c).includes('ended'));
    const turnsBefore = stack.polyai.turns(conversationId).length;
    const { ts } = await stack.driver.message({ channel, thread_ts: rootTs, text: 'hello again', user: 'U9' });
    const hint = await stack.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args.thread_ts === rootTs && c.args.user === 'U9',
    );
    expect(textOf(hint)).toContain('has ended');
    expect(stack.polyai.turns(conversationId).length).toBe(turnsBefore);
    expect(ts).toBeTruthy();
  });

  it('treats a 410 CHAT_CONVERSATION_ENDED as the end of the session', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.polyai.failNext(1, {
      status: 410,
      error_code: 'CHAT_CONVERSATION_ENDED',
      message: 'Conversation ended',
      op: 'respondDebugChat',
    });
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'are you there?' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('has ended'),
    );
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'hello?', user: 'U8' });
    await stack.slack.waitFor('chat.postEphemeral', (c) => c.args.thread_ts === rootTs && c.args.user === 'U8');
  });

  it('reports a failed turn in the thread with the error code and correlation ID', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    stack.polyai.failNext(1, {
      status: 500,
      error_code: 'CHAT_DRAFT_DEPLOYMENT_FAILED',
      message: 'Deployment failed',
      op: 'respondDebugChat',
    });
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'hi' });
    const error = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('CHAT_DRAFT_DEPLOYMENT_FAILED'),
    );
    const turn = stack.polyai.turns(conversationId).at(-1);
    expect(textOf(error)).toContain(turn?.correlationId);
    // A turn is not safe to repeat: it was sent once.
    expect(stack.polyai.turns(conversationId)).toHaveLength(1);
  });

  it('says so in the thread when Slack refuses the answer, instead of dropping the turn', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.slack.failNext('chat.postMessage', 'invalid_blocks', 1, channel);
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'hello' });
    const warning = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('Slack did not accept'),
    );
    expect(textOf(warning)).toContain('invalid_blocks');
  });

  it('escapes agent text so that it can never ping anyone', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    stack.polyai.setResponder((ctx) =>
      ctx.message === 'ping' ? { response: 'Hey <!channel> and <!here> and <@U123> <!subteam^S1> & co' } : undefined,
    );
    try {
      await stack.driver.message({ channel, thread_ts: rootTs, text: 'ping' });
      const reply = await stack.slack.waitFor(
        'chat.postMessage',
        (c) => c.args.thread_ts === rootTs && textOf(c).includes('Hey'),
      );
      const all = textOf(reply);
      expect(all).not.toMatch(/<!channel>|<!here>|<@U123>|<!subteam/);
      expect(String(reply.args.text)).toBe(
        'Hey &lt;!channel&gt; and &lt;!here&gt; and &lt;@U123&gt; &lt;!subteam^S1&gt; &amp; co',
      );
      expect(reply.args.link_names).toBeUndefined();
    } finally {
      stack.polyai.setResponder(() => undefined);
    }
  });

  it('splits a long reply under Slack limits instead of failing', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    const long = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ');
    stack.polyai.setResponder((ctx) => (ctx.message === 'long please' ? { response: long } : undefined));
    try {
      await stack.driver.message({ channel, thread_ts: rootTs, text: 'long please' });
      await waitUntil(() => postsIn(stack, channel, rootTs).some((c) => String(c.args.text).includes('word1499')));
      const parts = postsIn(stack, channel, rootTs).filter((c) => String(c.args.text).includes('word'));
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) {
        const blocks = part.args.blocks as Array<{ text?: { text: string } }>;
        for (const block of blocks) expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      }
      expect(parts.map((p) => String(p.args.text)).join(' ')).toBe(long);
    } finally {
      stack.polyai.setResponder(() => undefined);
    }
  });

  it('ignores bots, the app itself, edits, deletions, joins and messages outside session threads', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    const driver = stack.driver;
    await driver.message({
      channel,
      thread_ts: rootTs,
      text: 'from a bot',
      subtype: 'bot_message',
      bot_id: 'B9',
      user: null,
    });
    await driver.message({ channel, thread_ts: rootTs, text: 'from me', user: 'UBOT', bot_id: 'BBOT' });
    await driver.message({ channel, thread_ts: rootTs, text: 'joined', subtype: 'channel_join', user: 'U5' });
    await driver.event({
      type: 'message',
      subtype: 'message_changed',
      channel,
      ts: driver.nextTs(),
      hidden: true,
      message: { type: 'message', user: 'U1', text: 'edited', ts: rootTs, thread_ts: rootTs },
    });
    await driver.event({
      type: 'message',
      subtype: 'message_deleted',
      channel,
      ts: driver.nextTs(),
      hidden: true,
      deleted_ts: rootTs,
    });
    await driver.message({ channel, text: 'top-level chatter' });
    await driver.message({ channel, thread_ts: '1600000000.000100', text: 'someone else’s thread' });
    await sleep(300);
    expect(stack.polyai.turns(conversationId)).toHaveLength(0);
  });
});

describe('@polychat in a thread', () => {
  it('binds a session to an existing thread, treats replies as turns, and ends it with @polychat end', async () => {
    const channel = freshChannel();
    const { ts: rootTs } = await stack.driver.message({ channel, text: 'Anyone tried the new booking flow?' });
    await stack.driver.mention({ channel, thread_ts: rootTs, text: 'env=live Hi there' });
    const [create] = await stack.polyai.waitForRequests(
      (r) => r.op === 'createDebugChat' && (r.body as { clientEnv?: string }).clientEnv === 'live',
    );
    expect(create).toBeDefined();
    const firstTurn = await stack.polyai.waitForRequests(
      (r) => r.op === 'respondDebugChat' && (r.body as { message?: string }).message === 'Hi there',
    );
    const conversationId = firstTurn[0]?.conversationId ?? '';
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: Hi there'),
    );
    // The mention's own message event is not a second turn.
    await sleep(200);
    expect(stack.polyai.turns(conversationId)).toHaveLength(1);

    await stack.driver.message({ channel, thread_ts: rootTs, text: 'second turn' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: second turn'),
    );

    await stack.driver.mention({ channel, thread_ts: rootTs, text: 'end', user: 'U3' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('<@U3> ended the session'),
    );
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'still there?', user: 'U4' });
    await stack.slack.waitFor('chat.postEphemeral', (c) => c.args.thread_ts === rootTs && c.args.user === 'U4');
    expect(stack.polyai.turns(conversationId)).toHaveLength(2);
  });

  it('takes "@polychat <words>" in a live session thread as a turn, not as a second start', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    const creates = stack.polyai.requestsOf('createDebugChat').length;
    await stack.driver.mention({ channel, thread_ts: rootTs, text: 'what time is it' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: what time is it'),
    );
    expect(stack.polyai.turns(conversationId).map((r) => (r.body as { message: string }).message)).toEqual([
      'what time is it',
    ]);
    expect(stack.polyai.requestsOf('createDebugChat')).toHaveLength(creates);
  });

  it('ends a session from the End button on the root message', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    await stack.driver.action({
      actions: [{ action_id: 'session_end', block_id: 'session_controls', value: 'end', type: 'button' }],
      channel,
      user: 'U6',
      message: { ts: rootTs, text: 'Debug chat' },
    });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('<@U6> ended the session'),
    );
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'more' });
    await sleep(200);
    expect(stack.polyai.turns(conversationId)).toHaveLength(0);
  });
});

describe('Slack retries and request checks', () => {
  it('handles a retried event once: nothing is sent to PolyAI again', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    const first = await stack.driver.message({ channel, thread_ts: rootTs, text: 'only once' });
    await stack.driver.event(first.event, { event_id: first.event_id, retryNum: 1, retryReason: 'http_timeout' });
    await stack.driver.event(first.event, { event_id: first.event_id, retryNum: 2, retryReason: 'http_timeout' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: only once'),
    );
    await sleep(300);
    expect(stack.polyai.turns(conversationId)).toHaveLength(1);
  });

  it('answers 401 to a bad signature and to an old timestamp, and acts on neither', async () => {
    const req = slashCommand({ text: 'hello', channel_id: freshChannel() });
    const before = stack.slack.callsTo('chat.postMessage').length;
    const bad = await postToApp(stack.app.url, req.rawBody, {
      contentType: req.contentType,
      secret: 'wrong-secret',
    });
    expect(bad.status).toBe(401);
    const old = await postToApp(stack.app.url, req.rawBody, {
      contentType: req.contentType,
      secret: TEST_SIGNING_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    expect(old.status).toBe(401);
    await sleep(200);
    expect(stack.slack.callsTo('chat.postMessage').length).toBe(before);
  });

  it('answers GET /healthz with 200', async () => {
    const response = await fetch(`${stack.app.url}/healthz`);
    expect(response.status).toBe(200);
  });
});
