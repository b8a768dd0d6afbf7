import { describe, expect, it } from 'vitest';
import { findConversationRef } from '../../src/domain/calls/find-conversation.js';
import type { ConversationDetail, ListConversationsResponse } from '../../src/outbound/polyai/types.js';
import {
  ANNOTATION_ROWS,
  annotationDraft,
  annotationModal,
  readAnnotationForm,
} from '../../src/presentation/call-modals.js';
import {
  audioFilename,
  conversationList,
  formatDuration,
  latencyText,
  summaryText,
  transcriptMessages,
} from '../../src/presentation/call-review.js';
import { viewProblems } from '../support/block-kit.js';

describe('findConversationRef', () => {
  it('reads Agent Studio links first, agent included', () => {
    expect(
      findConversationRef(
        'see <https://studio.poly.ai/acme/agents/ag-1/conversations/CA99x1|this call> and conversation CA777',
      ),
    ).toEqual({
      conversationId: 'CA99x1',
      agentId: 'ag-1',
    });
  });

  it('reads an ID after "conversation" or "call", as people and polychat write them', () => {
    expect(findConversationRef('Debug chat with agent-1 (sandbox), conversation conv-12, started by <@U1>')).toEqual({
      conversationId: 'conv-12',
    });
    expect(findConversationRef('*Conversation:* `abc-123`')).toEqual({ conversationId: 'abc-123' });
    expect(findConversationRef('look at call ID: 5f2a9')).toEqual({ conversationId: '5f2a9' });
  });

  it('finds bare call SIDs and UUIDs, and takes no ordinary word for an ID', () => {
    expect(findConversationRef('this one: CA0123456789abcdef0123 was odd')).toEqual({
      conversationId: 'CA0123456789abcdef0123',
    });
    expect(findConversationRef('id 3f2b1c4d-1111-2222-3333-444455556666')).toEqual({
      conversationId: '3f2b1c4d-1111-2222-3333-444455556666',
    });
    expect(findConversationRef('the call about billing went badly')).toBeUndefined();
    expect(findConversationRef('')).toBeUndefined();
  });

  it('takes a message that is only an ID-shaped word with a digit, and no lone ordinary word', () => {
    expect(findConversationRef(' conv-123abc ')).toEqual({ conversationId: 'conv-123abc' });
    expect(findConversationRef('`CONV42`')).toEqual({ conversationId: 'CONV42' });
    expect(findConversationRef('thanks')).toBeUndefined();
    expect(findConversationRef('check CONV42 please')).toBeUndefined();
  });
});

describe('call presentation', () => {
  it('shows a summary given as a string or as {heading, content}', () => {
    expect(summaryText('Moved a booking')).toBe('Moved a booking');
    expect(summaryText({ heading: 'Booking', content: 'Moved to Thursday' })).toBe('Booking: Moved to Thursday');
    expect(summaryText({ heading: null, content: '' })).toBeUndefined();
    expect(summaryText(null)).toBeUndefined();
  });

  it('shows latency given as a number or an object, and durations in minutes and seconds', () => {
    expect(latencyText(850)).toBe('850 ms');
    expect(latencyText({ asr: 100, llm: '640', nested: { x: 1 } })).toBe('asr 100 ms, llm 640 ms');
    expect(latencyText(null)).toBeUndefined();
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(9)).toBe('9 s');
    expect(formatDuration(undefined)).toBe('—');
  });

  it('names recordings after the conversation, direction and redaction', () => {
    expect(audioFilename('CA1', 'user', true)).toBe('CA1-user-redacted.wav');
    expect(audioFilename('CA1', 'combined', false)).toBe('CA1-combined.wav');
  });

  it('puts several turns in one message, telling caller and agent apart, with the side it shows when it shows one', () => {
    const call = {
      conversationId: 'CA1',
      accountId: 'a',
      projectId: 'p',
      turns: [
        { user_input: '', agent_response: 'Hello <!channel>' },
        { user_input: 'hi', user_input_dtmf: '12', agent_response: null },
        { user_input: null, agent_response: null },
      ],
    } as ConversationDetail;
    const messages = transcriptMessages(call);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.turns).toEqual([{ turn: 0, role: 'agent' }, { turn: 1, role: 'user' }, { turn: 2 }]);
    const sections = (messages[0]?.message.blocks ?? []).map((b) => (b.type === 'section' ? b.text?.text : ''));
    expect(sections[0]).toContain('Hello &lt;!channel&gt;');
    expect(sections[0]).not.toContain('*Caller*');
    expect(sections[1]).toContain('keypad: 12');
    expect(sections[2]).toContain('nothing was said');
  });

  it('splits a 60-turn transcript under the block and text limits, every turn once and in order', () => {
    const turns = Array.from({ length: 60 }, (_, i) => ({
      user_input: `question ${i} ${'words '.repeat(i % 7 === 0 ? 500 : 20)}`,
      agent_response: `answer ${i}`,
      latency: 900,
    }));
    const messages = transcriptMessages({ conversationId: 'CA2', accountId: 'a', projectId: 'p', turns });
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.length).toBeLessThan(15);
    for (const { message } of messages) {
      expect(message.blocks?.length).toBeLessThanOrEqual(50);
      for (const block of message.blocks ?? [])
        if (block.type === 'section') expect(block.text?.text.length).toBeLessThanOrEqual(3000);
    }
    expect(messages.flatMap((m) => m.turns.map((t) => t.turn))).toEqual(turns.map((_, i) => i));
  });

  it('keeps a long conversation list under 50 blocks a message', () => {
    const conversations = Array.from({ length: 50 }, (_, i) => ({
      conversationId: `CA${i}`,
      accountId: 'a',
      projectId: 'p',
    }));
    const page: ListConversationsResponse = { conversations, count: 120, limit: 50, offset: 0 };
    const messages = conversationList(page, { agentId: 'ag', limit: 50, offset: 0 });
    expect(messages.length).toBe(2);
    for (const message of messages) expect(message.blocks?.length).toBeLessThanOrEqual(50);
    expect(messages.flatMap((m) => m.blocks ?? []).filter((b) => b.type === 'actions')).toHaveLength(1);
  });
});

