import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type Logger as BoltLogger, type CustomRoute, defaultBodyLimit, HTTPReceiver } from '@slack/bolt';

/**
 * What a request to `/slack/events` carries once parsed as Bolt parses it, or undefined when it
 * is not an object: Bolt reads fields of it before any listener, so a JSON `null` (or a
 * `payload=null` form) would throw there, outside every handler, and leave the request unanswered.
 */
function parsedShape(raw: string, contentType: string | undefined): 'object' | 'other' | 'unparsable' {
  try {
    let parsed: unknown;
    if (contentType === 'application/x-www-form-urlencoded') {
      const { payload } = parseQuery(raw);
      parsed = typeof payload === 'string' ? JSON.parse(payload) : {};
    } else parsed = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? 'object' : 'other';
  } catch {
    // Bolt answers these 400 itself.
    return 'unparsable';
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
      if (parsedShape(rawBody.toString('utf8'), req.headers['content-type']) === 'other') {
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
