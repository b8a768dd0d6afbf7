import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import type { SlackCall } from '../support/fake-slack.js';
import { REDIS_SKIP_REASON, type RedisServer, startRedisServer } from '../support/redis-server.js';
import type { SlackDriver } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { replyTo, responseText } from './call-helpers.js';
import { freshChannel, textOf } from './chat-helpers.js';
import { addCall, buttonsOf, currentText, freshAgent, press, rootPost } from './finding-helpers.js';

/** Watches poll this often here (POLYCHAT_WATCH_INTERVAL_MS, for tests), so a poll round is quick. */
const INTERVAL_MS = 300;

/** Two instances on one Redis, both polling: the store's claims decide who polls and who posts. */
describe.skipIf(REDIS_SKIP_REASON !== undefined)('watches on two instances', () => {
  let redis: RedisServer;
  let stack: Stack;
  let b: { app: AppProcess; driver: SlackDriver };

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack({ STORE_URL: redis.url, POLYCHAT_WATCH_INTERVAL_MS: String(INTERVAL_MS) });
    b = await stack.startInstance();
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  const posts = (channel: string, match: (text: string) => boolean): SlackCall[] =>
    stack.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === channel && c.response.ok === true && match(textOf(c)));

  async function watch(text: string, channel: string, driver: SlackDriver = stack.driver) {
    const started = posts(channel, (t) => t.includes('started watch')).length;
    await driver.command(`watch ${text}`, { channel_id: channel, user_id: 'U5' });
    await waitUntil(() => posts(channel, (t) => t.includes('started watch')).length > started, 8000);
  }

  it('posts each new handed-off call once, as a card with its reason, PolyScore, summary, Open and Claim', async () => {
    const agent = freshAgent();
    const channel = freshChannel();
    const before = addCall(stack, { project_id: agent, minutesAgo: 30, handoff: true, handoff_reason: 'old call' });
    await watch(`agent=${agent} handoff name=handoffs`, channel, b.driver);
    const handedOff = addCall(
      stack,
      { project_id: agent, minutesAgo: 0.2, handoff: true, handoff_reason: 'caller asked for a human' },
      { polyScore: 0.41 },
    );
    const plain = addCall(stack, { project_id: agent, minutesAgo: 0.1 });
    const [card] = await waitUntil(() => {
      const found = posts(channel, (t) => t.includes(handedOff.id));
      return found.length > 0 ? found : undefined;
    }, 10_000);
    // Several more poll rounds on both instances, with the overlap reading the same calls again.
    await sleep(INTERVAL_MS * 6);
    expect(posts(channel, (t) => t.includes(handedOff.id))).toHaveLength(1);
    expect(posts(channel, (t) => t.includes(plain.id))).toHaveLength(0);
    expect(posts(channel, (t) => t.includes(before.id))).toHaveLength(0);
    const text = textOf(card as SlackCall);
    expect(text).toContain('handoffs');
    expect(text).toContain('caller asked for a human');
    expect(text).toContain('PolyScore 0.41');
    expect(text).toContain('Appointment moved');
    expect(text).toContain('<!date^');
    const actions = buttonsOf((card as SlackCall).args.blocks).map((x) => x.action_id);
    expect(actions).toEqual(['call_open', 'review_claim', 'review_mark_reviewed']);
    // Claiming from the card (on the other instance) redraws it with who is reviewing.
    const cardTs = String((card as SlackCall).response.ts);
    const claim = buttonsOf((card as SlackCall).args.blocks).find((x) => x.action_id === 'review_claim');
    await b.driver.action({
      channel,
      user: 'U3',
      message: { ts: cardTs, text: '' },
      actions: [{ action_id: 'review_claim', value: claim?.value }],
    });
    await waitUntil(() => currentText(stack, channel, cardTs).includes('<@U3> is reviewing'));
    expect(currentText(stack, channel, cardTs)).toContain('caller asked for a human');
    // The list's conditions come first: the call that was not handed off cost no detail request.
    expect(stack.polyai.requestsOf('getConversation').some((r) => r.conversationId === plain.id)).toBe(false);
    const polls = stack.conversations.requests.filter((r) => r.project === agent);
    expect(polls.length).toBeGreaterThan(2);
    const starts = polls.map((r) => Date.parse(r.query.start_time?.[0] ?? ''));
    expect(starts.at(-1)).toBeGreaterThan(starts[0] as number);
  });

  it('reads PolyScore and tags from the detail of each candidate, posting only calls that pass both', async () => {
    const agent = freshAgent();
    const channel = freshChannel();
    await watch(`agent=${agent} score<0.5 tag=billing`, channel);
    const low = addCall(stack, { project_id: agent, minutesAgo: 0.1 }, { polyScore: 0.3, tags: ['Billing'] });
    const high = addCall(stack, { project_id: agent, minutesAgo: 0.1 }, { polyScore: 0.9, tags: ['billing'] });
    const untagged = addCall(stack, { project_id: agent, minutesAgo: 0.1 }, { polyScore: 0.2, tags: [] });
    await waitUntil(() => posts(channel, (t) => t.includes(low.id)).length === 1, 10_000);
    await waitUntil(
      () =>
        [high, untagged].every((c) =>
          stack.polyai.requestsOf('getConversation').some((r) => r.conversationId === c.id),
        ),
      5000,
    );
    await sleep(INTERVAL_MS * 4);
    expect(posts(channel, (t) => t.includes(high.id) || t.includes(untagged.id))).toHaveLength(0);
    // Each candidate's detail was read once, not on every poll that saw it again.
    const details = stack.polyai.requestsOf('getConversation').filter((r) => r.conversationId === high.id);
    expect(details).toHaveLength(1);
  });

  it('says once that polling fails, backs off, says when it works again, and posts what arrived meanwhile', async () => {
    const agent = freshAgent();
    const channel = freshChannel();
    await watch(`agent=${agent} name=outage`, channel);
    stack.conversations.failNext(10_000, 500, 'INTERNAL_SERVER_ERROR', 'Database unavailable');
    await waitUntil(() => posts(channel, (t) => t.includes('cannot read calls')).length > 0, 10_000);
    const during = addCall(stack, { project_id: agent, minutesAgo: 0.1 });
    await sleep(INTERVAL_MS * 6);
    stack.conversations.clearFaults();
    await waitUntil(() => posts(channel, (t) => t.includes('works again')).length > 0, 15_000);
    await waitUntil(() => posts(channel, (t) => t.includes(during.id)).length === 1, 10_000);
    const failing = posts(channel, (t) => t.includes('cannot read calls'));
    expect(failing).toHaveLength(1);
    expect(textOf(failing[0] as SlackCall)).toContain('INTERNAL_SERVER_ERROR');
    expect(textOf(failing[0] as SlackCall)).toContain('outage');
    expect(posts(channel, (t) => t.includes('works again'))).toHaveLength(1);
  });

  it('lists and stops watches; a watch in a channel the app left stops with one log line', async () => {
    const agent = freshAgent();
    const channel = freshChannel();
    await watch(`agent=${agent} longer=1m name=long-calls`, channel);
    await watch(`agent=${agent} handoff`, channel);
    const { response_url } = await stack.driver.command('watches', { channel_id: channel });
    const listed = responseText(await replyTo(stack, response_url));
    expect(listed).toContain('long-calls');
    expect(listed).toContain('longer than 1 min 0 s');
    expect(listed).toContain('`handoff`');

    const wrong = await stack.driver.command('unwatch nope', { channel_id: channel });
    expect(responseText(await replyTo(stack, wrong.response_url))).toContain('long-calls, handoff');
    await stack.driver.command('unwatch long-calls', { channel_id: channel });
    await waitUntil(() => posts(channel, (t) => t.includes('stopped watch')).length === 1);
    const left = await stack.driver.command('watches', { channel_id: channel });
    const rest = responseText(await replyTo(stack, left.response_url));
    expect(rest).not.toContain('long-calls');
    expect(rest).toContain('`handoff`');

    // The app is removed from the channel: posting the next card fails, and the watch ends.
    stack.slack.failNext('chat.postMessage', 'not_in_channel', 100, channel);
    const call = addCall(stack, { project_id: agent, minutesAgo: 0.1, handoff: true });
    const logs = () =>
      [...stack.app.logs, ...b.app.logs].filter((l) => String(l.msg).includes('can no longer post in their channel'));
    await waitUntil(() => logs().length > 0, 10_000);
    await sleep(INTERVAL_MS * 4);
    expect(logs()).toHaveLength(1);
    expect(JSON.stringify(logs()[0])).toContain(channel);
    expect(stack.polyai.requestsOf('getConversation').filter((r) => r.conversationId === call.id)).toHaveLength(1);
    const none = await stack.driver.command('watches', { channel_id: channel });
    expect(responseText(await replyTo(stack, none.response_url))).toContain('No watches');
  });
});

