import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../support/app-process.js';
import type { SlackDriver } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep, waitUntil } from '../support/wait.js';
import { replyTo, responseText } from './call-helpers.js';
import { freshChannel, textOf } from './chat-helpers.js';
import { addCall, buttonsOf, currentText, freshAgent, press, rootPost, untilButtons } from './finding-helpers.js';

let stack: Stack;
let unconfigured: { app: AppProcess; driver: SlackDriver };
/** Only per-agent keys: `agent-k` has a key the fake refuses, every other agent has none. */
let perAgent: { app: AppProcess; driver: SlackDriver };

beforeAll(async () => {
  stack = await startStack();
  unconfigured = await stack.startInstance({ POLYAI_ACCOUNT_ID: '', POLYAI_CONVERSATIONS_API_KEY: '' });
  perAgent = await stack.startInstance({
    POLYAI_CONVERSATIONS_API_KEY: '',
    POLYAI_CONVERSATIONS_API_KEYS: 'agent-k=a-key-of-another-region',
  });
});

afterAll(async () => {
  await stack?.stop();
});

const v3Requests = (agent: string) => stack.conversations.requests.filter((r) => r.project === agent);

async function search(text: string, channel = freshChannel(), user = 'U1') {
  const { response_url } = await stack.driver.command(`search ${text}`, { channel_id: channel, user_id: user });
  const reply = await replyTo(stack, response_url);
  return { channel, reply, text: responseText(reply), buttons: buttonsOf((reply.body as { blocks?: unknown }).blocks) };
}

