/**
 * A streaming multipart/form-data reader for the fake Slack upload endpoint:
 * it hands file-part bytes to a callback as they arrive and keeps at most one
 * network chunk plus a boundary's length in memory.
 */

export interface MultipartPartInfo {
  name?: string;
  filename?: string;
  contentType?: string;
}

export interface MultipartHandlers {
  /** bytes of a part that has a filename */
  onFileData(part: MultipartPartInfo, data: Buffer): void;
  /** a complete non-file field (kept up to 64 KiB) */
  onField?(name: string, value: string): void;
}

export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2])?.trim() : undefined;
}

/** Reads the whole multipart body from `source`; resolves when the closing boundary was seen. */
export async function readMultipart(
  source: AsyncIterable<Buffer | string>,
  boundary: string,
  handlers: MultipartHandlers,
): Promise<void> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const headerEnd = Buffer.from('\r\n\r\n');
  // A leading CRLF lets the first boundary match the same delimiter as the rest.
  let buf: Buffer = Buffer.from('\r\n');
  type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State;
  let part: MultipartPartInfo = {};
  let fieldChunks: Buffer[] = [];
  let fieldSize = 0;

  const emit = (data: Buffer) => {
    if (data.length === 0) return;
    if (part.filename !== undefined) handlers.onFileData(part, data);
    else if (fieldSize < 64 * 1024) {
      fieldChunks.push(data);
      fieldSize += data.length;
    }
  };
  const endPart = () => {
    if (part.filename === undefined && part.name !== undefined) {
      handlers.onField?.(part.name, Buffer.concat(fieldChunks).toString('utf8'));
    }
    fieldChunks = [];
    fieldSize = 0;
  };

  const step = (): boolean => {
    switch (state) {
      case 'preamble': {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1));
          return false;
        }
        buf = buf.subarray(i + delimiter.length);
        state = 'afterDelimiter';
        return true;
      }
      case 'afterDelimiter': {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return false;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return false; // transport padding before CRLF
        buf = buf.subarray(eol + 2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const i = buf.indexOf(headerEnd);
        if (i < 0) {
          if (buf.length > 16 * 1024) throw new Error('multipart part headers too long');
          return false;
        }
        part = parsePartHeaders(buf.subarray(0, i).toString('utf8'));
        buf = buf.subarray(i + headerEnd.length);
        state = 'body';
        return true;
      }
      case 'body': {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          const keep = delimiter.length - 1;
          if (buf.length > keep) {
            emit(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
          }
          return false;
        }
        emit(buf.subarray(0, i));
        endPart();
        buf = buf.subarray(i + delimiter.length);
        state = 'afterDelimiter';
        return true;
      }
      case 'done':
        return false;
    }
  };

  for await (const chunk of source) {
    if (state === 'done') continue; // drain the epilogue
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    buf = buf.length === 0 ? data : Buffer.concat([buf, data]);
    while (step()) {
      // keep parsing what is buffered
    }
  }
  if (state !== 'done') throw new Error('multipart body ended before the closing boundary');
}

function parsePartHeaders(text: string): MultipartPartInfo {
  const info: MultipartPartInfo = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-type') info.contentType = value;
    if (name === 'content-disposition') {
      const n = /\bname="([^"]*)"/i.exec(value);
      const f = /\bfilename="([^"]*)"/i.exec(value);
      if (n) info.name = n[1];
      if (f) info.filename = f[1];
    }
  }
  return info;
}
