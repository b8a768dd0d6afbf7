import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BOT_ID, TEST_BOT_USER_ID } from '../support/constants.js';
import { makeConversation } from '../support/fake-polyai.js';
import type { SlackCall } from '../support/fake-slack.js';
import type { MessageLike, ViewStateValues } from '../support/slack-requests.js';
import { type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';
import { elementOf, formValues, modalCall, viewIdOf, viewOf } from './call-helpers.js';
import { freshChannel, postsIn, startChat, textOf } from './chat-helpers.js';
import { chooseInMenu } from './session-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** A message the app posted, as a message shortcut's payload carries it. */
function botMessage(post: SlackCall): MessageLike {
  return {
    ts: String(post.response.ts),
    text: String(post.args.text ?? ''),
    user: TEST_BOT_USER_ID,
    bot_id: TEST_BOT_ID,
    ...(typeof post.args.thread_ts === 'string' && { thread_ts: post.args.thread_ts }),
  };
}

/** Triggers a message shortcut and resolves with the form the app shows (after any loading view). */
async function shortcut(callbackId: 'annotate_call' | 'note_call', channel: string, message: MessageLike, user = 'U1') {
  const since = performance.now();
  const response = await stack.driver.shortcut({ callback_id: callbackId, channel, message, user });
  expect(response.status).toBe(200);
  const submitId = callbackId === 'annotate_call' ? 'annotate_call_submit' : 'note_call_submit';
  const opened = await stack.slack.waitFor('views.open', (c) => c.at > since);
  const form = await modalCall(stack, (v) => v.callback_id === submitId, since);
  return { opened, form, view: viewOf(form), viewId: viewIdOf(opened) };
}

async function submit(
  callbackId: string,
  form: { view: Record<string, unknown>; viewId: string },
  values: ViewStateValues,
  user = 'U1',
) {
  return stack.driver.submitView({
    callback_id: callbackId,
    view_id: form.viewId,
    private_metadata: String(form.view.private_metadata),
    values,
    user,
  });
}

const annotationRow = (turn: string | null, side?: string, label?: string, row = 1) => ({
  numbers: { [`turn_${row}`]: turn },
  selects: { ...(side && { [`side_${row}`]: side }), ...(label && { [`label_${row}`]: label }) },
});

describe('Annotate call (message shortcut)', () => {
  it('prefills the turn and side of a debug-chat reply, sends the annotation and confirms in the thread', async () => {
    const channel = freshChannel();
    const chat = await startChat(stack, channel);
    await stack.driver.message({ channel, thread_ts: chat.rootTs, text: 'Book a table for two' });
    const reply = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === chat.rootTs && textOf(c).includes('You said: Book a table for two'),
    );

    const form = await shortcut('annotate_call', channel, botMessage(reply), 'U7');
    expect(form.opened.args.view).toMatchObject({ type: 'modal' });
    expect(elementOf(form.view, 'conversation')?.initial_value).toBe(chat.conversationId);
    expect(elementOf(form.view, 'turn_1')?.initial_value).toBe('1');
    expect((elementOf(form.view, 'side_1')?.initial_option as { value?: string })?.value).toBe('agent');
    const labels = ((elementOf(form.view, 'label_1')?.options ?? []) as Array<{ text: { text: string } }>).map(
      (o) => o.text.text,
    );
    expect(labels).toEqual(['Missing topic', 'Wrong transcription', 'Wrong information']);

    const { numbers, selects } = annotationRow('1', 'agent', 'wrong_info');
    const values = formValues({ text: { conversation: chat.conversationId }, numbers, selects });
    const response = await submit('annotate_call_submit', form, values, 'U7');
    expect((response.json as { response_action?: string }).response_action).toBe('update');

    const [sent] = await stack.polyai.waitForRequests(
      (r) => r.op === 'addAnnotations' && r.conversationId === chat.conversationId,
    );
    expect(sent?.agentId).toBe('agent-1');
    expect(sent?.body).toEqual({ annotations: [{ turnId: 1, role: 'agent', annotationType: 'wrong_info' }] });
    const confirmation = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === chat.rootTs && textOf(c).includes('flagged'),
    );
    expect(textOf(confirmation)).toContain('<@U7>');
    expect(textOf(confirmation)).toContain('turn 1 (agent) as *Wrong information*');
    const done = await modalCall(stack, (v) => JSON.stringify(v).includes('Flagged'));
    expect(done.args.view_id).toBe(form.viewId);
  });

  it("prefills the caller's side on a person's turn, and turn 0 on the greeting", async () => {
    const channel = freshChannel();
    const chat = await startChat(stack, channel);
    const mine = await stack.driver.message({ channel, thread_ts: chat.rootTs, text: 'Hi there', user: 'U2' });
    await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === chat.rootTs && textOf(c).includes('You said: Hi there'),
    );

    const onMine = await shortcut('annotate_call', channel, {
      ts: mine.ts,
      thread_ts: chat.rootTs,
      text: 'Hi there',
      user: 'U2',
    });
    expect(elementOf(onMine.view, 'turn_1')?.initial_value).toBe('1');
    expect((elementOf(onMine.view, 'side_1')?.initial_option as { value?: string })?.value).toBe('user');

    const onGreeting = await shortcut('annotate_call', channel, botMessage(chat.greeting));
    expect(elementOf(onGreeting.view, 'turn_1')?.initial_value).toBe('0');
    expect((elementOf(onGreeting.view, 'side_1')?.initial_option as { value?: string })?.value).toBe('agent');
  });

  it('offers the turns a call-review transcript message shows and takes several rows', async () => {
    const call = stack.polyai.addConversation('agent-2', makeConversation({ turnCount: 3 }));
    const channel = freshChannel();
    await stack.driver.command(`call ${call.conversationId} agent=agent-2`, { channel_id: channel });
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    const rootTs = String(root.response.ts);
    // The three turns share one message; annotating it offers exactly those three.
    const [transcript] = await waitUntil(() => {
      const posts = postsIn(stack, channel, rootTs);
      return posts.length === 1 ? posts : undefined;
    });

    const form = await shortcut('annotate_call', channel, botMessage(transcript as SlackCall));
    expect(elementOf(form.view, 'conversation')?.initial_value).toBe(call.conversationId);
    const offered = elementOf(form.view, 'turn_1') as { options?: Array<{ value: string }>; initial_option?: unknown };
    expect(offered.options?.map((o) => o.value)).toEqual(['0', '1', '2']);
    expect(offered.initial_option).toMatchObject({ value: '0' });
    // The message shows several turns and both sides, so no side is chosen for the person.
    expect(elementOf(form.view, 'side_1')?.initial_option).toBeUndefined();
    expect(JSON.stringify(form.view.blocks)).toContain('agent-2');

    const values = formValues({
      text: { conversation: call.conversationId },
      selects: {
        turn_1: '2',
        side_1: 'agent',
        label_1: 'wrong_info',
        turn_2: '2',
        side_2: 'user',
        label_2: 'wrong_transcript',
      },
    });
    await submit('annotate_call_submit', form, values);
    await waitUntil(() => stack.polyai.annotationsFor(call.conversationId).length === 2);
    expect(stack.polyai.annotationsFor(call.conversationId)).toEqual([
      { turnId: 2, role: 'agent', annotationType: 'wrong_info' },
      { turnId: 2, role: 'user', annotationType: 'wrong_transcript' },
    ]);
    expect(stack.polyai.requestsOf('addAnnotations').at(-1)?.agentId).toBe('agent-2');
    const confirmation = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('flagged'),
    );
    expect(textOf(confirmation)).toContain('turn 2 (user) as *Wrong transcription*');
  });

  it('finds a conversation ID in the message text and confirms under that message', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    const channel = freshChannel();
    const message = stack.slack.seedMessage(channel, {
      text: `Can someone look at conversation ${call.conversationId}? The caller was upset`,
      user: 'U4',
    });
    const form = await shortcut('annotate_call', channel, message);
    expect(elementOf(form.view, 'conversation')?.initial_value).toBe(call.conversationId);
    expect(elementOf(form.view, 'turn_1')?.initial_value).toBeUndefined();

    const { numbers, selects } = annotationRow('1', 'user', 'missing_topic');
    await submit(
      'annotate_call_submit',
      form,
      formValues({ text: { conversation: call.conversationId }, numbers, selects }),
    );
    await waitUntil(() => stack.polyai.annotationsFor(call.conversationId).length === 1);
    const confirmation = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.channel === channel && textOf(c).includes('flagged'),
    );
    expect(confirmation.args.thread_ts).toBe(message.ts);
    expect(textOf(confirmation)).toContain('*Missing topic*');
  });

  it('answers bad fields inside the modal and sends nothing to PolyAI', async () => {
    const channel = freshChannel();
    const message = stack.slack.seedMessage(channel, { text: 'this call went badly', user: 'U4' });
    const form = await shortcut('annotate_call', channel, message);
    expect(elementOf(form.view, 'conversation')?.initial_value).toBeUndefined();
    const before = stack.polyai.requestsOf('addAnnotations').length;

    const noConversation = await submit(
      'annotate_call_submit',
      form,
      formValues(annotationRow('1', 'agent', 'wrong_info')),
    );
    expect(noConversation.json).toMatchObject({
      response_action: 'errors',
      errors: { conversation: expect.stringContaining('conversation') },
    });

    for (const turn of ['-1', '1.5', 'two']) {
      const { numbers, selects } = annotationRow(turn, 'agent', 'wrong_info');
      const badTurn = await submit(
        'annotate_call_submit',
        form,
        formValues({ text: { conversation: 'CA1234' }, numbers, selects }),
      );
      expect(badTurn.json).toMatchObject({
        response_action: 'errors',
        errors: { turn_1: expect.stringContaining('whole number') },
      });
    }

    const noLabel = await submit(
      'annotate_call_submit',
      form,
      formValues({ text: { conversation: 'CA1234' }, ...annotationRow('1', 'agent') }),
    );
    expect(noLabel.json).toMatchObject({ response_action: 'errors', errors: { label_1: expect.any(String) } });

    const noSide = await submit(
      'annotate_call_submit',
      form,
      formValues({ text: { conversation: 'CA1234' }, numbers: { turn_1: '3' }, selects: { label_1: 'wrong_info' } }),
    );
    expect(noSide.json).toMatchObject({ response_action: 'errors', errors: { side_1: expect.any(String) } });

    const badId = await submit(
      'annotate_call_submit',
      form,
      formValues({ text: { conversation: 'not an id' }, ...annotationRow('1', 'agent', 'wrong_info') }),
    );
    expect(badId.json).toMatchObject({
      response_action: 'errors',
      errors: { conversation: expect.stringContaining('not a valid conversation ID') },
    });
    expect(stack.polyai.requestsOf('addAnnotations')).toHaveLength(before);
  });

  it('shows a PolyAI error on submit in the modal, with the form as it was filled in', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    const channel = freshChannel();
    const message = stack.slack.seedMessage(channel, { text: `call ${call.conversationId}`, user: 'U4' });
    const form = await shortcut('annotate_call', channel, message);
    stack.polyai.failNext(1, {
      status: 400,
      error_code: 'CONVERSATIONS_VALIDATION_FAILED',
      message: 'turnId out of range',
      op: 'addAnnotations',
    });
    const since = performance.now();
    const { numbers, selects } = annotationRow('42', 'agent', 'wrong_info');
    const response = await submit(
      'annotate_call_submit',
      form,
      formValues({ text: { conversation: call.conversationId }, numbers, selects }),
    );
    expect((response.json as { response_action?: string }).response_action).toBe('update');

    const again = await modalCall(stack, (v) => v.callback_id === 'annotate_call_submit', since);
    const shown = JSON.stringify(again.args.view);
    expect(shown).toContain('CONVERSATIONS_VALIDATION_FAILED');
    expect(shown).toContain('turnId out of range');
    expect(elementOf(viewOf(again), 'turn_1')?.initial_value).toBe('42');
    expect((elementOf(viewOf(again), 'label_1')?.initial_option as { value?: string })?.value).toBe('wrong_info');
    expect(stack.polyai.annotationsFor(call.conversationId)).toEqual([]);
    expect(
      stack.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === channel && textOf(c).includes('flagged')),
    ).toHaveLength(0);
  });

  it('opens from the Annotate button of a call review, prefilled with the call', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    const channel = freshChannel();
    await stack.driver.command(`call ${call.conversationId}`, { channel_id: channel });
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    const value = (root.args.blocks as Array<{ elements?: Array<{ action_id: string; value: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'call_annotate')?.value;
    const since = performance.now();
    await stack.driver.action({ channel, message: botMessage(root), actions: [{ action_id: 'call_annotate', value }] });
    const opened = await modalCall(stack, (v) => v.callback_id === 'annotate_call_submit', since);
    expect(opened.method).toBe('views.open');
    expect(elementOf(viewOf(opened), 'conversation')?.initial_value).toBe(call.conversationId);
  });
});

