import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConversation } from '../support/fake-polyai.js';
import type { SlackCall } from '../support/fake-slack.js';
import { type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';
import { repliesTo, replyTo, responseText } from './call-helpers.js';
import { freshChannel, postsIn, textOf } from './chat-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** `/polychat call …` in a fresh channel; resolves with the root message once `messages` thread messages are posted. */
async function openCall(text: string, messages: number, user = 'U1') {
  const channel = freshChannel();
  const { response } = await stack.driver.command(text, { channel_id: channel, user_id: user });
  expect(response.status).toBe(200);
  const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
  const rootTs = String(root.response.ts);
  const thread = await waitUntil(() => {
    const posts = postsIn(stack, channel, rootTs);
    return posts.length >= messages ? posts : undefined;
  });
  return { channel, root, rootTs, thread };
}

/** The section texts of a posted message, in order. */
function sectionsOf(call: SlackCall): string[] {
  return ((call.args.blocks ?? []) as Array<{ type: string; text?: { text: string } }>)
    .filter((b) => b.type === 'section')
    .map((b) => b.text?.text ?? '');
}

function actionIds(call: SlackCall): string[] {
  const blocks = (call.args.blocks ?? []) as Array<{
    elements?: Array<{ action_id?: string }>;
    accessory?: { action_id?: string };
  }>;
  return blocks
    .flatMap((b) => [...(b.elements ?? []).map((e) => e.action_id), b.accessory?.action_id])
    .filter((a): a is string => a !== undefined);
}

function buttons(post: { body: unknown }): Array<{ action_id: string; value: string }> {
  const blocks = ((post.body as { blocks?: unknown[] }).blocks ?? []) as Array<{
    elements?: Array<{ action_id: string; value: string }>;
    accessory?: { action_id: string; value: string };
  }>;
  return blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory === undefined ? [] : [b.accessory])]);
}

