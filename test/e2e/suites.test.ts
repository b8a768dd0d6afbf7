import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import { inputValue } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';
import { freshChannel, startChat, textOf } from './chat-helpers.js';
import { buttonOn, press } from './session-helpers.js';
import {
  agentScript,
  chatWithTurns,
  command,
  echoCases,
  ephemeralText,
  finishedReport,
  importFile,
  latest,
  mentionIn,
  runSuite,
  saveCase,
  startSlowRun,
  suiteYaml,
} from './suite-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ POLYCHAT_SUITE_TICK_MS: '200' });
});

afterEach(() => {
  stack.polyai.setResponder(undefined);
  stack.polyai.latencyMs = 0;
});

afterAll(async () => {
  await stack?.stop();
});

/** Live answers a price turn differently and no longer calls check_availability when booking. */
const agent = agentScript(
  (ctx) =>
    ctx.message.includes('price')
      ? `It costs ${ctx.session.clientEnv === 'live' ? 20 : 10} pounds per person.`
      : `Answer to: ${ctx.message}`,
  (ctx) =>
    ctx.message.includes('book') && ctx.session.clientEnv !== 'live'
      ? [{ name: 'check_availability', arguments: { party: 2 } }]
      : [],
);

function pressOn(call: SlackCall, actionId: string, user = 'U1') {
  const button = buttonOn(call, actionId);
  expect(button, `${actionId} on ${textOf(call)}`).toBeDefined();
  return press(
    stack,
    String(call.args.channel),
    {
      ts: String(call.response.ts),
      ...(call.args.thread_ts !== undefined && { thread_ts: String(call.args.thread_ts) }),
    },
    actionId,
    { value: button?.value ?? '', user },
  );
}

describe('saving debug chats as test cases', () => {
  it('saves with Save as test… (the modal) and with a mention, then runs the suite: all pass', async () => {
    stack.polyai.setResponder(agent);
    const channel = freshChannel();
    const first = await chatWithTurns(stack, channel, ['hello there', 'I want to book a table']);
    const trigger = await pressOn(first.live, 'suite_save_open');
    const open = await stack.slack.waitFor('views.open', (c) => c.args.trigger_id === trigger);
    expect(open.response.ok, JSON.stringify(open.response)).toBe(true);
    const view = open.args.view as { private_metadata: string; blocks: unknown[] };
    expect(JSON.stringify(view.blocks)).toContain('hello there');
    await stack.driver.submitView({
      callback_id: 'suite_save_submit',
      private_metadata: view.private_metadata,
      values: {
        suite_new: { suite: inputValue.plainText('smoke') },
        suite_case: { case: inputValue.plainText('Booking') },
      },
    });
    const notice = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === first.rootTs && textOf(c).includes('as test case'),
    );
    expect(textOf(notice)).toContain('2 user turns');

    const second = await chatWithTurns(stack, channel, ['what is the price']);
    await saveCase(stack, channel, second.rootTs, 'smoke', 'Price question');

    const run = await runSuite(stack, channel, 'smoke');
    expect(run.text).toContain('2 passed');
    expect(run.text).toContain('0 failed');
    expect(run.text).toContain('First run');
    expect(run.failures).toHaveLength(0);
    // Each case ran in a debug chat of its own, with its turns in order.
    const creates = stack.polyai.requestsOf('createDebugChat').slice(-2);
    expect(creates).toHaveLength(2);

    const list = await ephemeralText(stack, await command(stack, channel, 'test list'));
    expect(list).toContain('smoke');
    expect(list).toContain('2 cases');
    expect(list).toContain('2 passed');
    expect(list).toContain('Price question');

    const publishes = stack.slack.callsTo('views.publish').length;
    await stack.driver.event({
      type: 'app_home_opened',
      user: 'U1',
      channel: 'DU1',
      tab: 'home',
      event_ts: stack.driver.nextTs(),
    });
    const home = await waitUntil(() => stack.slack.callsTo('views.publish')[publishes], 8000);
    const homeText = JSON.stringify(home.args.view);
    expect(homeText).toContain('Test suites in your channels');
    expect(homeText).toContain('*smoke*');
    expect(homeText).toContain('2 passed');
  });

  it('says so when the thread has no user turn yet', async () => {
    const channel = freshChannel();
    const chat = await startChat(stack, channel);
    const answer = await mentionIn(stack, channel, chat.rootTs, 'save as test smoke');
    expect(answer.method).toBe('chat.postEphemeral');
    expect(textOf(answer)).toContain('no user turns');
    const list = await ephemeralText(stack, await command(stack, channel, 'test list'));
    expect(list).toContain('no test suites');
  });

  it('answers a test command with a typo with what was wrong and the usage, sending nothing upstream', async () => {
    const creates = stack.polyai.requestsOf('createDebugChat').length;
    const text = await ephemeralText(stack, await command(stack, freshChannel(), 'test schedule smoke daily 25:00'));
    expect(text).toContain('daily needs a time HH:MM');
    expect(text).toContain('/polychat test');
    expect(stack.polyai.requestsOf('createDebugChat')).toHaveLength(creates);
  });
});