describe('the annotation form', () => {
  /** Input block IDs of a built view, in order. */
  const inputs = (view: Record<string, unknown>) =>
    ((view.blocks ?? []) as Array<{ type: string; block_id?: string }>)
      .filter((b) => b.type === 'input')
      .map((b) => b.block_id);

  it("opens with one turn row, labelled in PolyAI's words, and Add another turn adds a row keeping what was typed", async () => {
    const channel = freshChannel();
    const message = stack.slack.seedMessage(channel, { text: 'look at CA77aa01 please', user: 'U4' });
    const form = await shortcut('annotate_call', channel, message);
    expect(inputs(form.view)).toEqual(['conversation', 'turn_1', 'side_1', 'label_1']);
    const blocks = JSON.stringify(form.view.blocks);
    for (const word of ['"Role"', '"Annotation type"', '"User (caller)"', '"Agent"', '"Add another turn"'])
      expect(blocks).toContain(word);

    const button = ((form.view.blocks ?? []) as Array<{ type: string; elements?: Array<Record<string, unknown>> }>)
      .find((b) => b.type === 'actions')
      ?.elements?.find((e) => e.action_id === 'annotation_add_turn');
    expect(button).toBeDefined();
    const typed = formValues({
      text: { conversation: 'CA77aa01' },
      numbers: { turn_1: '4' },
      selects: { side_1: 'user', label_1: 'missing_topic' },
    });
    const since = performance.now();
    const response = await stack.driver.action({
      view: { id: form.viewId, private_metadata: String(form.view.private_metadata), state: { values: typed } },
      actions: [{ action_id: 'annotation_add_turn', value: String(button?.value), block_id: 'annotation_rows' }],
    });
    expect(response.status).toBe(200);
    const grown = await modalCall(stack, (v) => v.callback_id === 'annotate_call_submit', since);
    expect(grown.method).toBe('views.update');
    expect(grown.args.view_id).toBe(form.viewId);
    const view = viewOf(grown);
    expect(inputs(view)).toEqual(['conversation', 'turn_1', 'side_1', 'label_1', 'turn_2', 'side_2', 'label_2']);
    expect(elementOf(view, 'conversation')?.initial_value).toBe('CA77aa01');
    expect(elementOf(view, 'turn_1')?.initial_value).toBe('4');
    expect((elementOf(view, 'side_1')?.initial_option as { value?: string })?.value).toBe('user');
    expect((elementOf(view, 'label_1')?.initial_option as { value?: string })?.value).toBe('missing_topic');
    expect(elementOf(view, 'turn_2')?.initial_value).toBeUndefined();
    expect(stack.polyai.requestsOf('addAnnotations').filter((r) => r.conversationId === 'CA77aa01')).toHaveLength(0);
  });

  it('opens from "Annotate this turn" in an answer\'s menu, prefilled with that turn and the agent\'s role', async () => {
    const channel = freshChannel();
    const chat = await startChat(stack, channel);
    await stack.driver.message({ channel, thread_ts: chat.rootTs, text: 'Book a table' });
    const reply = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === chat.rootTs && textOf(c).includes('You said: Book a table'),
    );
    const trigger = await chooseInMenu(stack, channel, reply, 'Annotate this turn', 'U5');
    const opened = await stack.slack.waitFor('views.open', (c) => c.args.trigger_id === trigger);
    const view = viewOf(opened);
    expect(view.callback_id).toBe('annotate_call_submit');
    expect(elementOf(view, 'conversation')?.initial_value).toBe(chat.conversationId);
    expect(elementOf(view, 'turn_1')?.initial_value).toBe('1');
    expect((elementOf(view, 'side_1')?.initial_option as { value?: string })?.value).toBe('agent');

    const form = { view, viewId: viewIdOf(opened) };
    const { numbers, selects } = annotationRow('1', 'agent', 'wrong_info');
    await submit(
      'annotate_call_submit',
      form,
      formValues({ text: { conversation: chat.conversationId }, numbers, selects }),
      'U5',
    );
    await waitUntil(() => stack.polyai.annotationsFor(chat.conversationId).length === 1);
    expect(stack.polyai.annotationsFor(chat.conversationId)).toEqual([
      { turnId: 1, role: 'agent', annotationType: 'wrong_info' },
    ]);
  });
});