describe('/polychat search', () => {
  it('finds calls whose transcript has the phrase, quotes the matching turn (escaped) and sends only to the requester', async () => {
    const agent = freshAgent();
    const caller = addCall(stack, {
      project_id: agent,
      minutesAgo: 30,
      turns: [
        { user_input: '', agent_response: 'Hello, Acme Energy.' },
        { user_input: 'I want a refund <!channel> for last month', agent_response: 'Let me check that.' },
      ],
    });
    const agentSide = addCall(stack, {
      project_id: agent,
      minutesAgo: 90,
      turns: [{ user_input: 'My bill is wrong', agent_response: 'I have issued a Refund to your card.' }],
    });
    addCall(stack, { project_id: agent, minutesAgo: 60 });
    addCall(stack, {
      project_id: agent,
      minutesAgo: 10 * 24 * 60,
      turns: [{ user_input: 'refund', agent_response: 'ok' }],
    });

    const { channel, reply, text, buttons } = await search(`agent=${agent} refund`);
    expect((reply.body as { response_type?: string }).response_type).toBe('ephemeral');
    const opened = buttons.filter((b) => b.action_id === 'call_open').map((b) => JSON.parse(b.value).c);
    expect(opened).toEqual([caller.id, agentSide.id]);
    expect(text).toContain('I want a refund &lt;!channel&gt; for last month');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('Caller');
    expect(text).toContain('I have issued a Refund to your card.');
    expect(buttons.some((b) => b.action_id === 'search_more')).toBe(false);

    const [request] = v3Requests(agent);
    expect(request?.headers['x-api-key']).toBe(stack.conversations.defaultKey);
    expect(request?.headers['x-polyai-correlation-id']).toBeTruthy();
    expect(request?.query.query_type).toEqual(['transcript']);
    expect(request?.query.query).toEqual(['refund']);
    expect(request?.query.client_env).toEqual(['live']);
    const from = Date.parse(request?.query.start_time?.[0] ?? '');
    expect(Math.abs(Date.now() - 7 * 86_400_000 - from)).toBeLessThan(60_000);

    // Open on a result (an ephemeral message) opens a review thread in the channel, as /polychat call does.
    const open = buttons.find((b) => b.action_id === 'call_open');
    await stack.driver.action({ channel, user: 'U4', actions: [{ action_id: 'call_open', value: open?.value }] });
    const root = await rootPost(stack, channel, (t) => t.includes('Call review'));
    expect(textOf(root)).toContain(caller.id);
    expect(textOf(root)).toContain('<@U4>');
  });

  it('searches one side with side=, by meaning with mode=semantic, and in another environment with env=', async () => {
    const agent = freshAgent();
    addCall(stack, { project_id: agent, turns: [{ user_input: 'refund please', agent_response: 'Sure.' }] });
    const agentSaid = addCall(stack, {
      project_id: agent,
      turns: [{ user_input: 'hi', agent_response: 'Your refund is on its way.' }],
    });
    const sandbox = addCall(stack, {
      project_id: agent,
      environment: 'sandbox',
      turns: [{ user_input: 'Can I get my money back?', agent_response: 'Yes.' }],
    });

    const side = await search(`agent=${agent} side=agent refund`);
    expect(side.buttons.filter((b) => b.action_id === 'call_open').map((b) => JSON.parse(b.value).c)).toEqual([
      agentSaid.id,
    ]);
    expect(v3Requests(agent).at(-1)?.query.turn_type).toEqual(['agent']);

    const semantic = await search(`agent=${agent} mode=semantic env=sandbox give my money back`);
    expect(semantic.buttons.map((b) => JSON.parse(b.value).c)).toEqual([sandbox.id]);
    expect(semantic.text).toContain('Can I get my money back?');
    const last = v3Requests(agent).at(-1);
    expect(last?.query.query_type).toEqual(['semantic']);
    expect(last?.query.client_env).toEqual(['sandbox']);
  });

  it('takes since= and until= as durations, dates or ISO times', async () => {
    const agent = freshAgent();
    const recent = addCall(stack, {
      project_id: agent,
      minutesAgo: 20,
      turns: [{ user_input: 'refund', agent_response: '' }],
    });
    addCall(stack, { project_id: agent, minutesAgo: 120, turns: [{ user_input: 'refund', agent_response: '' }] });
    const narrow = await search(`agent=${agent} since=30m refund`);
    expect(narrow.buttons.map((b) => JSON.parse(b.value).c)).toEqual([recent.id]);

    const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    const until = new Date(Date.now() - 86_400_000).toISOString();
    const dated = await search(`agent=${agent} since=${day} until=${until} refund`);
    expect(dated.text).toContain('No calls');
    const query = v3Requests(agent).at(-1)?.query;
    expect(query?.start_time).toEqual([`${day}T00:00:00.000Z`]);
    expect(query?.end_time).toEqual([until]);
  });

  it('pages with More, following the cursor, until the last page', async () => {
    const agent = freshAgent();
    for (let i = 0; i < 13; i++)
      addCall(stack, {
        project_id: agent,
        minutesAgo: 10 + i,
        turns: [{ user_input: `refund ${i}`, agent_response: '' }],
      });
    const channel = freshChannel();
    const first = await search(`agent=${agent} refund`, channel);
    expect(first.buttons.filter((b) => b.action_id === 'call_open')).toHaveLength(10);
    expect(first.text).toContain('1–10');
    const more = first.buttons.find((b) => b.action_id === 'search_more');
    expect(more).toBeDefined();
    const pageUrl = stack.driver.responseUrl();
    await stack.driver.action({
      channel,
      actions: [{ action_id: 'search_more', value: more?.value }],
      response_url: pageUrl,
    });
    const second = await replyTo(stack, pageUrl);
    const secondButtons = buttonsOf((second.body as { blocks?: unknown }).blocks);
    expect(secondButtons.filter((b) => b.action_id === 'call_open')).toHaveLength(3);
    expect(responseText(second)).toContain('11–13');
    expect(secondButtons.some((b) => b.action_id === 'search_more')).toBe(false);
    expect(v3Requests(agent).at(-1)?.query.cursor?.[0]).toBeTruthy();
    const opened = [...first.buttons, ...secondButtons].filter((b) => b.action_id === 'call_open');
    expect(new Set(opened.map((b) => JSON.parse(b.value).c)).size).toBe(13);
  });

  it('answers bad input with usage and sends nothing to PolyAI', async () => {
    const before = stack.conversations.requests.length;
    for (const [text, says] of [
      ['search', 'Write what to search for'],
      ['search since=yesterday refund', 'since= takes a duration'],
      ['search colour=blue refund', 'Unknown option'],
      ['search mode=fuzzy refund', 'mode= must be transcript or semantic'],
      ['search side=agent mode=semantic refund', 'side= works with transcript search only'],
      ['search since=1h until=2h refund', 'since= must be before until='],
      ['sample 50', 'N must be a whole number from 1 to 20'],
      ['watch score<high', "I don't understand"],
      ['watch longer=forever', 'longer= takes a duration'],
      ['unwatch', 'Name the watch to stop'],
    ] as const) {
      const { response_url } = await stack.driver.command(text, { channel_id: freshChannel() });
      const reply = responseText(await replyTo(stack, response_url));
      expect(reply, text).toContain(says);
      expect(reply, text).toContain('Usage');
    }
    expect(stack.conversations.requests.length).toBe(before);
  });

  it('shows the API error code and correlation ID, retries 429 after Retry-After and 500 for these reads', async () => {
    const agent = freshAgent();
    addCall(stack, { project_id: agent, turns: [{ user_input: 'refund', agent_response: '' }] });
    stack.conversations.failNext(1, 400, 'GET_CONVERSATIONS_FILTER_PARSE_ERROR', 'Bad filter');
    const bad = await search(`agent=${agent} refund`);
    expect(bad.text).toContain('GET_CONVERSATIONS_FILTER_PARSE_ERROR');
    const failed = v3Requests(agent).at(-1);
    expect(bad.text).toContain(failed?.correlationId);

    stack.conversations.failNext(1, 429, 'RATE_LIMITED', 'Slow down', { 'Retry-After': '1' });
    const started = Date.now();
    const limited = await search(`agent=${agent} refund`);
    expect(limited.buttons.some((b) => b.action_id === 'call_open')).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    stack.conversations.failNext(1, 500, 'INTERNAL_SERVER_ERROR', 'Boom');
    const flaky = await search(`agent=${agent} refund`);
    expect(flaky.buttons.some((b) => b.action_id === 'call_open')).toBe(true);

    stack.conversations.failNext(5, 500, 'INTERNAL_SERVER_ERROR', 'Still down');
    const down = await search(`agent=${agent} refund`);
    expect(down.text).toContain('INTERNAL_SERVER_ERROR');
    stack.conversations.clearFaults();
  });

  it('names the variable to check when PolyAI refuses the key for an agent, never the key', async () => {
    const agent = freshAgent();
    stack.conversations.projectKeys.set(agent, 'key-of-another-project');
    const refused = await search(`agent=${agent} refund`);
    expect(refused.text).toContain(`agent \`${agent}\``);
    expect(refused.text).toContain('POLYAI_CONVERSATIONS_API_KEY');
    expect(refused.text).toContain('USER_ACCESS_FORBIDDEN');
    expect(refused.text).not.toContain(stack.conversations.defaultKey);
  });

  it("with per-agent keys, names that agent's entry when its key is refused, and says when an agent has none", async () => {
    const refused = await perAgent.driver.command('search agent=agent-k refund', { channel_id: freshChannel() });
    const text = responseText(await replyTo(stack, refused.response_url));
    expect(text).toContain('POLYAI_CONVERSATIONS_API_KEYS (agent-k=…)');
    expect(text).not.toContain('a-key-of-another-region');
    expect(stack.conversations.requests.at(-1)?.headers['x-api-key']).toBe('a-key-of-another-region');
    const before = stack.conversations.requests.length;
    const none = await perAgent.driver.command('sample 3 agent=agent-other', { channel_id: freshChannel() });
    const missing = responseText(await replyTo(stack, none.response_url));
    expect(missing).toContain('no Conversations API key for agent `agent-other`');
    expect(stack.conversations.requests.length).toBe(before);
  });

  it('says which variables to set when the Conversations API is not configured', async () => {
    for (const text of ['search refund', 'sample 3', 'queue', 'watch handoff', 'watches']) {
      const { response_url } = await unconfigured.driver.command(text, { channel_id: freshChannel() });
      const reply = responseText(await replyTo(stack, response_url));
      expect(reply, text).toContain('POLYAI_ACCOUNT_ID');
      expect(reply, text).toContain('POLYAI_CONVERSATIONS_API_KEY');
    }
  });
});

