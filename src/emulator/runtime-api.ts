/**
 * The Runtime API (2018-06-01) of every environment, on node's own HTTP server. Lambda's API carries no
 * environment identity, so each environment gets its own listener on 127.0.0.1:0. Each request first tries
 * the environment's state transition and only then reads its body or writes anything (as AWS's RIE does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { PLATFORM_ERRORS } from '../lambda/errors.js';
import type { EnvEffect, EnvEvent, EnvRefusal, EnvTransition } from './environment.js';

/** Largest response a runtime may post (6 MiB + 100 bytes, as RIE and Lambda). */
export const MAX_RESPONSE_BYTES = 6_291_556;

const PREFIX = '/2018-06-01/runtime/';
const ACCEPTED = '{"status":"OK"}';
const ERROR_TYPE_HEADER = 'lambda-runtime-function-error-type';
const ERROR_BODY_TRAILER = 'lambda-runtime-function-error-body';
/** A runtime that sends half a request head is cut off after this long (node's default is 60 s). */
const HEADERS_TIMEOUT_MS = 10_000;

/** What a runtime posted for an invocation. */
export type RuntimeResult =
  | { kind: 'response'; body: Buffer }
  | { kind: 'error'; body: Buffer; errorType: string }
  | { kind: 'tooLarge'; sizeBytes: number }
  | { kind: 'truncated' };

/** The answer slot of one accepted `GET /next`. */
export interface RuntimeReply {
  /** Answers the request (once; later calls are ignored). */
  send(status: number, headers: Readonly<Record<string, string | number>>, body?: Buffer | string): void;
  /** False once the runtime's connection is gone. */
  readonly alive: boolean;
  /** Calls `listener` once if the connection goes away before the answer was sent. */
  onGone(listener: () => void): void;
}

/** The environment side of the Runtime API (implemented by the execution environment). */
export interface RuntimeApiTarget {
  /** Tries the state transition; no I/O has happened yet. */
  apply(event: EnvEvent): EnvTransition;
  /** After an accepted `GET /next`: the request to answer (now or at the next dispatch). */
  next(reply: RuntimeReply, effect: EnvEffect): void;
  /** After an accepted answer whose body has been read (or could not be). */
  result(requestId: string, result: RuntimeResult): void;
  /** After an accepted `/init/error` whose body (the document the caller gets) has been read. */
  initError(body: Buffer): void;
}

/** One environment's listener. */
export interface RuntimeListener {
  /** `127.0.0.1:<port>`, the value of AWS_LAMBDA_RUNTIME_API. */
  readonly address: string;
  /** Stops listening and drops the environment's connections. */
  close(): void;
}

/** Listener settings. */
export interface ListenOptions {
  /**
   * How long a keep-alive connection may sit between a response and the runtime's next request. On Lambda the
   * environment is frozen between invocations, so this only has to outlast one invocation (its timeout).
   */
  idleTimeoutMs: number;
}

/** Opens one Runtime API listener per environment. */
export class RuntimeApiHub {
  /** Opens a listener on 127.0.0.1:0 whose requests go to `target`. */
  async listen(target: RuntimeApiTarget, options: ListenOptions): Promise<RuntimeListener> {
    const server = createServer({ noDelay: true, headersTimeout: HEADERS_TIMEOUT_MS }, (req, res) => {
      try {
        handleRuntimeRequest(target, req, res);
      } catch (error) {
        // A bug on our side must cost one request, never the emulator.
        internalError(res, error);
      }
    });
    server.keepAliveTimeout = options.idleTimeoutMs;
    // /next is a long poll that may wait for an event forever: no limit on the time to answer a request.
    server.requestTimeout = 0;
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
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
        server.closeAllConnections();
      },
    };
  }
}

