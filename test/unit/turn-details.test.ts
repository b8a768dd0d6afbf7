import type { KnownBlock, ModalView } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { boundJson, changedStateKeys, readTrace } from '../../src/outbound/polyai/metadata.js';
import type { ReplyDetails } from '../../src/outbound/store/records.js';
import { MODAL_BLOCK_LIMIT, turnDetailsView } from '../../src/presentation/turn-details.js';
import { traceLine } from '../../src/presentation/turn-trace.js';
import { viewProblems } from '../support/block-kit.js';

function details(metadata: unknown, more: Partial<ReplyDetails> = {}): ReplyDetails {
  return {
    agentId: 'agent-1',
    conversationId: 'conv-9',
    clientEnv: 'sandbox',
    turn: 2,
    userInput: 'Move my booking to Friday',
    response: 'Done, it is on Friday at 9am.',
    metadata,
    latencyMs: 812,
    at: '2025-03-01T10:00:00.000Z',
    ...more,
  };
}

/** Every text a person would read in the view, joined. */
function shown(view: ModalView): string {
  return JSON.stringify(view.blocks);
}

/** The view is one Slack would accept: the fake Slack's Block Kit checks, plus a sane overall size. */
function expectValid(view: ModalView): void {
  expect(viewProblems(view as unknown as Record<string, unknown>)).toEqual([]);
  expect(view.blocks.length).toBeLessThanOrEqual(MODAL_BLOCK_LIMIT);
  expect(JSON.stringify(view).length).toBeLessThan(100_000);
  // Nothing from PolyAI can ping anyone or break out of the markup.
  expect(shown(view)).not.toMatch(/<!channel>|<!here>|<@U/);
}

const RICH = {
  inFlow: 'Reschedule',
  inStep: 'ConfirmDate',
  currentNode: 'AskTime',
  nodeTrace: ['Start', 'Router', 'Reschedule', 'AskTime'],
  functionEvents: [
    {
      name: 'lookup_booking',
      arguments: { phone: '+15550100', includePast: false },
      duration: 0.42,
      state_changes: { added: { booking_id: 'B-17' }, updated: { attempts: 2 }, removed: { draft: 'x' } },
    },
    {
      name: 'move_booking',
      arguments: { to: 'Friday' },
      duration: 1.5,
      error: { code: 'SLOT_TAKEN', message: 'taken' },
    },
    { name: 'transfer', handoff: { destination: 'front-desk' } },
    { name: 'end_call', hangup: true },
  ],
  retrievedTopics: ['Opening hours', { title: 'Parking' }],
  retrievedSources: [{ url: 'https://example.com/faq' }],
  citedTopic: 'Opening hours',
  handoffDestination: 'front-desk',
  asrLangCode: 'en-GB',
  ttsLangCode: 'en-US',
  state: { booking_id: 'B-17', attempts: 2 },
  metrics: { llm_ms: 300 },
  llmRequests: [{}, {}, {}],
  agentResponseAudioUrl: 'https://audio.example/1.wav',
};