describe('/polychat sample, review status and the queue', () => {
  it('posts a random sample in the channel, each call with Open and Claim; two people claim at once and every card agrees', async () => {
    const agent = freshAgent();
    const recent = Array.from({ length: 5 }, (_, i) =>
      addCall(stack, {
        project_id: agent,
        minutesAgo: 60 * (i + 1),
        handoff: i === 0,
        handoff_reason: 'caller asked for a human',
      }),
    );
    const old = addCall(stack, { project_id: agent, minutesAgo: 30 * 60 });
    const channel = freshChannel();
    await stack.driver.command(`sample 3 agent=${agent}`, { channel_id: channel, user_id: 'U7' });
    const card = await rootPost(stack, channel, (t) => t.includes('Random sample'));
    const ts = String(card.response.ts);
    const request = v3Requests(agent).at(-1);
    expect(request?.query.sample).toEqual(['random']);
    expect(request?.query.limit).toEqual(['3']);
    expect(Math.abs(Date.now() - 86_400_000 - Date.parse(request?.query.start_time?.[0] ?? ''))).toBeLessThan(60_000);

    const buttons = buttonsOf(card.args.blocks);
    const opens = buttons.filter((b) => b.action_id === 'call_open');
    const claims = buttons.filter((b) => b.action_id === 'review_claim');
    expect(opens).toHaveLength(3);
    expect(claims).toHaveLength(3);
    const sampled = opens.map((b) => JSON.parse(b.value).c as string);
    expect(sampled.every((id) => recent.some((c) => c.id === id))).toBe(true);
    expect(sampled).not.toContain(old.id);
    expect(textOf(card)).toContain('<!date^');
    expect(textOf(card)).toContain('Not claimed');
    expect(JSON.parse(claims[0]?.value ?? '{}').ch).toBe(channel);

    // Two people press Claim on the same call at once: one of them holds it, and the card says who.
    const target = claims[0] as (typeof claims)[number];
    await Promise.all([press(stack, channel, ts, target, 'U1'), press(stack, channel, ts, target, 'U2')]);
    const after = await untilButtons(stack, channel, ts, (bs) => bs.some((b) => b.action_id === 'review_unclaim'));
    expect(after.filter((b) => b.action_id === 'review_unclaim')).toHaveLength(1);
    await sleep(300);
    const shown = currentText(stack, channel, ts);
    const claimers = ['U1', 'U2'].filter((u) => shown.includes(`<@${u}> is reviewing`));
    expect(claimers).toHaveLength(1);

    // Opening the claimed call: its review thread's root shows the same status.
    const open = opens[0] as (typeof opens)[number];
    await press(stack, channel, ts, open, 'U3');
    const root = await rootPost(stack, channel, (t) => t.includes('Call review'));
    const rootTs = String(root.response.ts);
    expect(textOf(root)).toContain(`<@${claimers[0]}> is reviewing`);
    expect(buttonsOf(root.args.blocks).map((b) => b.action_id)).toEqual(
      expect.arrayContaining(['review_unclaim', 'review_mark_reviewed']),
    );

    // Mark reviewed on the thread's root: both the root and the sample card change to Reopen.
    const mark = buttonsOf(root.args.blocks).find((b) => b.action_id === 'review_mark_reviewed');
    await press(stack, channel, rootTs, mark as NonNullable<typeof mark>, 'U2');
    await untilButtons(stack, channel, rootTs, (bs) => bs.some((b) => b.action_id === 'review_reopen'));
    expect(currentText(stack, channel, rootTs)).toContain('Reviewed by <@U2>');
    await waitUntil(() => currentText(stack, channel, ts).includes('Reviewed by <@U2>'));
    const sampleButtons = buttonsOf(stack.slack.messagesIn(channel).find((m) => m.ts === ts)?.blocks);
    expect(sampleButtons.filter((b) => b.action_id === 'review_reopen')).toHaveLength(1);
    expect(sampleButtons.filter((b) => b.action_id === 'review_claim')).toHaveLength(2);

    // The queue lists what is not reviewed: claim another call, then read it.
    const second = claims[1] as (typeof claims)[number];
    await press(stack, channel, ts, second, 'U4');
    await waitUntil(() => currentText(stack, channel, ts).includes('<@U4> is reviewing'));
    const { response_url } = await stack.driver.command('queue', { channel_id: channel });
    const queue = responseText(await replyTo(stack, response_url));
    const secondId = JSON.parse(second.value).c as string;
    expect(queue).toContain(secondId);
    expect(queue).toContain('<@U4> is reviewing');
    expect(queue).toContain('https://example.slack.com/archives/');
    expect(queue).not.toContain(open && JSON.parse(open.value).c);

    // Reopen brings the reviewed call back into the queue.
    const reopen = buttonsOf(stack.slack.messagesIn(channel).find((m) => m.ts === rootTs)?.blocks).find(
      (b) => b.action_id === 'review_reopen',
    );
    await press(stack, channel, rootTs, reopen as NonNullable<typeof reopen>, 'U2');
    await untilButtons(stack, channel, rootTs, (bs) => bs.some((b) => b.action_id === 'review_mark_reviewed'));
    const again = await stack.driver.command('queue', { channel_id: channel });
    const requeued = responseText(await replyTo(stack, again.response_url));
    expect(requeued).toContain(JSON.parse(open.value).c);
  });

  it('shows Claim and Mark reviewed on every call-review root opened with /polychat call', async () => {
    const agent = freshAgent();
    const call = addCall(stack, { project_id: agent });
    const channel = freshChannel();
    await stack.driver.command(`call ${call.id} agent=${agent}`, { channel_id: channel });
    const root = await rootPost(stack, channel, (t) => t.includes('Call review'));
    expect(textOf(root)).toContain('Not claimed');
    const claim = buttonsOf(root.args.blocks).find((b) => b.action_id === 'review_claim');
    expect(claim).toBeDefined();
    await press(stack, channel, String(root.response.ts), claim as NonNullable<typeof claim>, 'U8');
    await untilButtons(stack, channel, String(root.response.ts), (bs) =>
      bs.some((b) => b.action_id === 'review_unclaim'),
    );
    expect(currentText(stack, channel, String(root.response.ts))).toContain('<@U8> is reviewing');
    const unclaim = buttonsOf(stack.slack.messagesIn(channel).find((m) => m.ts === root.response.ts)?.blocks).find(
      (b) => b.action_id === 'review_unclaim',
    );
    await press(stack, channel, String(root.response.ts), unclaim as NonNullable<typeof unclaim>, 'U9');
    await untilButtons(stack, channel, String(root.response.ts), (bs) =>
      bs.some((b) => b.action_id === 'review_claim'),
    );
    expect(currentText(stack, channel, String(root.response.ts))).toContain('Not claimed');
  });

  it('asks to be invited when it cannot post a sample or a watch in the channel, and keeps no such watch', async () => {
    const agent = freshAgent();
    addCall(stack, { project_id: agent });
    const channel = freshChannel();
    stack.slack.failNext('chat.postMessage', 'not_in_channel', 2, channel);
    const sample = await stack.driver.command(`sample 1 agent=${agent}`, { channel_id: channel });
    expect(responseText(await replyTo(stack, sample.response_url))).toContain('/invite @polychat');
    const watch = await stack.driver.command(`watch agent=${agent} handoff`, { channel_id: channel });
    expect(responseText(await replyTo(stack, watch.response_url))).toContain('/invite @polychat');
    const listed = await stack.driver.command('watches', { channel_id: channel });
    expect(responseText(await replyTo(stack, listed.response_url))).toContain('No watches');
  });

  it('says so when the range has no calls, and an empty queue says how to fill it', async () => {
    const agent = freshAgent();
    addCall(stack, { project_id: agent, minutesAgo: 3 * 24 * 60 });
    const channel = freshChannel();
    const { response_url } = await stack.driver.command(`sample 5 agent=${agent}`, { channel_id: channel });
    expect(responseText(await replyTo(stack, response_url))).toContain('No calls');
    const queue = await stack.driver.command('queue', { channel_id: channel });
    expect(responseText(await replyTo(stack, queue.response_url))).toContain('No call reviews waiting');
  });
});
