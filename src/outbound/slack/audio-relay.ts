import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
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

/** How long the upload may stall (no bytes moving) before it is given up. */
const UPLOAD_IDLE_MS = 60_000;

/**
 * Streams a recording into Slack's external upload flow without holding it in memory:
 * `files.getUploadURLExternal`, the bytes POSTed to the upload URL as they arrive, then
 * `files.completeUploadExternal` into the channel or thread. Slack needs the length first,
 * so a source without one is spooled to a temporary file (deleted afterwards) to learn it.
 * `@slack/web-api`'s `filesUploadV2` is not used because it buffers the whole file.
 */
export async function relayAudio(client: WebClient, audio: AudioStream, target: UploadTarget): Promise<RelayResult> {
  if (audio.length !== undefined) {
    const fileId = await upload(client, Readable.fromWeb(audio.body), audio.length, target);
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

/** Uploads a small file held in memory (a suite's YAML) by the same external upload flow. */
export function uploadFile(client: WebClient, content: Buffer, target: UploadTarget): Promise<string> {
  return upload(client, Readable.from([content]), content.length, target);
}

async function upload(client: WebClient, source: Readable, length: number, target: UploadTarget): Promise<string> {
  let slot: { upload_url?: string; file_id?: string };
  try {
    slot = await client.files.getUploadURLExternal({ filename: target.filename, length });
  } catch (error) {
    // Nothing will read the source now; release its connection instead of leaving it open.
    source.destroy();
    throw error;
  }
  if (slot.upload_url === undefined || slot.file_id === undefined) {
    source.destroy();
    throw new Error('Slack gave no upload URL');
  }
  const status = await postBytes(slot.upload_url, source, length);
  if (status < 200 || status >= 300) throw new UploadError(status);
  await client.files.completeUploadExternal({
    files: [{ id: slot.file_id, title: target.title ?? target.filename }],
    channel_id: target.channel,
    ...(target.threadTs !== undefined && { thread_ts: target.threadTs }),
    ...(target.initialComment !== undefined && { initial_comment: target.initialComment }),
  });
  return slot.file_id;
}

/**
 * POSTs the raw bytes (Slack takes raw bytes or multipart) with their length announced.
 * `node:http` rather than fetch: measured on Node 20, fetch reads a streamed request body
 * as fast as it arrives whatever the socket takes, so memory grew with the recording;
 * `pipeline` into a request waits for the socket, and memory stays flat.
 */
async function postBytes(url: string, source: Readable, length: number): Promise<number> {
  const send = new URL(url).protocol === 'https:' ? httpsRequest : httpRequest;
  const request = send(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': length },
  });
  request.setTimeout(UPLOAD_IDLE_MS, () => request.destroy(new Error('the upload to Slack stalled')));
  const [, answer] = await Promise.all([pipeline(source, exactly(length), request), once(request, 'response')]);
  const response = answer[0] as IncomingMessage;
  response.resume();
  return response.statusCode ?? 0;
}

/** Passes bytes through, failing when there are more or fewer than announced, so no wrong file is shared. */
function exactly(length: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > length ? new Error(`the recording is longer than the ${length} bytes announced`) : null, chunk);
    },
    flush(done) {
      done(seen === length ? null : new Error(`the recording ended after ${seen} of ${length} bytes`));
    },
  });
}