describe('runs against another environment', () => {
  it('fails the turns that changed, with a diff and the check, and Accept makes them pass', async () => {
    stack.polyai.setResponder(agent);
    const channel = freshChannel();
    for (const [name, turns] of [
      ['Greeting', ['hello']],
      ['Price', ['hi', 'what is the price']],
      ['Booking', ['book a table please']],
    ] as const) {
      const chat = await chatWithTurns(stack, channel, [...turns]);
      await saveCase(stack, channel, chat.rootTs, 'regress', name);
    }
    const baseline = await runSuite(stack, channel, 'regress');
    expect(baseline.text).toContain('3 passed');

    const live = await runSuite(stack, channel, 'regress env=live');
    expect(live.text).toContain('1 passed');
    expect(live.text).toContain('2 failed');
    expect(live.text).toContain('2 new failures');
    expect(live.text.indexOf('Changed since the previous run')).toBeLessThan(live.text.indexOf('ran against'));
    expect(live.failures).toHaveLength(2);
    const price = live.failures.find((f) => textOf(f).includes('Price')) as SlackCall;
    const priceText = textOf(price);
    expect(priceText).toContain('at turn 2');
    expect(priceText).toContain('what is the price');
    expect(priceText).toContain('check `reply`');
    expect(priceText).toContain('10 pounds');
    expect(priceText).toContain('20 pounds');
    expect(priceText).toContain('~10~');
    expect(priceText).toContain('*20*');
    expect(priceText).toMatch(/Conversation `AS_CHAT_[0-9a-f-]{36}`/);
    const booking = textOf(live.failures.find((f) => textOf(f).includes('Booking')) as SlackCall);
    expect(booking).toContain('check `functions`');
    expect(booking).toContain('check_availability was not called');

    await pressOn(price, 'suite_accept');
    await waitUntil(() => latest(stack, channel, String(price.response.ts)).includes('accepted by'), 8000);

    const again = await runSuite(stack, channel, 'regress env=live');
    expect(again.text).toContain('2 passed');
    expect(again.text).toContain('1 failed');
    expect(again.text).toMatch(/1 fixed \(_?Price/);
    expect(again.failures.map(textOf).join('\n')).toContain('Booking');
  });

  it('Open as thread starts a live debug chat with the case turns replayed, to carry on by hand', async () => {
    stack.polyai.setResponder(agent);
    const channel = freshChannel();
    const chat = await chatWithTurns(stack, channel, ['hi', 'what is the price', 'thanks']);
    await saveCase(stack, channel, chat.rootTs, 'open', 'Price');
    const run = await runSuite(stack, channel, 'open env=live');
    const failure = run.failures[0] as SlackCall;
    const roots = stack.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === channel && c.args.thread_ts === undefined).length;
    await pressOn(failure, 'suite_open_thread');
    const root = await waitUntil(
      () =>
        stack.slack
          .callsTo('chat.postMessage')
          .filter((c) => c.args.channel === channel && c.args.thread_ts === undefined)[roots],
      8000,
    );
    const created = await waitUntil(() => {
      const calls = stack.polyai.requestsOf('createDebugChat');
      const last = calls.at(-1)?.body as { clientEnv?: string } | undefined;
      return last?.clientEnv === 'live' ? last : undefined;
    }, 8000);
    expect(created.clientEnv).toBe('live');
    // The turns up to the failed one (2 of 3) are replayed into the new thread.
    await waitUntil(
      () =>
        stack.slack
          .callsTo('chat.postMessage')
          .filter((c) => c.args.thread_ts === root.response.ts && textOf(c).includes('User turn')).length === 2,
      8000,
    );
  });
});

