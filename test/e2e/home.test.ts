import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackCall } from '../support/fake-slack.js';
import { type Stack, startStack } from '../support/stack.js';
import { sleep } from '../support/wait.js';
import { freshChannel } from './chat-helpers.js';
import { press, startSession, viewBlocks } from './session-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function openHome(user: string, tab = 'home'): Promise<void> {
  const response = await stack.driver.event({
    type: 'app_home_opened',
    user,
    channel: `D${user}`,
    tab,
    event_ts: stack.driver.nextTs(),
  });
  expect(response.response.status).toBe(200);
}

const permalinkOf = (channel: string, ts: string) =>
  `https://example.slack.com/archives/${channel}/p${ts.replace('.', '')}`;

describe('App Home tab', () => {
  it("publishes the person's recent sessions with links and state, the channel defaults they set, and the usage", async () => {
    const [one, two, three] = [freshChannel(), freshChannel(), freshChannel()];
    const older = await startSession(stack, one, 'env=pre-release channel=webchat', 'U5');
    const newer = await startSession(stack, two, 'agent=agent-2 variant=v3', 'U5');
    await press(stack, two, { ts: newer.rootTs }, 'session_end', { user: 'U5' });
    await stack.slack.waitFor(
      'chat.update',
      (c) =>
        c.args.ts === newer.rootTs &&
        String(c.args.text).length > 0 &&
        JSON.stringify(c.args.blocks).includes('Ended by'),
    );
    const { response_url } = await stack.driver.command('agent agent-2 details=on', {
      channel_id: three,
      user_id: 'U5',
    });
    await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    await startSession(stack, freshChannel(), '', 'U6');

    await openHome('U5');
    const publish: SlackCall = await stack.slack.waitFor('views.publish', (c) => c.args.user_id === 'U5');
    expect(publish.response.ok, JSON.stringify(publish.response)).toBe(true);
    expect((publish.args.view as { type: string }).type).toBe('home');
    const text = JSON.stringify(viewBlocks(publish));
    expect(text).toContain(`<${permalinkOf(one, older.rootTs)}|Debug chat with agent-1>`);
    expect(text).toContain(`<${permalinkOf(two, newer.rootTs)}|Debug chat with agent-2>`);
    // Newest first, each with its environment, channel, start time and state.
    expect(text.indexOf(newer.rootTs.replace('.', ''))).toBeLessThan(text.indexOf(older.rootTs.replace('.', '')));
    expect(text).toMatch(
      /agent-2>\* · `sandbox` · variant `v3` · default channel · in <#C[A-Z0-9]+> · started <!date\^\d+\^/,
    );
    expect(text).toContain(':checkered_flag: ended');
    expect(text).toMatch(/agent-1>\* · `pre-release` · webchat · in <#/);
    expect(text).toContain(':large_green_circle: active');
    expect(text).toContain(`<#${three}>: agent \`agent-2\`, turn details on`);
    expect(text).toContain('/polychat I want to change my booking');
    // Another person's sessions are not listed.
    expect(text.match(/Debug chat with/g)).toHaveLength(2);
  });

  it('shows a newcomer how to start, and publishes nothing for the Messages tab', async () => {
    await openHome('U7');
    const publish = await stack.slack.waitFor('views.publish', (c) => c.args.user_id === 'U7');
    const text = JSON.stringify(viewBlocks(publish));
    expect(text).toContain('None yet. Start one with `/polychat`');
    expect(text).toContain('None yet. `/polychat agent ID`');
    await openHome('U8', 'messages');
    await sleep(200);
    expect(stack.slack.callsTo('views.publish').filter((c) => c.args.user_id === 'U8')).toHaveLength(0);
  });
});
