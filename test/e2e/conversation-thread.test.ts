import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BOT_ID, TEST_BOT_USER_ID } from '../support/constants.js';
import type { SlackCall } from '../support/fake-slack.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep } from '../support/wait.js';
import { elementOf, replyTo, responseText, viewOf } from './call-helpers.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';
import { agentReplies, chooseInMenu, openDetails, say, viewBlocks } from './session-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** The name and icon a post was made under, as Slack shows it (undefined: the app's own). */
function speaker(call: SlackCall): { username?: unknown; icon_emoji?: unknown; icon_url?: unknown } {
  return { username: call.args.username, icon_emoji: call.args.icon_emoji, icon_url: call.args.icon_url };
}

/** The text of the context lines of a root message (settings, origin, state). */
function rootLines(call: SlackCall): string[] {
  const blocks = (call.args.blocks ?? []) as Array<{ type: string; elements?: Array<{ text?: string }> }>;
  return blocks.filter((b) => b.type === 'context').flatMap((b) => (b.elements ?? []).map((e) => e.text ?? ''));
}

describe('the agent speaks as itself', () => {
  it("posts every answer under the agent and environment, with its own icon; notices stay polychat's", async () => {
    const channel = freshChannel();
    const { rootTs, root, greeting, conversationId } = await startChat(stack, channel, 'Where is my order?');
    expect(speaker(greeting)).toEqual({
      username: 'agent-1 · sandbox',
      icon_emoji: ':robot_face:',
      icon_url: undefined,
    });
    const answer = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: Where is my order?'),
    );
    expect(speaker(answer).username).toBe('agent-1 · sandbox');
    // Slack echoes the name and icon on the message, and still marks it as the app's.
    const message = answer.response.message as Record<string, unknown>;
    expect(message).toMatchObject({
      username: 'agent-1 · sandbox',
      icons: { emoji: ':robot_face:' },
      bot_id: TEST_BOT_ID,
    });

    // The root message is polychat's; the command's first message (which Slack shows no one) is the person's.
    expect(speaker(root).username).toBeUndefined();
    const posts = postsIn(stack, channel, rootTs);
    const first = posts.find((c) => textOf(c).includes('Where is my order?') && !textOf(c).includes('You said'));
    expect(first && speaker(first)).toEqual({
      username: 'user-u1',
      icon_emoji: ':bust_in_silhouette:',
      icon_url: undefined,
    });
    expect(posts.indexOf(first as SlackCall)).toBeLessThan(posts.indexOf(answer));

    // The agent's posts echoed back by Slack as events are not turns.
    const turns = stack.polyai.turns(conversationId).length;
    await stack.driver.event({
      type: 'message',
      channel,
      ts: String(answer.response.ts),
      thread_ts: rootTs,
      text: String(answer.args.text),
      user: TEST_BOT_USER_ID,
      bot_id: TEST_BOT_ID,
      username: 'agent-1 · sandbox',
    });
    await sleep(200);
    expect(stack.polyai.turns(conversationId).length).toBe(turns);
  });

  it('names the variant too, and the agent named on the command', async () => {
    const channel = freshChannel();
    const { greeting } = await startChat(stack, channel, 'agent=agent-2 env=pre-release variant=v7');
    expect(speaker(greeting).username).toBe('agent-2 · pre-release · v7');
  });
});

describe('less chrome', () => {
  it('shows the settings on one line, only where they differ from a plain start, with the controls under it', async () => {
    const channel = freshChannel();
    const plain = await startChat(stack, channel);
    const [settings, state] = rootLines(plain.live);
    expect(settings).toBe(`conversation \`${plain.conversationId}\``);
    expect(state).toContain('Reply in this thread');
    expect(textOf(plain.live)).not.toContain('default');
    const blocks = (plain.live.args.blocks ?? []) as Array<{ type: string }>;
    expect(blocks.map((b) => b.type)).toEqual(['section', 'context', 'context', 'actions']);

    const other = await startChat(stack, freshChannel(), 'env=pre-release lang=en-GB details=on');
    expect(rootLines(other.live)[0]).toBe(
      `*pre-release*  ·  language \`en-GB\`  ·  trace line on  ·  conversation \`${other.conversationId}\``,
    );
  });

  it('has one menu per answer: Details opens the trace, Copy conversation ID shows the ID to the person alone', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    const reply = await say(stack, channel, rootTs, 'hello');
    expect(agentReplies(stack, channel, rootTs)).toHaveLength(2);
    const details = await openDetails(stack, channel, reply);
    expect(JSON.stringify(viewBlocks(details))).toContain('Turn 1');

    await chooseInMenu(stack, channel, reply, 'Copy conversation ID', 'U9');
    const shown = await stack.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args.user === 'U9' && c.args.channel === channel,
    );
    expect(String(shown.args.text)).toContain(`\`${conversationId}\``);
    expect(shown.args.thread_ts).toBe(rootTs);
  });
});

