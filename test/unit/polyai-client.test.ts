import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolyAI } from '../../src/outbound/polyai/client.js';
import { errorFromResponse, PolyAIError, retryAfterSeconds } from '../../src/outbound/polyai/errors.js';
import { polyaiErrorText } from '../../src/presentation/polyai-errors.js';
import { type FakePolyAI, startFakePolyAI } from '../support/fake-polyai.js';

let fake: FakePolyAI;
let client: PolyAI;
const logger = pino({ level: 'silent' });
const policy = { rateLimitedAttempts: 3, transientAttempts: 3, maxRetryAfterSeconds: 5, minBackoffMs: 10 };

async function failure(promise: Promise<unknown>): Promise<PolyAIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PolyAIError) return error;
    throw error;
  }
  throw new Error('expected a PolyAIError');
}

beforeAll(async () => {
  fake = await startFakePolyAI();
  // Generous, so a loaded machine never times out an ordinary request; the timeout test has its own client.
  client = new PolyAI({ baseUrl: fake.url, apiKey: 'test-polyai-key', timeoutMs: 10_000, logger, retryPolicy: policy });
});

afterAll(async () => {
  await fake?.close();
});

describe('PolyAI client', () => {
  it('sends the API key and a correlation ID, and returns typed data', async () => {
    const greeting = await client.createDebugChat('agent-1', { clientEnv: 'sandbox' }, 'corr-123');
    expect(greeting.response).toBe('Hello! How can I help?');
    const request = fake.requestsOf('createDebugChat').at(-1);
    expect(request?.headers['x-api-key']).toBe('test-polyai-key');
    expect(request?.correlationId).toBe('corr-123');
    await client.listConversations('agent-1', { limit: 5, offset: 0 });
    expect(fake.requestsOf('listConversations').at(-1)?.headers['x-polyai-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns the error envelope into one PolyAIError with status, code, message and correlation ID', async () => {
    const error = await failure(client.createDebugChat('nope', { clientEnv: 'sandbox' }, 'corr-404'));
    expect(error).toMatchObject({ kind: 'http', status: 404, code: 'AGENT_NOT_FOUND', correlationId: 'corr-404' });
    expect(polyaiErrorText(error, 'It failed')).toContain('`AGENT_NOT_FOUND`');
    expect(polyaiErrorText(error, 'It failed')).toContain('`corr-404`');
  });

  it('retries a 429 after Retry-After, on any request', async () => {
    const { conversationId } = await client.createDebugChat('agent-1', { clientEnv: 'sandbox' });
    fake.rateLimitNext(1, 1, 'respondDebugChat');
    const started = performance.now();
    const reply = await client.respond('agent-1', conversationId, { clientEnv: 'sandbox', message: 'hi' });
    expect(reply.response).toBe('You said: hi');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    const attempts = fake.turns(conversationId);
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    expect(new Set(attempts.map((r) => r.correlationId)).size).toBe(1);
  });

  it('does not repeat a debug-chat turn after a 5xx, but does repeat a read', async () => {
    const { conversationId } = await client.createDebugChat('agent-1', { clientEnv: 'sandbox' });
    fake.failNext(1, { status: 503, error_code: 'UNAVAILABLE', op: 'respondDebugChat' });
    const error = await failure(client.respond('agent-1', conversationId, { clientEnv: 'sandbox', message: 'once' }));
    expect(error.status).toBe(503);
    expect(fake.turns(conversationId)).toHaveLength(1);

    fake.failNext(2, { status: 502, error_code: 'BAD_GATEWAY', op: 'listConversations' });
    const before = fake.requestsOf('listConversations').length;
    await client.listConversations('agent-1', { limit: 1, offset: 0 });
    expect(fake.requestsOf('listConversations').length - before).toBe(3);
  });

  it('gives up with a timeout error when PolyAI does not answer in time', async () => {
    const { conversationId } = await client.createDebugChat('agent-1', { clientEnv: 'sandbox' });
    fake.hangNext(1, 'respondDebugChat');
    const quick = new PolyAI({
      baseUrl: fake.url,
      apiKey: 'test-polyai-key',
      timeoutMs: 500,
      logger,
      retryPolicy: policy,
    });
    const error = await failure(quick.respond('agent-1', conversationId, { clientEnv: 'sandbox', message: 'slow' }));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('0.5 s');
    expect(fake.turns(conversationId)).toHaveLength(1);
  });

  it('times out a JSON answer whose body stalls after the headers', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"conversationId":');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const stalled = new PolyAI({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'k',
      timeoutMs: 300,
      logger,
      retryPolicy: policy,
    });
    try {
      const error = await failure(stalled.respond('agent-1', 'c1', { clientEnv: 'sandbox', message: 'hi' }));
      expect(error.kind).toBe('timeout');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('sends turns over one kept-alive connection, with the body, key and correlation ID of each', async () => {
    const bodies: string[] = [];
    const server = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      bodies.push(`${req.headers['x-api-key']} ${req.headers['x-polyai-correlation-id']} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ conversationId: 'c1', response: `You said: ${JSON.parse(body).message}` }));
    });
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const kept = new PolyAI({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', timeoutMs: 2000, logger });
    try {
      for (const message of ['one', 'two', 'three']) {
        const reply = await kept.respond('agent-1', 'c1', { clientEnv: 'sandbox', message }, `corr-${message}`);
        expect(reply.response).toBe(`You said: ${message}`);
      }
      expect(bodies).toEqual(
        ['one', 'two', 'three'].map((m) => `k corr-${m} ${JSON.stringify({ clientEnv: 'sandbox', message: m })}`),
      );
      expect(connections).toBe(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('streams audio with its announced length', async () => {
    const { conversationId } = await client.createDebugChat('agent-1', { clientEnv: 'sandbox' });
    fake.setRecording(conversationId, { bytes: 100_000 });
    const audio = await client.audio('agent-1', conversationId, { direction: 'combined', redacted: true });
    expect(audio.length).toBe(100_044);
    let received = 0;
    for await (const chunk of audio.body) received += chunk.byteLength;
    expect(received).toBe(100_044);
  });
});

describe('error mapping', () => {
  it('reads Retry-After in seconds and as a date', () => {
    expect(retryAfterSeconds(new Response(null, { headers: { 'retry-after': '3' } }))).toBe(3);
    const inTwo = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterSeconds(new Response(null, { headers: { 'retry-after': inTwo } }))).toBeGreaterThan(0.5);
    expect(retryAfterSeconds(new Response(null))).toBeUndefined();
  });

  it('falls back to the status and the sent correlation ID when the body is not an envelope', () => {
    const error = errorFromResponse(
      new Response('oops', { status: 502, statusText: 'Bad Gateway' }),
      undefined,
      'sent-id',
    );
    expect(error).toMatchObject({ status: 502, code: undefined, correlationId: 'sent-id', message: '502 Bad Gateway' });
  });

  it('knows both spellings of the ended-conversation code', () => {
    const make = (status: number, code: string) => new PolyAIError('http', 'x', status, code, 'c');
    expect(make(400, 'ChatConversationEnded').conversationEnded).toBe(true);
    expect(make(410, 'CHAT_CONVERSATION_ENDED').conversationEnded).toBe(true);
    expect(make(400, 'CHAT_TIMEOUT').conversationEnded).toBe(false);
  });
});
