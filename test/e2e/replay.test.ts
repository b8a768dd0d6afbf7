import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import { inputValue } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { freshChannel, postsIn, textOf } from './chat-helpers.js';
import { buttonOn, live, press, say, startSession, viewBlocks } from './session-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterEach(() => {
  stack.polyai.setResponder(undefined);
});

afterAll(async () => {
  await stack?.stop();
});

const permalinkOf = (channel: string, ts: string) =>
  `https://example.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
const message = (call: SlackCall) => (call.args.text === undefined ? '' : String(call.args.text));

/** Presses Replay… on a session's root; resolves with the modal it opened. */
async function openReplay(channel: string, rootTs: string): Promise<SlackCall> {
  const trigger = await press(stack, channel, { ts: rootTs }, 'session_replay');
  const open = await stack.slack.waitFor('views.open', (c) => c.args.trigger_id === trigger);
  expect(open.response.ok, JSON.stringify(open.response)).toBe(true);
  return open;
}

function submitReplay(open: SlackCall, env: string, variant: string | null = null, lang: string | null = null) {
  const view = open.args.view as { private_metadata: string };
  return stack.driver.submitView({
    callback_id: 'replay_submit',
    private_metadata: view.private_metadata,
    values: {
      replay_env: { env: inputValue.staticSelect(env) },
      replay_variant: { variant: inputValue.plainText(variant) },
      replay_lang: { lang: inputValue.plainText(lang) },
    },
  });
}

/** The replay's progress message in the source thread, and its latest text. */
async function progressIn(channel: string, rootTs: string): Promise<SlackCall> {
  return stack.slack.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === channel && c.args.thread_ts === rootTs && textOf(c).includes('replay_stop'),
  );
}

function latestText(channel: string, ts: string): string {
  const updates = stack.slack.callsTo('chat.update').filter((c) => c.args.channel === channel && c.args.ts === ts);
  return updates.length === 0 ? '' : textOf(updates.at(-1) as SlackCall);
}

describe('session controls on the root message', () => {
  it('shows End, Restart and Replay… on an active session', async () => {
    const { update } = await startSession(stack, freshChannel());
    for (const id of ['session_end', 'session_restart', 'session_replay']) expect(buttonOn(update, id)).toBeDefined();
  });

  it('Restart starts a new session with the same settings in a new thread, and the two threads link to each other', async () => {
    const channel = freshChannel();
    const first = await startSession(
      stack,
      channel,
      'env=pre-release variant=v9 lang=en-GB channel=webchat attr.tier=gold details=on',
    );
    await say(stack, channel, first.rootTs, 'hello there');
    const createsBefore = stack.polyai.requestsOf('createDebugChat');
    await press(stack, channel, { ts: first.rootTs }, 'session_restart', { user: 'U9' });

    const root = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === channel && c.args.thread_ts === undefined && textOf(c).includes('Restarted from'),
    );
    const second = await live(stack, channel, String(root.response.ts));
    expect(second.conversationId).not.toBe(first.conversationId);
    const [create] = stack.polyai.requestsOf('createDebugChat').slice(createsBefore.length);
    expect(create?.body).toEqual(createsBefore.at(-1)?.body);
    expect(create?.body).toMatchObject({ clientEnv: 'pre-release', variantId: 'v9', channel: 'webchat.polyai' });
    expect(textOf(second.update)).toContain(permalinkOf(channel, first.rootTs));
    expect(textOf(second.update)).toContain('<@U9>');
    expect(textOf(second.greeting)).toContain(':stopwatch:');
    const notice = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === first.rootTs && message(c).includes('restarted this session'),
    );
    expect(message(notice)).toContain(permalinkOf(channel, second.rootTs));
    // The new thread is a session of its own.
    await say(stack, channel, second.rootTs, 'again');
    expect(stack.polyai.turns(second.conversationId).map((r) => (r.body as { message: string }).message)).toEqual([
      'again',
    ]);
  });
});

describe('replays', () => {
  it('replays every user turn in order against another environment and compares the replies turn by turn', async () => {
    stack.polyai.setResponder((ctx) =>
      ctx.session.clientEnv === 'live' && ctx.message === 'what does it cost?'
        ? { response: 'On live it costs 12 pounds.' }
        : undefined,
    );
    const channel = freshChannel();
    const source = await startSession(stack, channel);
    const said = ['I need a booking', 'what does it cost?', 'thanks, bye'];
    for (const text of said) await say(stack, channel, source.rootTs, text);

    const open = await openReplay(channel, source.rootTs);
    expect(JSON.stringify(viewBlocks(open))).toContain('3 user turns');
    const submitted = await submitReplay(open, 'live', 'v2');
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');

    const progress = await progressIn(channel, source.rootTs);
    expect(textOf(progress)).toContain('3 user turns');
    const replayRoot = await stack.slack.waitFor(
      'chat.postMessage',
      (c) =>
        c.args.channel === channel && c.args.thread_ts === undefined && textOf(c).includes('Replays the user turns'),
    );
    const replay = await live(stack, channel, String(replayRoot.response.ts));
    expect(textOf(replay.update)).toContain(permalinkOf(channel, source.rootTs));
    const comparison = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === replay.rootTs && message(c).startsWith('Replay comparison'),
      10_000,
    );

    const create = stack.polyai.requestsOf('createDebugChat').at(-1);
    expect(create?.body).toMatchObject({ clientEnv: 'live', variantId: 'v2' });
    const replayed = stack.polyai.turns(replay.conversationId).map((r) => (r.body as { message: string }).message);
    expect(replayed).toEqual(said);

    const text = textOf(comparison);
    expect(text).toContain('1 of 3 turns changed');
    expect(text).toContain(':white_check_mark: *Greeting: same*');
    expect(text).toContain('The greeting is the same.');
    expect(text).toContain(':white_check_mark: *Turn 1: same*');
    expect(text).toContain(':large_orange_diamond: *Turn 2: changed*');
    expect(text).toContain('You said: what does it cost?');
    expect(text).toContain('On live it costs 12 pounds.');
    expect(text).toContain(':white_check_mark: *Turn 3: same*');
    expect(text.indexOf('Turn 1')).toBeLessThan(text.indexOf('Turn 2'));
    expect(text).toContain(permalinkOf(channel, source.rootTs));

    await waitUntil(() => latestText(channel, String(progress.response.ts)).includes('1 of 3 turns changed'));
    const final = latestText(channel, String(progress.response.ts));
    expect(final).toContain(':white_check_mark: Replayed 3 user turns');
    expect(final).toContain(permalinkOf(channel, replay.rootTs));
    expect(final).not.toContain('replay_stop');
    // Each replayed turn is shown in the replay's thread, with its own Details.
    const shown = postsIn(stack, channel, replay.rootTs).map(message);
    for (const [i, text] of said.entries()) expect(shown).toContain(`:repeat: *User turn ${i + 1} of 3:* ${text}`);
  });

  it('stops half-way when Stop is pressed: after the current turn, and says so', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    stack.polyai.setResponder(async (ctx) => {
      if (ctx.session.clientEnv === 'pre-release' && ctx.turnIndex === 1) await gate;
      return undefined;
    });
    const channel = freshChannel();
    const source = await startSession(stack, channel);
    const said = ['one', 'two', 'three', 'four', 'five'];
    for (const text of said) await say(stack, channel, source.rootTs, text);

    const since = performance.now();
    const replayTurn = (r: { op: string; at: number; body: unknown }) =>
      r.op === 'respondDebugChat' && r.at > since && (r.body as { clientEnv?: string }).clientEnv === 'pre-release';
    await submitReplay(await openReplay(channel, source.rootTs), 'pre-release');
    const progress = await progressIn(channel, source.rootTs);
    // The second replayed turn is with the agent: press Stop now.
    await stack.polyai.waitForRequests(replayTurn, 2);
    const id = buttonOn(progress, 'replay_stop')?.value ?? '';
    expect(id).not.toBe('');
    await press(stack, channel, { ts: String(progress.response.ts), thread_ts: source.rootTs }, 'replay_stop', {
      value: id,
      user: 'U2',
    });
    const told = await stack.slack.waitFor('chat.postEphemeral', (c) => c.args.user === 'U2');
    expect(message(told)).toContain('stops after the turn it is on');
    release();

    await waitUntil(() => latestText(channel, String(progress.response.ts)).includes('Replay stopped'), 8000);
    const final = latestText(channel, String(progress.response.ts));
    expect(final).toContain('Replay stopped by <@U2> after 2 of 5 user turns');
    expect(final).toContain('0 of 2 turns changed');
    const comparison = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.at > since && message(c).startsWith('Replay comparison'),
    );
    expect(textOf(comparison)).toContain('3 user turns not replayed: stopped by <@U2>');
    await sleep(200);
    const replayedTurns = stack.polyai.requests.filter(replayTurn);
    expect(replayedTurns.map((r) => (r.body as { message: string }).message)).toEqual(['one', 'two']);

    // A late Stop is told the replay is over.
    await press(stack, channel, { ts: String(progress.response.ts), thread_ts: source.rootTs }, 'replay_stop', {
      value: id,
      user: 'U3',
    });
    const late = await stack.slack.waitFor('chat.postEphemeral', (c) => c.args.user === 'U3');
    expect(message(late)).toContain('over already');
  });

  it('refuses a bad language in the modal without starting anything', async () => {
    const channel = freshChannel();
    const source = await startSession(stack, channel);
    await say(stack, channel, source.rootTs, 'hello');
    const creates = stack.polyai.requestsOf('createDebugChat').length;
    const response = await submitReplay(await openReplay(channel, source.rootTs), 'live', 'bad variant!', 'English');
    expect(response.json).toMatchObject({
      response_action: 'errors',
      errors: {
        replay_variant: expect.stringContaining('not a valid variant ID'),
        replay_lang: expect.stringContaining('lang= takes a language code'),
      },
    });
    await sleep(100);
    expect(stack.polyai.requestsOf('createDebugChat')).toHaveLength(creates);
  });

  it('says there is nothing to replay in a thread without user turns', async () => {
    const channel = freshChannel();
    const source = await startSession(stack, channel);
    const open = await openReplay(channel, source.rootTs);
    expect(JSON.stringify(viewBlocks(open))).toContain('no user turns to replay');
    expect((open.args.view as { submit?: unknown }).submit).toBeUndefined();
  });
});