describe('readAnnotationForm', () => {
  const context = { channel: 'C1', threadTs: '1.2', agentId: 'ag' };
  const text = (value: string | null) => ({ value: { type: 'plain_text_input', value } });
  const choice = (value: string) => ({ value: { type: 'static_select', selected_option: { value } } });

  it('turns labelled rows into annotation items and skips rows without a label', () => {
    const result = readAnnotationForm(
      {
        conversation: text('CA1'),
        turn_1: text('0'),
        side_1: choice('agent'),
        label_1: choice('wrong_info'),
        turn_2: text('3'),
        side_2: choice('user'),
      },
      context,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        agentId: 'ag',
        conversationId: 'CA1',
        items: [{ turnId: 0, role: 'agent', annotationType: 'wrong_info' }],
      },
    });
  });

  it('asks for the agent when neither the context nor the link names one', () => {
    const result = readAnnotationForm(
      {
        conversation: text('CA1'),
        agent: text(null),
        turn_1: text('1'),
        side_1: choice('user'),
        label_1: choice('missing_topic'),
      },
      { channel: 'C1', threadTs: '1.2' },
    );
    expect(result).toEqual({ ok: false, errors: { agent: expect.any(String) } });
  });
});

describe('annotation form', () => {
  const context = { channel: 'C1', threadTs: '1.1', agentId: 'a1' };
  const inputs = (view: ReturnType<typeof annotationModal>) =>
    view.blocks.flatMap((b) => (b.type === 'input' && b.block_id !== undefined ? [b.block_id] : []));

  it('grows one turn row at a time up to its limit, each view within Slack’s limits', () => {
    expect(inputs(annotationModal({ context }))).toEqual(['conversation', 'turn_1', 'side_1', 'label_1']);
    let rows = [{}];
    for (let n = 1; n <= ANNOTATION_ROWS; n++) {
      const view = annotationModal({ context, rows });
      expect(viewProblems(view as unknown as Record<string, unknown>)).toEqual([]);
      expect(inputs(view).filter((id) => id.startsWith('turn_'))).toHaveLength(n);
      expect(JSON.stringify(view).includes('annotation_add_turn')).toBe(n < ANNOTATION_ROWS);
      rows = [...rows, {}];
    }
  });

  it('keeps what was typed when shown again, and drops empty rows after the last one used', () => {
    const values = {
      turn_1: { value: { value: '3' } },
      side_1: { value: { selected_option: { value: 'agent' } } },
      turn_2: { value: { value: null } },
      label_3: { value: { selected_option: { value: 'wrong_info' } } },
      turn_4: { value: { value: null } },
    };
    expect(annotationDraft(values).rows).toEqual([
      { turn: '3', role: 'agent' },
      { turn: undefined },
      { turn: undefined, label: 'wrong_info' },
    ]);
    expect(annotationDraft(values, 5).rows).toHaveLength(5);
  });
});