describe('/polychat call', () => {
  it('opens a review thread: a root summary with buttons, then the transcript, several turns a message', async () => {
    const call = stack.polyai.addConversation(
      'agent-1',
      makeConversation({ turnCount: 4, note: 'Check the date of birth step' }),
    );
    const { channel, root, rootTs, thread } = await openCall(`call ${call.conversationId}`, 1, 'U9');
    const [get] = stack.polyai.requestsOf('getConversation').filter((r) => r.conversationId === call.conversationId);
    expect(get?.agentId).toBe('agent-1');

    const summary = textOf(root);
    for (const shown of [
      call.conversationId,
      'VOICE-SIP',
      'inbound',
      'en-US',
      'live',
      'variant-main',
      'reschedule',
      '0.82',
      '<@U9>',
    ]) {
      expect(summary).toContain(shown);
    }
    expect(summary).toContain('Appointment moved');
    expect(summary).toContain('Caller moved their appointment from Tuesday 3pm to Thursday 9am.');
    expect(summary).toContain('Check the date of birth step');
    expect(summary).toMatch(/Duration:\* 32 s/);
    expect(summary).toMatch(/Handoff:\* no/);
    expect(summary).toContain('<!date^1736935200^');
    expect(actionIds(root)).toEqual([
      'call_audio_combined',
      'call_audio_user',
      'call_audio_agent',
      'call_note',
      'call_annotate',
      // Review status (spec §8): who is reviewing the call, and whether it is done.
      'review_claim',
      'review_mark_reviewed',
    ]);

    expect(thread).toHaveLength(1);
    const texts = sectionsOf(thread[0] as SlackCall);
    for (const [i, text] of texts.entries()) expect(text).toContain(`*Turn ${i}*`);
    expect(texts[0]).toContain('Thanks for calling Acme Dental');
    expect(texts[0]).not.toContain('*Caller*');
    expect(texts[1]).toMatch(
      /\*Caller\*[\s\S]*I need to move my appointment[\s\S]*\*Agent\*[\s\S]*What is your date of birth\?/,
    );
    expect(textOf(thread[0] as SlackCall)).toContain('latency 1200 ms');
    expect(texts[1]).toContain(`<!date^${Date.parse('2025-01-15T10:00:08.000Z') / 1000}^{time_secs}`);
    expect(stack.slack.messagesIn(channel, rootTs)).toHaveLength(2);
  });

  it('shows a string summary, a handoff, latency objects, escapes PolyAI text and splits long turns', async () => {
    const call = stack.polyai.addConversation(
      'agent-2',
      makeConversation({
        shortSummary: 'Caller wanted <!here> a human',
        handoff: true,
        handoffDestination: 'front-desk',
        handoffReason: 'caller asked for a person',
        turns: [
          { user_input: '', agent_response: 'Hello <@U123>, this is Acme.', latency: { asr: 120, llm: 640 } },
          { user_input: 'Tell me everything', agent_response: `${'All the details. '.repeat(250)}The end.` },
        ],
      }),
    );
    const { root, thread } = await openCall(`call ${call.conversationId} agent=agent-2`, 1);
    const summary = textOf(root);
    expect(summary).toContain('Caller wanted &lt;!here&gt; a human');
    expect(summary).toContain('yes to `front-desk` (caller asked for a person)');
    expect(summary).not.toContain('<!here>');
    const texts = sectionsOf(thread[0] as SlackCall);
    expect(texts[0]).toContain('Hello &lt;@U123&gt;, this is Acme.');
    expect(textOf(thread[0] as SlackCall)).toContain('latency asr 120 ms, llm 640 ms');
    // The long turn is split into two sections, each within Slack's 3000-character limit.
    expect(thread).toHaveLength(1);
    expect(texts).toHaveLength(3);
    expect(texts[1]).toContain('*Turn 1*');
    expect(texts[2]).toContain('The end.');
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(3000);
  });

  it('says so when the call has no turns', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation({ turns: [] }));
    const { thread } = await openCall(`call ${call.conversationId}`, 1);
    expect(thread).toHaveLength(1);
    expect(textOf(thread[0] as SlackCall)).toContain('no transcript turns');
  });

  it('takes an Agent Studio link, agent included', async () => {
    const call = stack.polyai.addConversation('agent-2', makeConversation());
    const link = `<https://studio.poly.ai/acme/agents/agent-2/conversations/${call.conversationId}>`;
    const { root } = await openCall(`call ${link}`, 1);
    expect(textOf(root)).toContain(call.conversationId);
    const gets = stack.polyai.requestsOf('getConversation').filter((r) => r.conversationId === call.conversationId);
    expect(gets.map((r) => r.agentId)).toEqual(['agent-2']);
  });

  it('answers a PolyAI error ephemerally, with its code, and posts nothing in the channel', async () => {
    const channel = freshChannel();
    const { response_url } = await stack.driver.command('call CA-does-not-exist-1', { channel_id: channel });
    const reply = await replyTo(stack, response_url);
    expect(responseText(reply)).toContain('CONVERSATIONS_NOT_FOUND');
    expect((reply.body as { response_type?: string }).response_type).toBe('ephemeral');
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel)).toHaveLength(0);
  });
});

describe('/polychat list', () => {
  it('lists conversations with Open buttons, pages with More, and Open starts a review', async () => {
    const agent = `agent-list-${Date.now()}`;
    const calls = Array.from({ length: 5 }, () => stack.polyai.addConversation(agent, makeConversation()));
    const channel = freshChannel();
    const { response_url } = await stack.driver.command(`list agent=${agent} limit=2`, { channel_id: channel });
    const first = await replyTo(stack, response_url);
    expect((first.body as { response_type?: string }).response_type).toBe('ephemeral');
    expect(responseText(first)).toContain('1–2 of 5');
    const [listed] = stack.polyai.requestsOf('listConversations').filter((r) => r.agentId === agent);
    expect(listed?.query).toEqual({ limit: '2', offset: '0' });
    const opens = buttons(first).filter((b) => b.action_id === 'call_open');
    expect(opens.map((b) => JSON.parse(b.value).c)).toEqual([calls[0]?.conversationId, calls[1]?.conversationId]);
    expect(responseText(first)).toContain('Appointment moved');

    const pageUrl = stack.driver.responseUrl();
    const more = buttons(first).find((b) => b.action_id === 'call_list_more');
    expect(more).toBeDefined();
    await stack.driver.action({
      channel,
      actions: [{ action_id: 'call_list_more', value: more?.value }],
      response_url: pageUrl,
    });
    const second = await replyTo(stack, pageUrl);
    expect(responseText(second)).toContain('3–4 of 5');
    expect(
      stack.polyai
        .requestsOf('listConversations')
        .filter((r) => r.agentId === agent)
        .at(-1)?.query,
    ).toEqual({ limit: '2', offset: '2' });

    const lastUrl = stack.driver.responseUrl();
    const next = buttons(second).find((b) => b.action_id === 'call_list_more');
    await stack.driver.action({
      channel,
      actions: [{ action_id: 'call_list_more', value: next?.value }],
      response_url: lastUrl,
    });
    const third = await replyTo(stack, lastUrl);
    expect(responseText(third)).toContain('5–5 of 5');
    expect(buttons(third).map((b) => b.action_id)).toEqual(['call_open']);

    const open = buttons(third)[0];
    await stack.driver.action({ channel, user: 'U5', actions: [{ action_id: 'call_open', value: open?.value }] });
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    expect(textOf(root)).toContain(calls[4]?.conversationId);
    expect(textOf(root)).toContain('<@U5>');
    await waitUntil(() => postsIn(stack, channel, String(root.response.ts)).length === 1);
  });

  it('says when an agent has no conversations', async () => {
    stack.polyai.knownAgents.push('agent-quiet');
    const { response_url } = await stack.driver.command('list agent=agent-quiet', { channel_id: freshChannel() });
    const reply = await replyTo(stack, response_url);
    expect(responseText(reply)).toContain('No conversations found for agent `agent-quiet`');
    expect(buttons(reply)).toHaveLength(0);
  });
});

