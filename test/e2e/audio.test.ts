import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BOT_ID, TEST_BOT_USER_ID } from '../support/constants.js';
import { type AudioDirection, makeConversation } from '../support/fake-polyai.js';
import { dmChannelOf } from '../support/fake-slack.js';
import { type Stack, startStack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';
import { replyTo, responseText, uploadNamed } from './call-helpers.js';
import { freshChannel, postsIn } from './chat-helpers.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ POLYCHAT_UNREDACTED_AUDIO_USERS: 'UADMIN' });
});

afterAll(async () => {
  await stack?.stop();
});

function recordedCall(bytes: number, chunked = false): string {
  const { conversationId } = stack.polyai.addConversation('agent-1', makeConversation());
  stack.polyai.setRecording(conversationId, { bytes, chunked });
  return conversationId;
}

function audioRequests(conversationId: string) {
  return stack.polyai.requestsOf('getAudio').filter((r) => r.conversationId === conversationId);
}

describe('/polychat audio', () => {
  it.each([
    ['combined', false],
    ['user', false],
    ['agent', false],
    ['combined', true],
    ['agent', true],
  ] as Array<[AudioDirection, boolean]>)(
    'relays the %s recording byte for byte (no Content-Length from PolyAI: %s)',
    async (direction, chunked) => {
      const id = recordedCall(700_001, chunked);
      const channel = freshChannel();
      await stack.driver.command(`audio ${id} direction=${direction}`, { channel_id: channel, user_id: 'U3' });
      const { file, upload } = await uploadNamed(stack, `${id}-${direction}-redacted.wav`);
      expect(upload.sha256).toBe(await stack.polyai.expectedAudioSha256(id, direction, true));
      expect(upload.bytes).toBe(stack.polyai.audioLength(id));
      expect(upload.length).toBe(stack.polyai.audioLength(id));
      expect(upload.multipart).toBe(false);
      expect(file.channelId).toBe(channel);
      expect(file.threadTs).toBeUndefined();
      expect(file.initialComment).toContain(id);
      expect(file.initialComment).toContain('redacted');
      expect(file.initialComment).toContain('<@U3>');
      expect(audioRequests(id).map((r) => r.query)).toEqual([{ direction, redacted: 'true' }]);
    },
  );

  it('leaves no temporary file behind after spooling a recording of unknown length', async () => {
    const id = recordedCall(200_000, true);
    await stack.driver.command(`audio ${id}`, { channel_id: freshChannel() });
    await uploadNamed(stack, `${id}-combined-redacted.wav`);
    await waitUntil(() => readdirSync(tmpdir()).every((name) => !name.startsWith('polychat-audio-')));
  });

  it('gives unredacted audio only to the users allowed it, and refuses the rest without fetching anything', async () => {
    const id = recordedCall(100_000);
    const channel = freshChannel();
    const refused = await stack.driver.command(`audio ${id} redacted=false`, { channel_id: channel, user_id: 'U1' });
    const refusal = responseText(await replyTo(stack, refused.response_url));
    expect(refusal).toContain('POLYCHAT_UNREDACTED_AUDIO_USERS');
    expect((await replyTo(stack, refused.response_url)).body).toMatchObject({ response_type: 'ephemeral' });
    expect(audioRequests(id)).toHaveLength(0);

    const admin = await stack.driver.command(`audio ${id} redacted=false`, { channel_id: channel, user_id: 'UADMIN' });
    const { upload, file } = await uploadNamed(stack, `${id}-combined.wav`);
    expect(upload.sha256).toBe(await stack.polyai.expectedAudioSha256(id, 'combined', false));
    expect(file.initialComment).toContain('unredacted');
    // Never into the channel: the requester's direct message, and they are told so.
    expect(file.channelId).toBe(dmChannelOf('UADMIN'));
    expect(file.threadTs).toBeUndefined();
    expect(stack.slack.callsTo('conversations.open').at(-1)?.args.users).toBe('UADMIN');
    expect(responseText(await replyTo(stack, admin.response_url))).toContain('sent privately');
    expect(audioRequests(id).map((r) => r.query)).toEqual([{ direction: 'combined', redacted: 'false' }]);

    // A listed user gets unredacted audio by default, and redacted audio when asking for it.
    await stack.driver.command(`audio ${id} direction=user`, { channel_id: channel, user_id: 'UADMIN' });
    const byDefault = await uploadNamed(stack, `${id}-user.wav`);
    expect(byDefault.upload.sha256).toBe(await stack.polyai.expectedAudioSha256(id, 'user', false));
    await stack.driver.command(`audio ${id} direction=agent redacted=true`, { channel_id: channel, user_id: 'UADMIN' });
    await uploadNamed(stack, `${id}-agent-redacted.wav`);
  });

  it('says clearly when PolyAI has no recording, and uploads nothing', async () => {
    const { conversationId } = stack.polyai.addConversation('agent-1', makeConversation());
    const uploadsBefore = stack.slack.callsTo('files.getUploadURLExternal').length;
    const { response_url } = await stack.driver.command(`audio ${conversationId}`, { channel_id: freshChannel() });
    const text = responseText(await replyTo(stack, response_url));
    expect(text).toContain('no recording');
    expect(text).toContain('CONVERSATIONS_RECORDING_NOT_FOUND');
    expect(stack.slack.callsTo('files.getUploadURLExternal')).toHaveLength(uploadsBefore);
  });

  it('reports a recording cut off midway, and shares nothing', async () => {
    const { conversationId } = stack.polyai.addConversation('agent-1', makeConversation());
    stack.polyai.setRecording(conversationId, { bytes: 500_000, abortAfterBytes: 100_000 });
    const { response_url } = await stack.driver.command(`audio ${conversationId}`, { channel_id: freshChannel() });
    const text = responseText(await replyTo(stack, response_url));
    expect(text).toContain('could not be uploaded');
    const shared = [...stack.slack.files.values()].filter((f) => f.filename.startsWith(conversationId));
    expect(shared.every((f) => f.completed === undefined)).toBe(true);
  });

  it('reports Slack refusing the upload', async () => {
    const id = recordedCall(50_000);
    stack.slack.failNextUpload(500);
    const { response_url } = await stack.driver.command(`audio ${id}`, { channel_id: freshChannel() });
    expect(responseText(await replyTo(stack, response_url))).toContain('answered 500');
  });
});

