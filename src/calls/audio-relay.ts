import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { WebClient } from '@slack/web-api';
import type { AudioStream } from '../polyai/client.js';

/** Where a relayed recording lands in Slack, and how it is introduced. */
export interface UploadTarget {
  channel: string;
  /** Posts the file as a reply in this thread; the channel itself when unset. */
  threadTs?: string;
  filename: string;
  title?: string;
  initialComment?: string;
}

export interface RelayResult {
  fileId: string;
  bytes: number;
  /** The source announced no length, so it went through a temporary file first. */
  spooled: boolean;
}

/** Slack's upload URL refused the bytes (the other steps fail as Slack Web API errors). */
export class UploadError extends Error {
  override name = 'UploadError';
  constructor(readonly status: number) {
    super(`Slack's upload URL answered ${status}`);
  }
}

/** The recording was empty, so there is nothing to upload. */
export class EmptyRecordingError extends Error {
  override name = 'EmptyRecordingError';
}

/**
 * Streams a recording into Slack's external upload flow without holding it in memory:
 * `files.getUploadURLExternal`, the bytes POSTed to the upload URL as they arrive, then
 * `files.completeUploadExternal` into the channel or thread. Slack needs the length first,
 * so a source without one is spooled to a temporary file (deleted afterwards) to learn it.
 * `@slack/web-api`'s `filesUploadV2` is not used because it buffers the whole file.
 */
export async function relayAudio(client: WebClient, audio: AudioStream, target: UploadTarget): Promise<RelayResult> {
  if (audio.length !== undefined) {
    const fileId = await upload(client, audio.body, audio.length, target);
    return { fileId, bytes: audio.length, spooled: false };
  }
  const dir = await mkdtemp(join(tmpdir(), 'polychat-audio-'));
  try {
    const path = join(dir, 'recording.wav');
    await pipeline(Readable.fromWeb(audio.body), createWriteStream(path));
    const { size } = await stat(path);
    if (size === 0) throw new EmptyRecordingError('PolyAI sent an empty recording');
    const fileId = await upload(client, createReadStream(path), size, target);
    return { fileId, bytes: size, spooled: true };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Source = ReadableStream<Uint8Array> | Readable;

async function upload(client: WebClient, body: Source, length: number, target: UploadTarget): Promise<string> {
  let uploadUrl: string;
  let fileId: string;
  try {
    const slot = await client.files.getUploadURLExternal({ filename: target.filename, length });
    if (slot.upload_url === undefined || slot.file_id === undefined) throw new Error('Slack gave no upload URL');
    uploadUrl = slot.upload_url;
    fileId = slot.file_id;
  } catch (error) {
    // Nothing will read the source now; release its connection instead of leaving it open.
    if (body instanceof Readable) body.destroy();
    else await body.cancel().catch(() => {});
    throw error;
  }
  // Raw bytes (not multipart) with the length announced, so the upload streams through.
  const response = await fetch(uploadUrl, {
    method: 'POST',
    body,
    duplex: 'half',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) },
  });
  await response.body?.cancel();
  if (!response.ok) throw new UploadError(response.status);
  await client.files.completeUploadExternal({
    files: [{ id: fileId, title: target.title ?? target.filename }],
    channel_id: target.channel,
    ...(target.threadTs !== undefined && { thread_ts: target.threadTs }),
    ...(target.initialComment !== undefined && { initial_comment: target.initialComment }),
  });
  return fileId;
}