/** Routes one Runtime API request; every refusal is a Lambda-shaped JSON error. */
function handleRuntimeRequest(target: RuntimeApiTarget, req: IncomingMessage, res: ServerResponse): void {
  res.sendDate = false;
  const url = req.url ?? '';
  const rest = url.startsWith(PREFIX) ? url.slice(PREFIX.length) : undefined;
  if (rest === 'invocation/next' && req.method === 'GET') {
    const t = target.apply({ type: 'next' });
    if (!t.ok) return sendRefusal(res, t.refusal);
    return target.next(replyOf(res), t.effect);
  }
  if (rest !== undefined && req.method === 'POST') {
    if (rest === 'init/error') {
      const t = target.apply({ type: 'initError' });
      if (!t.ok) return sendRefusal(res, t.refusal);
      void readBody(req).then((read) =>
        guarded(res, () => {
          sendAccepted(res);
          target.initError(read.body ?? Buffer.alloc(0));
        }),
      );
      return;
    }
    const match = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (match !== null) {
      const requestId = safeDecode(match[1] ?? '');
      const t = target.apply({ type: 'answer', requestId });
      if (!t.ok) return sendRefusal(res, t.refusal);
      const isError = match[2] === 'error';
      void readBody(req).then((read) => guarded(res, () => answer(target, req, res, requestId, isError, read)));
      return;
    }
  }
  sendJson(res, 404, { errorType: 'NotFound', errorMessage: `Unknown Runtime API route: ${req.method ?? ''} ${url.slice(0, 200)}` });
}

/** An answer's body is in: acknowledge it and hand the result to the environment. */
function answer(target: RuntimeApiTarget, req: IncomingMessage, res: ServerResponse, requestId: string, isError: boolean, read: BodyRead): void {
  if (read.body === undefined) {
    if (read.complete) {
      sendJson(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`, errorType: 'RequestEntityTooLarge' });
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
    target.result(requestId, { kind: 'error', body: read.body, errorType: errorTypeOf(header(req, ERROR_TYPE_HEADER), read.body, PLATFORM_ERRORS.functionUnknown) });
  } else {
    target.result(requestId, { kind: 'response', body: read.body });
  }
}

/** A request body as read: undefined `body` when over the limit or cut off. */
interface BodyRead {
  body: Buffer | undefined;
  sizeBytes: number;
  /** False when the connection went away before the end of the body. */
  complete: boolean;
}

/** Reads the whole body; bytes beyond MAX_RESPONSE_BYTES are counted, not kept. */
function readBody(req: IncomingMessage): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = size > MAX_RESPONSE_BYTES ? undefined : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      resolve({ body, sizeBytes: size, complete: true });
    });
    // 'close' after 'end' changes nothing (the promise is settled); before it, the runtime went away mid-body.
    req.on('close', () => resolve({ body: undefined, sizeBytes: size, complete: false }));
    req.on('error', () => undefined);
  });
}

function replyOf(res: ServerResponse): RuntimeReply {
  return {
    send(status, headers, body) {
      if (res.headersSent || res.destroyed) return;
      const payload = body === undefined ? EMPTY : body;
      res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(payload) });
      res.end(payload);
    },
    get alive() {
      return !res.destroyed && !res.writableEnded;
    },
    onGone(listener) {
      res.once('close', () => {
        if (!res.writableFinished) listener();
      });
    },
  };
}

/** Runs a continuation of a request; a throw costs that request a 500, never the emulator. */
function guarded(res: ServerResponse, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    internalError(res, error);
  }
}

function internalError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { errorType: 'InternalServerError', errorMessage: error instanceof Error ? error.message : String(error) });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** errorType from the header when given, else from the JSON body's `errorType`, else `fallback`. */
function errorTypeOf(headerValue: string | undefined, body: Buffer, fallback: string): string {
  if (headerValue !== undefined && headerValue !== '') return headerValue;
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
  sendText(res, 202, ACCEPTED);
}

function sendRefusal(res: ServerResponse, refusal: EnvRefusal): void {
  sendJson(res, refusal.status, { errorType: refusal.errorType, errorMessage: refusal.errorMessage });
}

function sendJson(res: ServerResponse, status: number, body: Record<string, string>): void {
  sendText(res, status, JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const EMPTY = Buffer.alloc(0);
