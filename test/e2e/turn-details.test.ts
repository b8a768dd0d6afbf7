import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { viewProblems } from '../support/block-kit.js';
import type { SlackCall } from '../support/fake-slack.js';
import { type Stack, startStack } from '../support/stack.js';
import { freshChannel, startChat, textOf } from './chat-helpers.js';
import { agentReplies, openDetails, say, startSession, turnMenuOf, viewBlocks } from './session-helpers.js';

let stack: Stack;
const storeDir = mkdtempSync(join(tmpdir(), 'polychat-details-'));

beforeAll(async () => {
  // A file store, so that one test can restart the app and still open details posted before.
  stack = await startStack({ STORE_URL: `sqlite://${join(storeDir, 'state.sqlite')}` });
});

afterEach(() => {
  stack.polyai.setResponder(undefined);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(storeDir, { recursive: true, force: true });
});

const BOOKING_METADATA = {
  inFlow: 'Reschedule',
  inStep: 'ConfirmDate',
  currentNode: 'AskTime',
  nodeTrace: ['Start', 'Router', 'Reschedule', 'AskTime'],
  functionEvents: [
    {
      name: 'lookup_booking',
      arguments: { phone: '+15550100' },
      duration: 0.42,
      state_changes: { added: { booking_id: 'B-17' }, updated: { attempts: 2 }, removed: { draft: 'old' } },
    },
    { name: 'move_booking', arguments: { to: 'Friday' }, duration: 1.2, error: 'SLOT_TAKEN' },
    { name: 'transfer_call', handoff: true },
  ],
  retrievedTopics: ['Opening hours'],
  retrievedSources: ['faq.pdf'],
  citedTopic: 'Opening hours',
  handoffDestination: 'front-desk',
  asrLangCode: 'en-GB',
  ttsLangCode: 'en-GB',
  state: { booking_id: 'B-17', attempts: 2 },
};

/** What Slack would check on a modal, asserted on what reached the fake. */
function expectAccepted(open: SlackCall): void {
  expect(open.response.ok, JSON.stringify(open.response)).toBe(true);
  const view = open.args.view as Record<string, unknown>;
  expect(viewProblems(view)).toEqual([]);
  const blocks = viewBlocks(open);
  expect(blocks.length).toBeLessThanOrEqual(100);
  for (const block of blocks) {
    const text = (block.text as { text?: string } | undefined)?.text ?? '';
    expect(text.length).toBeLessThanOrEqual(3000);
  }
}