describe('help that teaches', () => {
  const help = async (text: string) => {
    const { response_url } = await stack.driver.command(text, { channel_id: freshChannel() });
    return responseText(await replyTo(stack, response_url));
  };

  it('is short: five commands, each a real example, and the topics for the rest', async () => {
    const body = await help('help');
    const text = JSON.parse(body).text as string;
    const examples = text.split('\n').filter((line) => line.startsWith('• `/polychat '));
    expect(examples).toHaveLength(5);
    for (const line of examples) expect(line).not.toMatch(/\[|ID\b|CONVERSATION/);
    expect(text.split('\n').length).toBeLessThanOrEqual(10);
    for (const topic of ['chat', 'calls', 'tests', 'search', 'watch'])
      expect(text).toContain(`/polychat help ${topic}`);
  });

  it.each([
    ['chat', '/polychat resume'],
    ['calls', '/polychat audio CA3f9c2e7d direction=user'],
    ['tests', '/polychat test run booking env=pre-release'],
    ['search', '/polychat search mode=semantic'],
    ['watch', '/polychat unwatch escalations'],
  ])('/polychat help %s explains it with examples', async (topic, example) => {
    expect(await help(`help ${topic}`)).toContain(example);
  });

  it.each([
    ['list limit=0', 'Example: `/polychat list limit=5`'],
    ['call', 'Example: `/polychat call CA3f9c2e7d`'],
    ['env=prod hi', 'Example: `/polychat agent=agent-1 env=pre-release lang=en-GB'],
    ['lsit', 'Example: `/polychat list limit=5`'],
    ['help me', 'Example: `/polychat help calls`'],
  ])('a usage error on "%s" shows the example of that command', async (text, example) => {
    const body = await help(text);
    expect(body).toContain('Usage');
    expect(body).toContain(example);
  });
});

describe('words that fit', () => {
  it('does not offer to resume a session a person ended', async () => {
    const channel = freshChannel();
    const { rootTs } = await startChat(stack, channel);
    await stack.driver.mention({ channel, thread_ts: rootTs, text: 'end', user: 'U3' });
    await stack.slack.waitFor('chat.postMessage', (c) => c.args.thread_ts === rootTs && textOf(c).includes('ended'));
    await stack.driver.message({ channel, thread_ts: rootTs, text: 'hello?', user: 'U4' });
    const hint = await stack.slack.waitFor(
      'chat.postEphemeral',
      (c) => c.args.thread_ts === rootTs && c.args.user === 'U4',
    );
    expect(String(hint.args.text)).toContain('<@U3> ended this debug chat');
    expect(String(hint.args.text)).not.toContain('resume');
  });

  it("answers a mention's question without echoing it, and marks the mention as the turn", async () => {
    const channel = freshChannel();
    const { ts: rootTs } = await stack.driver.message({ channel, text: 'Trying the agent here' });
    const { ts } = await stack.driver.mention({ channel, thread_ts: rootTs, text: 'Do you open on Sundays?' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('You said: Do you open on Sundays?'),
    );
    const echoes = postsIn(stack, channel, rootTs).filter(
      (c) => textOf(c).includes('Do you open on Sundays?') && !textOf(c).includes('You said'),
    );
    expect(echoes).toHaveLength(0);
    // The mention itself shows turn 1: annotating it is annotating what the person asked.
    const trigger = `trigger-${ts}`;
    await stack.driver.shortcut({
      callback_id: 'annotate_call',
      channel,
      trigger_id: trigger,
      message: { ts, thread_ts: rootTs, text: 'Do you open on Sundays?', user: 'U1' },
    });
    const form = await stack.slack.waitFor('views.open', (c) => c.args.trigger_id === trigger);
    expect(elementOf(viewOf(form), 'turn_1')?.initial_value).toBe('1');
    expect((elementOf(viewOf(form), 'side_1')?.initial_option as { value?: string })?.value).toBe('user');
  });

  it('labels function durations as PolyAI sends them, and latency in ms', async () => {
    const channel = freshChannel();
    stack.polyai.setResponder((ctx) =>
      ctx.message === 'check it'
        ? {
            response: 'Checked.',
            metadata: {
              functionEvents: [
                { name: 'lookup', duration: 0.42 },
                { name: 'fetch', duration_ms: 120 },
              ],
            },
          }
        : undefined,
    );
    try {
      const { rootTs } = await startChat(stack, channel);
      const reply = await say(stack, channel, rootTs, 'check it');
      const text = JSON.stringify(viewBlocks(await openDetails(stack, channel, reply)));
      expect(text).toContain('duration 0.42 _(as PolyAI sends it; no unit given)_');
      expect(text).toContain('120 ms');
      expect(text).toMatch(/answered in \*\d+ ms\*/);
    } finally {
      stack.polyai.setResponder(undefined);
    }
  });
});