describe('Add note to call (message shortcut)', () => {
  it('opens at once, prefills the current note, sets the new one and confirms in the thread', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation({ note: 'Old note' }));
    const channel = freshChannel();
    await stack.driver.command(`call ${call.conversationId}`, { channel_id: channel });
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    const rootTs = String(root.response.ts);
    const gets = stack.polyai.requestsOf('getConversation').length;

    const form = await shortcut('note_call', channel, botMessage(root), 'U8');
    const [loaded] = stack.polyai.requestsOf('getConversation').slice(gets);
    // The modal was open before PolyAI was asked for the current note.
    expect(form.opened.at).toBeLessThan(loaded?.at ?? 0);
    expect(elementOf(form.view, 'note')?.initial_value).toBe('Old note');
    expect(elementOf(form.view, 'conversation')?.initial_value).toBe(call.conversationId);

    await submit(
      'note_call_submit',
      form,
      formValues({ text: { conversation: call.conversationId, note: 'Caller gave a wrong DOB' } }),
      'U8',
    );
    const [posted] = await stack.polyai.waitForRequests(
      (r) => r.op === 'upsertNote' && r.conversationId === call.conversationId,
    );
    expect(posted?.body).toEqual({ note: 'Caller gave a wrong DOB' });
    const confirmation = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && textOf(c).includes('set the note'),
    );
    expect(textOf(confirmation)).toContain('<@U8>');
    expect(textOf(confirmation)).toContain('Caller gave a wrong DOB');
  });

  it('shows a PolyAI error in the modal, keeping the note as typed', async () => {
    const call = stack.polyai.addConversation('agent-1', makeConversation());
    const channel = freshChannel();
    const message = stack.slack.seedMessage(channel, { text: `about conversation ${call.conversationId}`, user: 'U4' });
    const form = await shortcut('note_call', channel, message);
    stack.polyai.failNext(1, { status: 403, error_code: 'USER_ACCESS_FORBIDDEN', op: 'upsertNote' });
    const since = performance.now();
    await submit(
      'note_call_submit',
      form,
      formValues({ text: { conversation: call.conversationId, note: 'keep me' } }),
    );
    const again = await modalCall(stack, (v) => v.callback_id === 'note_call_submit', since);
    expect(JSON.stringify(again.args.view)).toContain('USER_ACCESS_FORBIDDEN');
    expect(elementOf(viewOf(again), 'note')?.initial_value).toBe('keep me');
    expect(stack.polyai.notes.has(call.conversationId)).toBe(false);
  });

  it('asks for the conversation when the message names none, and says so when loading the note fails', async () => {
    const channel = freshChannel();
    const plain = await shortcut(
      'note_call',
      channel,
      stack.slack.seedMessage(channel, { text: 'nothing here', user: 'U4' }),
    );
    expect(elementOf(plain.view, 'conversation')?.initial_value).toBeUndefined();
    const missing = await submit('note_call_submit', plain, formValues({ text: { conversation: null, note: 'x' } }));
    expect(missing.json).toMatchObject({ response_action: 'errors', errors: { conversation: expect.any(String) } });

    const unknown = await shortcut(
      'note_call',
      channel,
      stack.slack.seedMessage(channel, { text: 'conversation CA404404', user: 'U4' }),
    );
    expect(JSON.stringify(unknown.view.blocks)).toContain('CONVERSATIONS_NOT_FOUND');
    expect(elementOf(unknown.view, 'conversation')?.initial_value).toBe('CA404404');
  });
});