describe('turnDetailsView', () => {
  it('shows flow, step, node, node trace, each function call, state changes, retrieval, handoff, languages and latency', () => {
    const view = turnDetailsView(details(RICH));
    expectValid(view);
    const text = shown(view);
    for (const expected of [
      'Turn 2',
      'conv-9',
      '812 ms',
      'Move my booking to Friday',
      'Done, it is on Friday at 9am.',
      '*Flow*',
      'Reschedule',
      '*Step*',
      'ConfirmDate',
      '*Current node*',
      'AskTime',
      '`Start` → `Router` → `Reschedule` → `AskTime`',
      'Function calls (4)',
      '`lookup_booking`',
      '\\"phone\\": \\"+15550100\\"',
      '0.42',
      '`move_booking`',
      ':warning: *error*',
      'SLOT_TAKEN',
      ':telephone_receiver: handoff',
      'front-desk',
      ':end: hang-up',
      'State changes (3)',
      ':heavy_plus_sign: added `booking_id` = `B-17`',
      ':pencil2: updated `attempts` = `2`',
      ':heavy_minus_sign: removed `draft` = `x`',
      '_by `lookup_booking`_',
      '*Retrieved topics:* `Opening hours`, `Parking`',
      'https://example.com/faq',
      '*Cited topic:* `Opening hours`',
      '*Handoff destination:* `front-desk`',
      'ASR `en-GB` · TTS `en-US`',
      'State after the turn',
      '*Metrics*',
      '*LLM requests:* 3',
      'Other fields',
      'agentResponseAudioUrl',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('left out');
  });

  it('calls the first reply the greeting', () => {
    const view = turnDetailsView(details({}, { turn: 0, userInput: '' }));
    expect(view.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Greeting' } });
    expect(shown(view)).not.toContain('*User:*');
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'trace unavailable'],
    ['a number', 42],
    ['a list', [1, 2, 3]],
    ['an empty object', {}],
  ])('says PolyAI sent nothing usable when the metadata is %s', (_name, metadata) => {
    const view = turnDetailsView(details(metadata));
    expectValid(view);
    expect(shown(view)).toContain('PolyAI sent');
    expect(shown(view)).toContain('812 ms');
  });

  it('renders odd shapes without throwing: non-string values, objects where lists are expected, lists where objects are', () => {
    const odd = {
      inFlow: { name: 'Billing' },
      inStep: 7,
      currentNode: null,
      nodeTrace: [1, null, { name: 'Lookup' }, ['nested']],
      functionEvents: {
        0: { function_name: 12345, args: 'raw argument text', duration: 'fast', error: 'boom' },
        1: 'just_a_name',
        2: null,
        3: {
          name: { weird: true },
          state_changes: { added: ['flag_a', { key: 'flag_b', value: [1, 2] }], updated: 'oops', removed: null },
        },
      },
      retrievedTopics: 'Single topic',
      retrievedSources: { a: 'one', b: 'two' },
      citedTopic: { title: 'Refunds' },
      handoffDestination: 12,
      asrLangCode: ['en-US'],
      state: [1, 2, 3],
      metrics: 'n/a',
      llmRequests: { count: 2 },
      stateChanges: { updated: { top_level: true } },
    };
    const view = turnDetailsView(details(odd));
    expectValid(view);
    const text = shown(view);
    for (const expected of [
      'Billing',
      '`7`',
      '`1` → `Lookup`',
      '`12345`',
      'raw argument text',
      'fast',
      'boom',
      '`just_a_name`',
      '(unnamed)',
      'added `flag_a`',
      'added `flag_b` = `[1,2]`',
      'updated `top_level` = `true`',
      '`Single topic`',
      '`one`, `two`',
      '`Refunds`',
      '`12`',
      'State after the turn',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('survives a cyclic object (never throws while rendering)', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const view = turnDetailsView(details({ functionEvents: [{ name: 'f', arguments: cyclic }], state: cyclic }));
    expectValid(view);
  });

  it('keeps a huge state object within Slack limits and says it was cut', () => {
    const state: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) state[`key_${i}`] = 'x'.repeat(200);
    const view = turnDetailsView(details({ state }));
    expectValid(view);
    expect(shown(view)).toMatch(/characters in all/);
  });

  it('keeps hundreds of function calls and state changes within 100 blocks, and notes what it left out', () => {
    const functionEvents = Array.from({ length: 400 }, (_, i) => ({
      name: `fn_${i}`,
      arguments: { payload: 'y'.repeat(2000) },
      state_changes: {
        added: Object.fromEntries(Array.from({ length: 20 }, (_, j) => [`k_${i}_${j}`, 'v'.repeat(300)])),
      },
    }));
    const view = turnDetailsView(details({ functionEvents }));
    expectValid(view);
    expect(view.blocks.length).toBeLessThanOrEqual(MODAL_BLOCK_LIMIT);
    const last = view.blocks.at(-1) as KnownBlock & { elements: Array<{ text: string }> };
    expect(last.type).toBe('context');
    expect(last.elements[0]?.text).toMatch(/more blocks? left out to fit Slack's limits/);
  });

  it('cuts long texts under 3000 characters per section without breaking an escape', () => {
    const view = turnDetailsView(
      details(
        {
          functionEvents: [{ name: 'f', arguments: '&'.repeat(5000), error: '<'.repeat(5000) }],
          currentNode: '>'.repeat(5000),
        },
        { response: '&'.repeat(10_000), userInput: '<!channel> '.repeat(500) },
      ),
    );
    expectValid(view);
    for (const block of view.blocks) {
      const text = JSON.stringify(block);
      expect(text).not.toMatch(/&(a|am|l|g)?…/);
    }
  });

  it('escapes what PolyAI sent: no mention or link reaches Slack, and code fences stay closed', () => {
    const view = turnDetailsView(
      details({
        currentNode: '<!channel>',
        functionEvents: [{ name: '<@U123>', arguments: { x: '```<!here>```' } }],
        state: { link: '<https://evil.example|click>' },
      }),
    );
    expectValid(view);
    const text = shown(view);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;@U123&gt;');
    expect(text).not.toContain('<https://evil');
  });

  it('explains when the details are no longer kept', () => {
    const view = turnDetailsView(undefined);
    expectValid(view);
    expect(shown(view)).toContain('30 days');
  });
});

describe('readTrace and boundJson', () => {
  it('collects changed state keys from every function and the top level, once each', () => {
    const trace = readTrace({
      functionEvents: [
        { name: 'a', state_changes: { added: { x: 1 }, updated: { y: 2 } } },
        { name: 'b', stateChanges: { removed: ['x'], updated: { z: 3 } } },
      ],
      state_changes: { added: { w: 0 } },
    });
    expect(changedStateKeys(trace)).toEqual(['x', 'y', 'z', 'w']);
  });

  it('bounds a huge object: the stored copy stays small whatever PolyAI sent', () => {
    const huge = { state: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v'.repeat(50)])) };
    const bounded = boundJson(huge);
    expect(JSON.stringify(bounded).length).toBeLessThan(2_000_000);
    expect(JSON.stringify(bounded)).toContain('more keys');
  });

  it('keeps small metadata exactly as sent', () => {
    expect(boundJson(RICH)).toEqual(RICH);
  });
});

describe('traceLine', () => {
  it('names the functions (flagging errors, handoffs, hang-ups), the state keys changed and the latency', () => {
    const line = traceLine({ metadata: RICH }, 812);
    expect(line).toContain('`lookup_booking`');
    expect(line).toContain('`move_booking` :warning:');
    expect(line).toContain('`transfer` :telephone_receiver:');
    expect(line).toContain('`end_call` :end:');
    expect(line).toContain('`booking_id`, `attempts`, `draft`');
    expect(line).toContain('812 ms');
  });

  it('stays one short line with many functions, keeping the latency in view', () => {
    const functionEvents = Array.from({ length: 200 }, (_, i) => ({ name: `fn_${i}_${'n'.repeat(100)}` }));
    const line = traceLine({ metadata: { functionEvents } }, 5);
    expect(line.length).toBeLessThan(3000);
    expect(line).toContain('+188 more');
    expect(line).toMatch(/5 ms$/);
  });

  it('says so when there were no functions or state changes, whatever the metadata shape', () => {
    for (const metadata of [undefined, null, 'x', [], {}] as unknown[]) {
      expect(traceLine({ metadata } as never, 3)).toBe(
        ':gear: no functions  ·  :card_index: no state changes  ·  :stopwatch: 3 ms',
      );
    }
  });
});
