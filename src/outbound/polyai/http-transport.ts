import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** A request as it goes on the wire: its body read once, so each retry sends the same bytes. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The attempt took longer than its time limit; the connection was dropped. */
export class TimeoutError extends Error {}

// Idle connections are dropped before a server's usual 5 s keep-alive timeout closes them
// under a request on its way.
const agents = {
  http: new HttpAgent({ keepAlive: true, timeout: 4000 }),
  https: new HttpsAgent({ keepAlive: true, timeout: 4000 }),
};

/** Statuses whose responses have no body (a Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * What openapi-fetch builds each PolyAI request into (its `Request` option). undici's Request
 * turns the JSON body into a web stream that the transport then reads back: measured on Node
 * 20, that is about 90 µs of CPU a turn. This one keeps the text; whatever else a caller asks
 * of a Request comes from a standard one, made only then.
 */
export class PlainRequest implements Request {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly #text: string | undefined;
  #standard: Request | undefined;

  constructor(input: string | URL | Request, init: RequestInit = {}) {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('PlainRequest takes a URL');
    if (init.body != null && typeof init.body !== 'string') throw new TypeError('PolyAI requests carry JSON text');
    this.url = String(input);
    this.method = (init.method ?? 'GET').toUpperCase();
    this.headers = new Headers(init.headers);
    this.#text = init.body ?? undefined;
  }

  private get standard(): Request {
    this.#standard ??= new Request(this.url, { method: this.method, headers: this.headers, body: this.#text ?? null });
    return this.#standard;
  }

  text(): Promise<string> {
    return Promise.resolve(this.#text ?? '');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  get body() {
    return this.#text === undefined ? null : this.standard.body;
  }
  get bodyUsed() {
    return this.#standard?.bodyUsed ?? false;
  }
  arrayBuffer() {
    return this.standard.arrayBuffer();
  }
  blob() {
    return this.standard.blob();
  }
  formData() {
    return this.standard.formData();
  }
  clone(): Request {
    return new PlainRequest(this.url, { method: this.method, headers: this.headers, body: this.#text ?? null });
  }
  get cache() {
    return this.standard.cache;
  }
  get credentials() {
    return this.standard.credentials;
  }
  get destination() {
    return this.standard.destination;
  }
  get integrity() {
    return this.standard.integrity;
  }
  get mode() {
    return this.standard.mode;
  }
  get redirect() {
    return this.standard.redirect;
  }
  get referrer() {
    return this.standard.referrer;
  }
  get referrerPolicy() {
    return this.standard.referrerPolicy;
  }
  get keepalive() {
    return this.standard.keepalive;
  }
  get signal() {
    return this.standard.signal;
  }
  get duplex() {
    return this.standard.duplex;
  }
}

/**
 * A JSON answer read whole, as a Response: text and JSON come straight from the bytes (undici's
 * Response would wrap them in a web stream first, about 70 µs a turn); anything else a caller
 * asks of a Response comes from a standard one, made only then.
 */
class BufferedResponse implements Response {
  readonly ok: boolean;
  readonly type = 'basic';
  readonly redirected = false;
  #standard: Response | undefined;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    private readonly bytes: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  private get standard(): Response {
    this.#standard ??= new Response(this.bytes, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
    return this.#standard;
  }

  async text(): Promise<string> {
    return this.bytes.toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.bytes.toString('utf8'));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes.buffer.slice(this.bytes.byteOffset, this.bytes.byteOffset + this.bytes.byteLength) as ArrayBuffer;
  }
  get body() {
    return this.standard.body;
  }
  get bodyUsed() {
    return this.#standard?.bodyUsed ?? false;
  }
  blob() {
    return this.standard.blob();
  }
  formData() {
    return this.standard.formData();
  }
  clone(): Response {
    return new BufferedResponse(this.url, this.status, this.statusText, new Headers(this.headers), this.bytes);
  }
}

/**
 * Sends one request over `node:http(s)` with kept-alive connections, and answers a Response for
 * openapi-fetch: measured on Node 20, undici's `fetch` and its web streams cost about 0.7 ms
 * more CPU per PolyAI turn. The attempt must be over within `timeoutMs` (else the connection is
 * dropped and this rejects with a TimeoutError): a JSON answer whole, a `stream`ed one up to its
 * headers, after which its body streams on as it arrives (recordings are never held whole).
 */
export async function send(request: WireRequest, timeoutMs: number, stream: boolean): Promise<Response> {
  const target = new URL(request.url);
  const secure = target.protocol === 'https:';
  const outgoing = (secure ? httpsRequest : httpRequest)(target, {
    method: request.method,
    headers:
      request.body === undefined
        ? request.headers
        : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
    agent: secure ? agents.https : agents.http,
  });
  // A timer rather than an AbortSignal: the same effect for a fraction of the CPU.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    outgoing.destroy();
  }, timeoutMs);
  try {
    const incoming = await new Promise<IncomingMessage>((resolve, reject) => {
      outgoing.once('response', resolve);
      // Kept for the whole exchange: a connection lost mid-body errors the request again, after the response.
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
    const status = incoming.statusCode ?? 0;
    const headers = new Headers();
    const raw = incoming.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
    const init = { status, statusText: incoming.statusMessage ?? '', headers };
    if (NO_BODY.has(status)) {
      incoming.resume();
      return new Response(null, init);
    }
    // Read only as the consumer pulls (not Readable.toWeb, which reads ahead): a connection lost
    // before anyone reads fails the read, never the process.
    if (stream) return new Response(ReadableStream.from(incoming), init);
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    return new BufferedResponse(request.url, status, init.statusText, headers, Buffer.concat(chunks));
  } catch (error) {
    throw timedOut ? new TimeoutError(`no answer within ${timeoutMs} ms`) : error;
  } finally {
    clearTimeout(timer);
  }
}
