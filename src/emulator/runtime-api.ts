/**
 * The Runtime API (2018-06-01) of every environment. Lambda's API carries no environment identity, so each
 * environment gets its own TCP listener on 127.0.0.1:0; all listeners feed one shared HTTP parser (the socket
 * says which environment it belongs to), which keeps 500 environments cheap. Each request first tries the
 * environment's state transition and only then reads or writes anything.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { EnvEffect, EnvEvent, EnvRefusal, EnvTransition } from './environment.js';

/** Largest response a runtime may post (6 MiB + 100 bytes, as RIE and Lambda). */
export const MAX_RESPONSE_BYTES = 6_291_556;

const PREFIX = '/2018-06-01/runtime/';
const ACCEPTED = '{"status":"OK"}';
const ERROR_TYPE_HEADER = 'lambda-runtime-function-error-type';
const ERROR_BODY_TRAILER = 'lambda-runtime-function-error-body';

/** What a runtime posted for an invocation. */
export type RuntimeResult =
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; body: Buffer; errorType: string }
  | { kind: 'tooLarge'; sizeBytes: number }
  | { kind: 'truncated' };

/** The environment side of the Runtime API (implemented by the execution environment). */
export interface RuntimeApiTarget {
  /** Tries the state transition; no I/O has happened yet. */
  apply(event: EnvEvent): EnvTransition;
  /** After an accepted `GET /next`: the request to answer (now or at the next dispatch). */
  next(res: ServerResponse, effect: EnvEffect): void;
  /** After an accepted answer whose body has been read. */
  result(requestId: string, result: RuntimeResult): void;
  /** After an accepted `/init/error` whose body has been read. */
  initError(body: Buffer, errorType: string): void;
}

/** One environment's listener. */
export interface RuntimeListener {
  /** `127.0.0.1:<port>`, the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Stops listening and drops the environment's connections. */
  close(): void;
}

/** The shared parser plus a listener per environment. */
export class RuntimeApiHub {
  private readonly http: Server;
  private readonly targets = new WeakMap<Socket, RuntimeApiTarget>();

  constructor() {
    // No server-side timeouts: `/next` is a long poll that must never time out (aws-lambda-go exits on a non-200).
    this.http = createHttpServer({ requestTimeout: 0 }, (req, res) => {
      const target = this.targets.get(req.socket);
      if (target === undefined) res.destroy();
      else handleRuntimeRequest(target, req, res);
    });
    this.http.keepAliveTimeout = 0;
    this.http.on('clientError', (_error, socket) => {
      // Garbage on the wire: a 400 and a closed connection, never an exception.
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Opens a listener on 127.0.0.1:0 whose requests go to `target`. */
  async listen(target: RuntimeApiTarget): Promise<RuntimeListener> {
    const sockets = new Set<Socket>();
    const server = createNetServer({ noDelay: true }, (socket) => {
      this.targets.set(socket, target);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      this.http.emit('connection', socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return {
      address: `127.0.0.1:${port}`,
      close() {
        server.close();
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      },
    };
  }
}

/** Routes one Runtime API request; every refusal is a Lambda-shaped JSON error. */
export function handleRuntimeRequest(target: RuntimeApiTarget, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '';
  const rest = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : undefined;
  if (rest === 'invocation/next' && req.method === 'GET') {
    const t = target.apply({ type: 'next' });
    if (!t.ok) return sendRefusal(res, t.refusal);
    return target.next(res, t.effect);
  }
  if (rest !== undefined && req.method === 'POST') {
    if (rest === 'init/error') {
      const t = target.apply({ type: 'initError' });
      if (!t.ok) return sendRefusal(res, t.refusal);
      void readBody(req, MAX_RESPONSE_BYTES).then((read) => {
        const body = read.body ?? Buffer.alloc(0);
        sendAccepted(res);
        target.initError(body, errorTypeOf(req.headers[ERROR_TYPE_HEADER], body, 'Runtime.Unknown'));
      });
      return;
    }
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (match !== null) {
      const requestId = safeDecode(match[1] ?? '');
      const t = target.apply({ type: 'answer', requestId });
      if (!t.ok) return sendRefusal(res, t.refusal);
      const isError = match[2] === 'error';
      void readBody(req, MAX_RESPONSE_BYTES).then((read) => {
        if (read.body === undefined) {
          if (read.complete) {
            sendJson(res, 413, {
              errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
              errorType: 'RequestEntityTooLarge',
            });
            target.result(requestId, { kind: 'tooLarge', sizeBytes: read.sizeBytes });
          } else {
            target.result(requestId, { kind: 'truncated' });
          }
          return;
        }
        sendAccepted(res);
        // aws-lambda-go reports a failure that happened mid-stream through trailers, on /response too.
        const trailerType = req.trailers[ERROR_TYPE_HEADER];
        if (trailerType !== undefined && trailerType !== '') {
          const trailerBody = req.trailers[ERROR_BODY_TRAILER];
          const body = trailerBody === undefined || trailerBody === '' ? read.body : Buffer.from(trailerBody, 'base64');
          target.result(requestId, { kind: 'error', body, errorType: trailerType });
        } else if (isError) {
          target.result(requestId, { kind: 'error', body: read.body, errorType: errorTypeOf(req.headers[ERROR_TYPE_HEADER], read.body, 'Function.Unknown') });
        } else {
          target.result(requestId, { kind: 'response', body: read.body });
        }
      });
      return;
    }
  }
  sendJson(res, 404, { errorType: 'NotFound', errorMessage: `Unknown Runtime API route: ${req.method ?? '?'} ${url.slice(0, 200)}` });
}

interface BodyRead {
  /** Undefined when over the limit or cut off. */
  body: Buffer | undefined;
  sizeBytes: number;
  /** False when the runtime went away before the end of the body. */
  complete: boolean;
}

/** Reads a (possibly chunked) body, keeping at most `limit` bytes; never rejects. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      resolve({ body: size > limit ? undefined : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size), sizeBytes: size, complete: true });
    });
    req.on('error', () => resolve({ body: undefined, sizeBytes: size, complete: false }));
    req.on('close', () => {
      if (!req.complete) resolve({ body: undefined, sizeBytes: size, complete: false });
    });
  });
}

/** errorType from the header when given, else from the JSON body's `errorType`, else `fallback`. */
function errorTypeOf(header: string | string[] | undefined, body: Buffer, fallback: string): string {
  if (typeof header === 'string' && header !== '') return header;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'errorType' in parsed) {
      const value = (parsed as { errorType: unknown }).errorType;
      if (typeof value === 'string' && value !== '') return value;
    }
  } catch {
    // Not JSON: the body still goes to the caller verbatim.
  }
  return fallback;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function sendAccepted(res: ServerResponse): void {
  res.writeHead(202, { 'Content-Type': 'application/json', 'Content-Length': ACCEPTED.length });
  res.end(ACCEPTED);
}

function sendRefusal(res: ServerResponse, refusal: EnvRefusal): void {
  sendJson(res, refusal.status, { errorType: refusal.errorType, errorMessage: refusal.errorMessage });
}

function sendJson(res: ServerResponse, status: number, body: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