describe('audio in a call-review thread', () => {
  it('goes into the open thread, from the command and from the buttons (redacted unless the presser is listed)', async () => {
    const id = recordedCall(300_000);
    const channel = freshChannel();
    await stack.driver.command(`call ${id}`, { channel_id: channel });
    const root = await stack.slack.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
    const rootTs = String(root.response.ts);
    await waitUntil(() => postsIn(stack, channel, rootTs).length === 1);

    await stack.driver.command(`audio ${id} direction=agent`, { channel_id: channel });
    const byCommand = await uploadNamed(stack, `${id}-agent-redacted.wav`);
    expect(byCommand.file.threadTs).toBe(rootTs);
    expect(byCommand.file.channelId).toBe(channel);

    const value = (root.args.blocks as Array<{ elements?: Array<{ action_id: string; value: string }> }>)
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'call_audio_user')?.value;
    const message = { ts: rootTs, text: String(root.args.text), user: TEST_BOT_USER_ID, bot_id: TEST_BOT_ID };
    await stack.driver.action({ channel, user: 'U1', message, actions: [{ action_id: 'call_audio_user', value }] });
    const byButton = await uploadNamed(stack, `${id}-user-redacted.wav`);
    expect(byButton.file.threadTs).toBe(rootTs);
    expect(byButton.upload.sha256).toBe(await stack.polyai.expectedAudioSha256(id, 'user', true));
    await stack.driver.action({ channel, user: 'UADMIN', message, actions: [{ action_id: 'call_audio_user', value }] });
    const unredacted = await uploadNamed(stack, `${id}-user.wav`);
    expect(unredacted.upload.sha256).toBe(await stack.polyai.expectedAudioSha256(id, 'user', false));
    expect(unredacted.file.channelId).toBe(dmChannelOf('UADMIN'));
    expect(unredacted.file.threadTs).toBeUndefined();
    const notice = await stack.slack.waitFor(
      'chat.postMessage',
      (c) => c.args.thread_ts === rootTs && String(c.args.text).includes('sent privately'),
    );
    expect(String(notice.args.text)).toContain('<@UADMIN>');
    // Nothing unredacted was ever shared in the channel.
    const inChannel = [...stack.slack.files.values()].filter((f) => f.completed?.channelId === channel);
    expect(inChannel.every((f) => f.filename.endsWith('-redacted.wav'))).toBe(true);
  });
});

describe('shutdown', () => {
  it('finishes an upload in progress before exiting on SIGTERM', async () => {
    const { app, driver } = await stack.startInstance();
    const id = recordedCall(2_000_000);
    try {
      stack.slack.latencyMs = 800;
      await driver.command(`audio ${id}`, { channel_id: freshChannel() });
      await stack.slack.waitFor('files.getUploadURLExternal', (c) => c.args.filename === `${id}-combined-redacted.wav`);
      const exit = await app.stop('SIGTERM');
      expect(exit.code).toBe(0);
      const { upload } = await uploadNamed(stack, `${id}-combined-redacted.wav`);
      expect(upload.sha256).toBe(await stack.polyai.expectedAudioSha256(id, 'combined', true));
    } finally {
      stack.slack.latencyMs = 0;
    }
  });
});