/** One instance on an SQLite file: review status and watches outlive a restart. */
describe('review status and watches on SQLite, across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'polychat-finding-'));
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      STORE_URL: `sqlite://${join(dir, 'state.sqlite')}`,
      POLYCHAT_WATCH_INTERVAL_MS: String(INTERVAL_MS),
    });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps claims, the queue and a watch, which goes on posting new calls once', async () => {
    const agent = freshAgent();
    const channel = freshChannel();
    addCall(stack, { project_id: agent, minutesAgo: 90 });
    await stack.driver.command(`watch agent=${agent} handoff name=after-restart`, { channel_id: channel });
    await stack.driver.command(`sample 1 agent=${agent}`, { channel_id: channel });
    const card = await rootPost(stack, channel, (t) => t.includes('Random sample'));
    const ts = String(card.response.ts);
    const claim = buttonsOf(card.args.blocks).find((x) => x.action_id === 'review_claim');
    await press(stack, channel, ts, claim as NonNullable<typeof claim>, 'U6');
    await waitUntil(() => currentText(stack, channel, ts).includes('<@U6> is reviewing'));

    await stack.app.stop('SIGTERM', 20_000);
    const { driver } = await stack.startInstance();
    const { response_url } = await driver.command('queue', { channel_id: channel });
    expect(responseText(await replyTo(stack, response_url))).toContain('<@U6> is reviewing');
    const listed = await driver.command('watches', { channel_id: channel });
    expect(responseText(await replyTo(stack, listed.response_url))).toContain('after-restart');

    const call = addCall(stack, { project_id: agent, minutesAgo: 0.1, handoff: true });
    const cards = () =>
      stack.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === channel && c.response.ok === true && textOf(c).includes(call.id));
    await waitUntil(() => cards().length > 0, 10_000);
    await sleep(INTERVAL_MS * 4);
    expect(cards()).toHaveLength(1);
  });
});