describe('turn details', () => {
  it('puts one menu (Details, Annotate this turn, Copy conversation ID) on every agent reply, the greeting included', async () => {
    const channel = freshChannel();
    const { rootTs, greeting } = await startChat(stack, channel);
    expect(turnMenuOf(greeting).map((o) => o.text)).toEqual(['Details', 'Annotate this turn', 'Copy conversation ID']);
    expect(JSON.stringify(greeting.args.blocks)).not.toContain('"button"');
    await say(stack, channel, rootTs, 'hello');
    expect(agentReplies(stack, channel, rootTs)).toHaveLength(2);
  });

  it('opens a modal with flow, step, node trace, function calls, state changes, retrieval, handoff, languages and latency', async () => {
    const channel = freshChannel();
    stack.polyai.setResponder((ctx) =>
      ctx.message === 'move it to Friday' ? { response: 'Moved to Friday.', metadata: BOOKING_METADATA } : undefined,
    );
    const { rootTs } = await startChat(stack, channel);
    const reply = await say(stack, channel, rootTs, 'move it to Friday');
    const open = await openDetails(stack, channel, reply);
    expectAccepted(open);
    const shown = JSON.stringify(viewBlocks(open));
    for (const expected of [
      'Turn 1',
      'move it to Friday',
      'Moved to Friday.',
      'Reschedule',
      'ConfirmDate',
      '`Start` → `Router` → `Reschedule` → `AskTime`',
      '`lookup_booking`',
      '+15550100',
      '0.42',
      '`move_booking`',
      'SLOT_TAKEN',
      '`transfer_call`  ·  :telephone_receiver: handoff',
      'added `booking_id` = `B-17`',
      'updated `attempts` = `2`',
      'removed `draft` = `old`',
      '*Retrieved topics:* `Opening hours`',
      '`faq.pdf`',
      '*Cited topic:* `Opening hours`',
      '*Handoff destination:* `front-desk`',
      'ASR `en-GB` · TTS `en-GB`',
      'State after the turn',
    ]) {
      expect(shown).toContain(expected);
    }
    expect(shown).toMatch(/answered in \*\d+ ms\* \(measured by polychat\)/);
  });

  it.each([
    [
      'huge state objects',
      { state: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`slot_${i}`, 'z'.repeat(300)])) },
      'characters in all',
    ],
    [
      'hundreds of function calls',
      {
        functionEvents: Array.from({ length: 300 }, (_, i) => ({
          name: `step_${i}`,
          arguments: { blob: 'q'.repeat(1500) },
          state_changes: { added: { [`k${i}`]: 'v'.repeat(500) } },
        })),
      },
      "left out to fit Slack's limits",
    ],
    [
      'non-string values and objects where lists are expected',
      {
        currentNode: 42,
        inFlow: { name: 'Billing' },
        nodeTrace: 'Start',
        functionEvents: { 0: { name: 7, arguments: [1, 2], error: { code: 500 } }, 1: null },
        retrievedTopics: { a: { title: 'Refunds' } },
        asrLangCode: false,
      },
      'Refunds',
    ],
    ['missing fields', { somethingNew: { nested: true } }, 'somethingNew'],
  ])('renders metadata with %s without a Slack error', async (_name, metadata, expected) => {
    const channel = freshChannel();
    stack.polyai.setResponder(() => ({ response: 'odd one', metadata }));
    const { rootTs } = await startChat(stack, channel);
    const reply = await say(stack, channel, rootTs, 'go');
    const open = await openDetails(stack, channel, reply);
    expectAccepted(open);
    expect(JSON.stringify(viewBlocks(open))).toContain(expected);
  });

  it('copes with metadata that is not an object at all', async () => {
    const channel = freshChannel();
    const { rootTs, conversationId } = await startChat(stack, channel);
    stack.polyai.setResponder(() => ({
      status: 200,
      body: {
        conversationId,
        userInput: 'go',
        response: 'no trace',
        metadata: null,
        conversationEnded: false,
        delayedResponse: false,
      },
    }));
    const reply = await say(stack, channel, rootTs, 'go');
    const open = await openDetails(stack, channel, reply);
    expectAccepted(open);
    expect(JSON.stringify(viewBlocks(open))).toContain('PolyAI sent no metadata for this reply');
  });

  it('adds a compact trace line under each reply with details=on: functions, state keys changed, latency', async () => {
    const channel = freshChannel();
    stack.polyai.setResponder(() => ({ response: 'traced', metadata: BOOKING_METADATA }));
    const { rootTs } = await startChat(stack, channel, 'details=on');
    const reply = await say(stack, channel, rootTs, 'move it');
    const context = (reply.args.blocks as Array<{ type: string; elements?: Array<{ text: string }> }>).find(
      (b) => b.type === 'context',
    );
    const line = context?.elements?.[0]?.text ?? '';
    expect(line).toContain('`lookup_booking`');
    expect(line).toContain('`move_booking` :warning:');
    expect(line).toContain('`transfer_call` :telephone_receiver:');
    expect(line).toContain('`booking_id`, `attempts`, `draft`');
    expect(line).toMatch(/:stopwatch: \d+ ms$/);
  });

  it('uses the channel default set with /polychat agent ... details=on, and details=off on a start overrides it', async () => {
    const channel = freshChannel();
    const { response_url } = await stack.driver.command('agent agent-1 details=on', { channel_id: channel });
    const ack = await stack.slack.waitForResponse((r) => response_url.endsWith(r.id));
    expect(JSON.stringify(ack.body)).toContain('Turn details:* on');
    const traced = await startSession(stack, channel);
    expect(textOf(traced.greeting)).toContain(':stopwatch:');
    const plain = await startSession(stack, channel, 'details=off');
    expect(textOf(plain.greeting)).not.toContain(':stopwatch:');
    const reply = await say(stack, channel, plain.rootTs, 'anything');
    expect(textOf(reply)).not.toContain(':stopwatch:');
  });

  it('keeps the details, so they open after the app restarts', async () => {
    const channel = freshChannel();
    stack.polyai.setResponder(() => ({ response: 'kept', metadata: BOOKING_METADATA }));
    const { rootTs } = await startChat(stack, channel);
    const reply = await say(stack, channel, rootTs, 'remember this');
    expect((await stack.app.stop()).code).toBe(0);
    const next = await stack.startInstance();
    stack.driver = next.driver;
    const open = await openDetails(stack, channel, reply);
    expectAccepted(open);
    expect(JSON.stringify(viewBlocks(open))).toContain('`lookup_booking`');
  });
});
