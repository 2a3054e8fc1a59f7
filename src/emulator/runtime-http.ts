/**
 * A small HTTP/1.1 server for the Runtime API, on raw sockets. Node's http server costs the emulator a write
 * per response and two objects per request; here responses that are ready together leave in one write (the
 * 202 for a pipelined answer goes out with the next event), which is what bounds warm throughput on a VM
 * where every loopback write wakes another process. Requests are parsed strictly: anything that is not
 * HTTP/1.x gets a 400 and a closed connection.
 */
import type { Socket } from 'node:net';

/** Largest request head (request line + headers) accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
const REQUEST_LINE = /^([A-Z]{1,16}) (\S+) HTTP\/1\.[01]$/;
const REASONS: Record<number, string> = { 200: 'OK', 202: 'Accepted', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 500: 'Internal Server Error' };

/** A request body as read: undefined `body` when over the limit or cut off. */
export interface BodyRead {
  body: Buffer | undefined;
  sizeBytes: number;
  /** False when the connection went away before the end of the body. */
  complete: boolean;
}

/** One parsed request; its body arrives later through `body`. */
export interface RuntimeRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Trailers of a chunked body (lower-case names), filled once the body is complete. */
  readonly trailers: Record<string, string>;
  /** Resolves once the whole body is in (bytes beyond `limitBytes` are counted, not kept). */
  readonly body: Promise<BodyRead>;
}

/** The response slot of one request; responses leave in request order. */
export interface RuntimeReply {
  /**
   * Answers the request (once; later calls are ignored). `headers` is an object, or header lines already
   * formatted (`Name: value\r\n` each); Content-Length is always the server's.
   */
  send(status: number, headers: Readonly<Record<string, string | number>> | string, body?: Buffer | string): void;
  /** False once the connection is gone. */
  readonly alive: boolean;
}

/** Handles one request; must eventually call `reply.send` (or the connection's later responses wait). */
export type RuntimeHandler = (req: RuntimeRequest, reply: RuntimeReply) => void;

interface Slot extends RuntimeReply {
  bytes: Buffer | undefined;
  /** A 202 that may wait for the response behind it, so both reach the runtime in one write. */
  mayWait: boolean;
}

interface Parsing {
  req: RuntimeRequest & { trailers: Record<string, string> };
  resolve: (read: BodyRead) => void;
  chunks: Buffer[];
  size: number;
  limit: number;
  /** Bytes of the current content-length body (or chunk) still to read. */
  remaining: number;
  chunked: boolean;
  /** Chunked sub-state: reading a size line, chunk data, the CRLF after data, or trailers. */
  chunkState: 'size' | 'data' | 'crlf' | 'trailers';
}

