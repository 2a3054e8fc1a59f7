/**
 * The Runtime API (2018-06-01) of every environment. Lambda's API carries no environment identity, so each
 * environment gets its own TCP listener on 127.0.0.1:0, served by the small HTTP/1.1 server of
 * runtime-http.ts. Each request first tries the environment's state transition and only then reads its body
 * or writes anything.
 */
import { createServer as createNetServer, type Socket } from 'node:net';
import type { EnvEffect, EnvEvent, EnvRefusal, EnvTransition } from './environment.js';
import { serveRuntimeConnection, type RuntimeReply, type RuntimeRequest } from './runtime-http.js';

export type { RuntimeReply } from './runtime-http.js';

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
  next(reply: RuntimeReply, effect: EnvEffect): void;
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

/** Opens one Runtime API listener per environment. */
export class RuntimeApiHub {
  /** Opens a listener on 127.0.0.1:0 whose requests go to `target`. */
  async listen(target: RuntimeApiTarget): Promise<RuntimeListener> {
    const sockets = new Set<Socket>();
    const server = createNetServer({ noDelay: true }, (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      serveRuntimeConnection(socket, (req, reply) => handleRuntimeRequest(target, req, reply), MAX_RESPONSE_BYTES);
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
export function handleRuntimeRequest(target: RuntimeApiTarget, req: RuntimeRequest, res: RuntimeReply): void {
  const url = req.url;
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
      void req.body.then((read) => {
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
      void req.body.then((read) => {
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
  sendJson(res, 404, { errorType: 'NotFound', errorMessage: `Unknown Runtime API route: ${req.method} ${url.slice(0, 200)}` });
}

/** errorType from the header when given, else from the JSON body's `errorType`, else `fallback`. */
function errorTypeOf(header: string | undefined, body: Buffer, fallback: string): string {
  if (header !== undefined && header !== '') return header;
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

function sendAccepted(res: RuntimeReply): void {
  res.send(202, JSON_TYPE, ACCEPTED);
}

function sendRefusal(res: RuntimeReply, refusal: EnvRefusal): void {
  sendJson(res, refusal.status, { errorType: refusal.errorType, errorMessage: refusal.errorMessage });
}

function sendJson(res: RuntimeReply, status: number, body: Record<string, string>): void {
  res.send(status, JSON_TYPE, JSON.stringify(body));
}

const JSON_TYPE = { 'Content-Type': 'application/json' } as const;