describe('/polychat note', () => {
  it('sets the note and confirms in the call thread when one is open in the channel', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    const { channel, rootTs } = await openCall(`call ${call.conversationId}`, 1);
    // As Slack sends it: the command is declared with should_escape, so &, < and > arrive escaped.
    const { response_url } = await stack.driver.command(
      `note ${call.conversationId} Wrong &lt;b&gt;date&lt;/b&gt; &amp; time`,
      {
        channel_id: channel,
        user_id: 'U3',
      },
    );
    const [posted] = await stack.polyai.waitForRequests(
      (r) => r.op === 'upsertNote' && r.conversationId === call.conversationId,
    );
    expect(posted?.body).toEqual({ note: 'Wrong <b>date</b> & time' });
    const confirmation = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('set the note'),
    );
    expect(textOf(confirmation)).toContain('<@U3>');
    expect(textOf(confirmation)).toContain('Wrong &lt;b&gt;date&lt;/b&gt; &amp; time');
    expect(repliesTo(stack, response_url)).toHaveLength(0);
  });

  it('confirms ephemerally when no thread shows the call, and reports PolyAI errors with their code', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    const channel = freshChannel();
    const ok = await stack.driver.command(`note ${call.conversationId} all good`, { channel_id: channel });
    expect(responseText(await replyTo(stack, ok.response_url))).toContain('set the note');
    expect(stack.polyai.notes.get(call.conversationId)).toBe('all good');

    stack.polyai.failNext(1, { status: 403, error_code: 'USER_ACCESS_FORBIDDEN', op: 'upsertNote' });
    const denied = await stack.driver.command(`note ${call.conversationId} again`, { channel_id: channel });
    const text = responseText(await replyTo(stack, denied.response_url));
    expect(text).toContain('USER_ACCESS_FORBIDDEN');
    expect(text).toContain('The note was not saved');
    expect(stack.polyai.notes.get(call.conversationId)).toBe('all good');
  });
});

describe('bad input', () => {
  it.each([
    ['call', 'Name the conversation'],
    ['call not/an/id', 'not a valid conversation ID'],
    ['call CA1 extra words', "I don't understand"],
    ['call CA1 env=live', 'Unknown option'],
    ['list limit=0', 'limit= takes a whole number'],
    ['list color=red', 'Unknown option'],
    ['list CA1', "I don't understand"],
    ['note CA1', 'Write the note after the conversation'],
    ['note', 'Name the conversation'],
    ['audio', 'Name the conversation'],
    ['audio CA1 direction=left', 'direction= must be combined, user or agent'],
    ['audio CA1 redacted=maybe', 'redacted= must be true or false'],
  ])('/polychat %s is answered with the problem and the usage, and reaches no one', async (text, problem) => {
    const before = stack.polyai.requests.length;
    const channel = freshChannel();
    const { response_url } = await stack.driver.command(text, { channel_id: channel });
    const reply = responseText(await replyTo(stack, response_url));
    expect(reply).toContain(problem);
    expect(reply).toContain('Usage');
    expect(stack.polyai.requests.length).toBe(before);
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel)).toHaveLength(0);
  });
});