describe('without any default agent', () => {
  it('asks for the agent in the modal, and commands say how to name one', async () => {
    const { driver } = await stack.startInstance({ POLYAI_AGENT_ID: undefined });
    const call = stack.polyai.addConversation('agent-2', makeConversation());
    const channel = freshChannel();
    const message = stack.slack.seedMessage(channel, { text: `conversation ${call.conversationId}`, user: 'U4' });
    const since = performance.now();
    await driver.shortcut({ callback_id: 'annotate_call', channel, message });
    const opened = await stack.slack.waitFor('views.open', (c) => c.at > since);
    const form = {
      view: viewOf(await modalCall(stack, (v) => v.callback_id === 'annotate_call_submit', since)),
      viewId: viewIdOf(opened),
    };
    expect(elementOf(form.view, 'agent')).toMatchObject({ type: 'plain_text_input' });

    const row = annotationRow('0', 'agent', 'wrong_info');
    const submitWith = (agent: string | null) =>
      driver.submitView({
        callback_id: 'annotate_call_submit',
        view_id: form.viewId,
        private_metadata: String(form.view.private_metadata),
        values: formValues({ text: { conversation: call.conversationId, agent }, ...row }),
      });
    expect((await submitWith(null)).json).toMatchObject({
      response_action: 'errors',
      errors: { agent: expect.any(String) },
    });
    await submitWith('agent-2');
    const [sent] = await stack.polyai.waitForRequests(
      (r) => r.op === 'addAnnotations' && r.conversationId === call.conversationId,
    );
    expect(sent?.agentId).toBe('agent-2');

    const { response_url } = await driver.command(`call ${call.conversationId}`, { channel_id: channel });
    const reply = await stack.slack.waitForResponse((r) => response_url.endsWith(`/${r.id}`));
    expect(JSON.stringify(reply.body)).toContain('No agent given');
  });
});
