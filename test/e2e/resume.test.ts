import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep } from '../support/wait.js';
import { freshChannel, postsIn, textOf } from './chat-helpers.js';
import { press, say, startSession, viewBlocks } from './session-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** `/polychat resume …` in `channel`; resolves with the new root message. */
async function resume(channel: string, text: string, user = 'U4'): Promise<SlackCall> {
  await stack.driver.command(`resume ${text}`, { channel_id: channel, user_id: user });
  return stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && c.args.thread_ts === undefined);
}

describe('/polychat resume', () => {
  it('binds a new thread to an existing debug chat, shows its turns so far, and goes on in its environment', async () => {
    const source = freshChannel();
    const first = await startSession(stack, source, 'env=pre-release');
    await say(stack, source, first.rootTs, 'first question');
    await say(stack, source, first.rootTs, 'second question');

    const channel = freshChannel();
    const root = await resume(channel, first.conversationId);
    const rootTs = String(root.response.ts);
    expect(textOf(root)).toContain('Continues an existing conversation');
    expect(textOf(root)).toContain(first.conversationId);
    expect(textOf(root)).toContain('pre-release');
    expect(textOf(root)).toContain('<@U4>');
    const history = await stack.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === rootTs);
    const shown = textOf(history);
    expect(shown).toContain('This conversation so far* (3 turns)');
    expect(shown).toContain('Hello! How can I help?');
    expect(shown).toContain('*User:* first question');
    expect(shown).toContain('You said: second question');
    expect(shown.indexOf('first question')).toBeLessThan(shown.indexOf('second question'));
    expect(stack.polyai.requestsOf('getConversation').at(-1)?.conversationId).toBe(first.conversationId);

    await say(stack, channel, rootTs, 'third question');
    const turn = stack.polyai.turns(first.conversationId).at(-1);
    expect(turn?.body).toMatchObject({ clientEnv: 'pre-release', message: 'third question' });

    // The resumed thread can be replayed: its earlier turns count.
    const trigger = await press(stack, channel, { ts: rootTs }, 'session_replay');
    const open = await stack.slack.waitFor('views.open', (c) => c.args.trigger_id === trigger);
    expect(JSON.stringify(viewBlocks(open))).toContain('3 user turns');
  });

  it('treats a conversation PolyAI cannot list as one with no turns to show, not as an error', async () => {
    const channel = freshChannel();
    const root = await resume(channel, 'conv-never-listed agent=agent-2 env=live details=on');
    const rootTs = String(root.response.ts);
    expect(textOf(root)).toContain('conv-never-listed');
    expect(textOf(root)).toContain('agent-2');
    const note = await stack.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === rootTs);
    expect(textOf(note)).toContain('no turns of this conversation to show yet');
    await sleep(100);
    expect(postsIn(stack, channel, rootTs).map(textOf).join('\n')).not.toContain(':warning:');
    expect(stack.polyai.requestsOf('getConversation').at(-1)).toMatchObject({
      agentId: 'agent-2',
      conversationId: 'conv-never-listed',
      status: 404,
    });
  });

  it('answers a resume without a conversation with the usage, and sends nothing to PolyAI', async () => {
    const before = stack.polyai.requests.length;
    const { response_url } = await stack.driver.command('resume', { channel_id: freshChannel() });
    const reply = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect(JSON.stringify(reply.body)).toContain('/polychat resume CONVERSATION');
    await sleep(100);
    expect(stack.polyai.requests.length).toBe(before);
  });
});