/** Serves the Runtime API protocol on `socket` until it closes. */
export function serveRuntimeConnection(socket: Socket, handler: RuntimeHandler, bodyLimitBytes: number): void {
  let buffer: Buffer = Buffer.alloc(0);
  let parsing: Parsing | undefined;
  let closed = false;
  const queue: Slot[] = [];

  const flush = (): void => {
    const ready: Buffer[] = [];
    while (queue.length > 0) {
      const head = queue[0] as Slot;
      if (head.bytes === undefined) break;
      // Hold a pipelined 202 while the response queued behind it is not ready: they leave together.
      if (head.mayWait && queue.length > 1 && (queue[1] as Slot).bytes === undefined && ready.length === 0) break;
      ready.push(head.bytes);
      queue.shift();
    }
    if (ready.length === 0 || closed) return;
    socket.write(ready.length === 1 ? (ready[0] as Buffer) : Buffer.concat(ready));
  };

  const fail = (): void => {
    if (closed) return;
    closed = true;
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  };

  const finishBody = (complete: boolean): void => {
    const p = parsing;
    if (p === undefined) return;
    parsing = undefined;
    const body = !complete || p.size > p.limit ? undefined : p.chunks.length === 1 ? (p.chunks[0] as Buffer) : Buffer.concat(p.chunks, p.size);
    p.resolve({ body, sizeBytes: p.size, complete });
  };

  const takeBody = (data: Buffer): void => {
    const p = parsing as Parsing;
    p.size += data.length;
    if (p.size <= p.limit) p.chunks.push(data);
  };

  /** Parses as much of `buffer` as possible (stops for good once the connection is refused). */
  const parse = (): void => {
    for (;;) {
      if (closed) return;
      if (parsing === undefined) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffer.length > MAX_HEAD_BYTES) fail();
          return;
        }
        const lines = buffer.toString('latin1', 0, end).split('\r\n');
        buffer = buffer.subarray(end + 4);
        const m = REQUEST_LINE.exec(lines[0] ?? '');
        if (m === null) return fail();
        const headers: Record<string, string> = {};
        for (let i = 1; i < lines.length; i++) {
          const line = lines[i] as string;
          const colon = line.indexOf(':');
          if (colon <= 0) return fail();
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        const chunked = /\bchunked\b/i.test(headers['transfer-encoding'] ?? '');
        const lengthHeader = headers['content-length'];
        const length = chunked || lengthHeader === undefined ? 0 : /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : NaN;
        if (Number.isNaN(length)) return fail();
        let resolve!: (read: BodyRead) => void;
        const body = new Promise<BodyRead>((r) => (resolve = r));
        const req = { method: m[1] as string, url: m[2] as string, headers, trailers: {}, body };
        parsing = { req, resolve, chunks: [], size: 0, limit: bodyLimitBytes, remaining: length, chunked, chunkState: 'size' };
        if (/100-continue/i.test(headers['expect'] ?? '')) socket.write('HTTP/1.1 100 Continue\r\n\r\n');
        const slot: Slot = {
          bytes: undefined,
          mayWait: false,
          get alive() {
            return !closed;
          },
          send(status, responseHeaders, responseBody) {
            if (slot.bytes !== undefined) return;
            const payload = responseBody === undefined ? EMPTY : typeof responseBody === 'string' ? Buffer.from(responseBody) : responseBody;
            let head = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}\r\n`;
            if (typeof responseHeaders === 'string') head += responseHeaders;
            else for (const [k, v] of Object.entries(responseHeaders)) if (k.toLowerCase() !== 'content-length') head += `${k}: ${v}\r\n`;
            head += `Content-Length: ${payload.length}\r\n\r\n`;
            slot.bytes = payload.length === 0 ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), payload]);
            slot.mayWait = status === 202;
            flush();
          },
        };
        queue.push(slot);
        try {
          handler(req, slot);
        } catch (error) {
          // A bug on our side must cost one request, never the emulator.
          slot.send(500, { 'Content-Type': 'application/json' }, JSON.stringify({ errorType: 'InternalServerError', errorMessage: String(error) }));
        }
        if (!chunked && length === 0) finishBody(true);
        continue;
      }
      const p = parsing;
      if (!p.chunked) {
        if (buffer.length === 0) return;
        const take = Math.min(p.remaining, buffer.length);
        takeBody(buffer.subarray(0, take));
        buffer = buffer.subarray(take);
        p.remaining -= take;
        if (p.remaining === 0) finishBody(true);
        continue;
      }
      if (p.chunkState === 'data') {
        if (buffer.length === 0) return;
        const take = Math.min(p.remaining, buffer.length);
        takeBody(buffer.subarray(0, take));
        buffer = buffer.subarray(take);
        p.remaining -= take;
        if (p.remaining === 0) p.chunkState = 'crlf';
        continue;
      }
      const lineEnd = buffer.indexOf('\r\n');
      if (lineEnd < 0) {
        if (buffer.length > MAX_HEAD_BYTES) fail();
        return;
      }
      const line = buffer.toString('latin1', 0, lineEnd);
      buffer = buffer.subarray(lineEnd + 2);
      if (p.chunkState === 'crlf') {
        if (line !== '') return fail();
        p.chunkState = 'size';
      } else if (p.chunkState === 'size') {
        const size = parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) return fail();
        if (size === 0) p.chunkState = 'trailers';
        else {
          p.remaining = size;
          p.chunkState = 'data';
        }
      } else if (line === '') {
        finishBody(true);
      } else {
        const colon = line.indexOf(':');
        if (colon <= 0) return fail();
        p.req.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
    }
  };

  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    parse();
  });
  const onGone = (): void => {
    closed = true;
    finishBody(false);
    queue.length = 0;
  };
  socket.on('close', onGone);
  socket.on('error', () => socket.destroy());
}

const EMPTY = Buffer.alloc(0);
