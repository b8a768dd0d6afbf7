import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type Logger as BoltLogger, type CustomRoute, defaultBodyLimit, HTTPReceiver } from '@slack/bolt';

/**
 * Whether a request to `/slack/events` is valid JSON but no object (a JSON `null`, or a
 * `payload=null` form): Bolt reads fields of it before any listener, so it would throw there,
 * outside every handler, and leave the request unanswered. Bodies that are no JSON at all Bolt
 * answers 400 itself. Judged without parsing the body in the usual case (it opens with `{`):
 * Bolt parses it again anyway.
 */
function jsonButNoObject(raw: string, contentType: string | undefined): boolean {
  let json = raw;
  if (contentType === 'application/x-www-form-urlencoded') {
    // Commands are forms without a payload; interactions carry theirs as JSON in `payload`.
    if (!raw.includes('payload=')) return false;
    const { payload } = parseQuery(raw);
    if (typeof payload !== 'string') return false;
    json = payload;
  }
  if (json[json.search(/\S/)] === '{') return false;
  try {
    JSON.parse(json);
    return true;
  } catch {
    return false;
  }
}

/**
 * Bolt's HTTP receiver, with requests whose body is valid JSON but no object answered 400 before
 * Bolt sees them. The body is buffered here the way Bolt buffers it (`rawBody`), so Bolt still
 * verifies its signature as sent.
 */
export function httpReceiver(options: { signingSecret: string; logger: BoltLogger; customRoutes: CustomRoute[] }) {
  const receiver = new HTTPReceiver(options);
  const listener = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      listener(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= defaultBodyLimit) chunks.push(chunk);
    });
    req.once('error', () => res.destroy());
    req.once('end', () => {
      if (size > defaultBodyLimit) {
        res.writeHead(413).end();
        return;
      }
      const rawBody = Buffer.concat(chunks);
      if (jsonButNoObject(rawBody.toString('utf8'), req.headers['content-type'])) {
        options.logger.warn('request body is not an object; answered 400');
        res.writeHead(400).end();
        return;
      }
      Object.assign(req, { rawBody });
      listener(req, res);
    });
  };
  return receiver;
}