describe('errors and stopping', () => {
  it('makes a case errored, not failed, when PolyAI fails, with its code and correlation ID', async () => {
    const channel = freshChannel();
    const chat = await chatWithTurns(stack, channel, ['hello']);
    await saveCase(stack, channel, chat.rootTs, 'errs', 'Hello');
    stack.polyai.failNext(1, { status: 400, error_code: 'AGENT_MISCONFIGURED', op: 'respondDebugChat' });
    const run = await runSuite(stack, channel, 'errs');
    expect(run.text).toContain('0 failed');
    expect(run.text).toContain('1 errored');
    const text = textOf(run.failures[0] as SlackCall);
    expect(text).toContain('errored');
    expect(text).toContain('AGENT_MISCONFIGURED');
    expect(text).toMatch(/correlation ID `[0-9a-f-]{36}`/);
    expect(buttonOn(run.failures[0] as SlackCall, 'suite_accept')).toBeUndefined();
  });

  it('Stop ends the run after the turns under way, and the report says who stopped it', async () => {
    const channel = freshChannel();
    const report = await startSlowRun(stack, channel, 'slow');
    await pressOn(report, 'suite_stop', 'U7');
    const done = await finishedReport(stack, channel, String(report.response.ts));
    expect(done.text).toContain('stopped by <@U7>');
    const ran = Number(/after (\d+) of 12 cases/.exec(done.text)?.[1]);
    expect(ran).toBeLessThan(12);
  });
});

describe('files', () => {
  it('exports a suite as YAML and imports it in another channel, where it runs', async () => {
    stack.polyai.setResponder(agent);
    const channel = freshChannel();
    const chat = await chatWithTurns(stack, channel, ['I want to book', 'what is the price']);
    await saveCase(stack, channel, chat.rootTs, 'portable', 'Book and price');
    await command(stack, channel, 'test export portable');
    const upload = await waitUntil(
      () => [...stack.slack.uploads.values()].find((u) => u.filename === 'portable.yaml'),
      8000,
    );
    const yaml = upload.content?.toString('utf8') ?? '';
    expect(yaml).toContain('suite: portable');
    expect(yaml).toContain('check_availability');
    expect(yaml).toContain('It costs 10 pounds per person.');
    const shared = await waitUntil(
      () => stack.slack.callsTo('files.completeUploadExternal').find((c) => c.args.channel_id === channel),
      8000,
    );
    expect(shared.response.ok).toBe(true);

    const other = freshChannel();
    const imported = await importFile(stack, other, 'portable.yaml', yaml);
    expect(textOf(imported)).toContain('imported 1 cases');
    const run = await runSuite(stack, other, 'portable');
    expect(run.text).toContain('1 passed');
  });

  it('names the line of an error and imports nothing', async () => {
    const channel = freshChannel();
    const yaml = [
      'suite: broken',
      'cases:',
      '  - name: ok',
      '    settings: { agent: agent-1, env: sandbox }',
      '    turns:',
      '      - user: hi',
      '        checks: { matches: "([a-z" }',
    ].join('\n');
    const answer = await importFile(stack, channel, 'broken.yaml', yaml);
    expect(answer.method).toBe('chat.postEphemeral');
    expect(textOf(answer)).toContain('line 7');
    expect(textOf(answer)).toContain('not a valid regular expression');
    expect(textOf(answer)).toContain('Nothing was imported');
    const list = await ephemeralText(stack, await command(stack, channel, 'test list'));
    expect(list).toContain('no test suites');
  });
});

describe('a big suite', () => {
  it('runs 50 cases of 10 turns in a rate-limited channel with a handful of posts', async () => {
    const channel = freshChannel();
    // Three cases expect something the agent no longer says.
    const cases = echoCases(50, 10, (i, n) => (i % 20 === 7 && n === 9 ? 'something else' : `You said: turn ${n}`));
    await importFile(stack, channel, 'big.yaml', suiteYaml('big', cases));
    // Slack's per-channel limit, with no burst: every post beyond one a second is refused.
    stack.slack.limitPostRate({ burst: 1, perSecond: 1 });
    try {
      const postsBefore = stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel).length;
      const run = await runSuite(stack, channel, 'big', 60_000);
      expect(run.text).toContain('47 passed');
      expect(run.text).toContain('3 failed');
      expect(run.failures).toHaveLength(3);
      const posts = stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);
      const accepted = posts.slice(postsBefore).filter((c) => c.response.ok);
      expect(accepted).toHaveLength(4);
      const updates = stack.slack.callsTo('chat.update').filter((c) => c.args.channel === channel);
      expect(updates.length).toBeLessThan(30);
      expect(stack.polyai.requestsOf('respondDebugChat').filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(
        500,
      );
    } finally {
      stack.slack.limitPostRate(undefined);
    }
  });
});
