/**
 * A smithy HttpHandler that parks requests instead of sending them. The SDK does all its CPU work
 * (middleware, serialisation, SigV4) when `client.send` is called; the request then waits here, already
 * written into a corked socket that was connected in advance, and leaves with one `uncork()` when the engine
 * fires it. That keeps a burst's release spread to a syscall per invocation instead of ~0.4 ms of SDK work.
 *
 * Requests sent without a gate (control-plane calls) pass straight through the same code, unparked.
 */
import http from 'node:http';
import type net from 'node:net';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { HttpResponse, type HttpHandler, type HttpRequest } from '@smithy/protocol-http';
import type { DeserializeMiddleware, HttpHandlerOptions } from '@smithy/types';
import type { EnvironmentTimes } from '../core/classify.js';
import type { EnvironmentTruth } from '../core/types.js';
import { EMULATOR_HEADERS } from '../lambda/headers.js';
import { ConnectionPool, type Origin } from './connection-pool.js';

/** What the transport saw of one request; times are performance.now() ms. */
export interface TransportFacts {
  sentAt?: number;
  finishedAt?: number;
  statusCode?: number;
  env?: EnvironmentTruth;
  /** The emulator's admission times, on this process's clock. */
  envTimes?: EnvironmentTimes;
  /** Transport failure code (`ECONNRESET`, …) when the connection failed. */
  transportError?: string;
  /** True when the request timed out or was given up on after being sent. */
  clientTimeout?: boolean;
  /**
   * How many times the request was moved to a fresh connection because its parked one closed before the
   * release (a server closing an idle keep-alive socket). Nothing had been sent on the closed one.
   */
  reparked?: number;
}

/** Options of the gated handler: the request timeout in ms (function timeout + margin). */
export interface GatedHandlerOptions {
  requestTimeoutMs: number;
  pool?: ConnectionPool;
}

/** One request the SDK has finished preparing, waiting for `fire()`. */
export class ParkedRequest {
  readonly facts: TransportFacts = {};
  readonly origin: Origin;
  private req: http.ClientRequest | undefined;
  private socket: net.Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private fired = false;

  constructor(
    readonly request: HttpRequest,
    private readonly pool: ConnectionPool,
    private readonly requestTimeoutMs: number,
    private readonly resolve: (value: { response: HttpResponse }) => void,
    private readonly reject: (error: Error) => void,
  ) {
    const protocol = request.protocol === 'https:' ? 'https:' : 'http:';
    this.origin = {
      protocol,
      hostname: request.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: request.port ?? (protocol === 'https:' ? 443 : 80),
    };
  }

  /**
   * Build the node request on a socket from the pool. With `cork`, everything node writes stays in the
   * socket's buffer until `fire()`.
   */
  arm(cork: boolean): void {
    if (this.settled || this.req) return;
    const socket = this.pool.take(this.origin);
    this.socket = socket;
    if (cork) socket.cork();
    const { request } = this;
    const query = buildQuery(request.query);
    const req = http.request({
      method: request.method,
      host: this.origin.hostname,
      port: this.origin.port,
      path: query ? `${request.path}?${query}` : request.path,
      // Connection is not a signed header; asking for keep-alive lets the socket go back to the pool.
      headers: { ...request.headers, connection: 'keep-alive' },
      createConnection: () => socket,
    });
    this.req = req;
    // Before the release nothing has left: a closed socket is the server dropping an idle connection, so the
    // request moves to a fresh one instead of becoming a transport error of an invocation never sent.
    req.on('error', (error: NodeJS.ErrnoException) => (this.fired ? this.fail(error) : this.repark()));
    req.on('response', (res) => this.onResponse(res));
    const body: unknown = request.body;
    if (body === undefined || body === null) req.end();
    else if (typeof body === 'string') req.end(body);
    // As a latin1 string (byte-exact), node sends header and body in one chunk: one write at release, not a writev.
    else if (body instanceof Uint8Array) req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1'), 'latin1');
    else if (body instanceof Readable) body.pipe(req);
    else req.end(String(body));
  }

  /** Build the request again on a fresh connection (warmed first when it will be corked). */
  private repark(): void {
    if (this.settled || this.fired) return;
    this.req?.removeAllListeners('response');
    this.req?.destroy();
    this.socket?.destroy();
    this.req = undefined;
    this.socket = undefined;
    this.facts.reparked = (this.facts.reparked ?? 0) + 1;
    // Released before the fresh connection is up: fire() then sends on a new (connecting) socket itself.
    this.pool.warm(this.origin, 1).then(
      () => {
        if (!this.settled && !this.fired && !this.req) this.arm(true);
      },
      () => undefined,
    );
  }

  /** Write the request now: uncork its socket and start the request timeout. */
  fire(): void {
    if (this.fired || this.settled) return;
    this.fired = true;
    if (!this.req) this.arm(false);
    this.facts.sentAt = performance.now();
    this.socket?.uncork();
    // The timer starts after the release loop (a microtask), keeping the loop to one write per invocation.
    queueMicrotask(() => this.startTimer());
  }

  private startTimer(): void {
    if (this.settled) return;
    this.timer = setTimeout(() => this.giveUp('TimeoutError', `no response within ${this.requestTimeoutMs} ms`), this.requestTimeoutMs);
  }

  /** Drop the request: unsent ones never leave; sent ones are abandoned as client timeouts. */
  giveUp(name = 'AbortError', message = 'invocation given up'): void {
    if (this.settled) return;
    if (this.fired) this.facts.clientTimeout = true;
    const error = Object.assign(new Error(message), { name, code: name === 'TimeoutError' ? 'ETIMEDOUT' : 'ABORT_ERR' });
    this.settle();
    this.facts.finishedAt = performance.now();
    // A corked socket with a half-buffered request can never be reused: destroy it.
    this.req?.destroy();
    this.socket?.destroy();
    this.reject(error);
  }

  private onResponse(res: http.IncomingMessage): void {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
    res.on('end', () => {
      if (this.settled) return;
      this.facts.finishedAt = performance.now();
      this.facts.statusCode = res.statusCode;
      const env = readEnvironmentTruth(res.headers);
      if (env) {
        this.facts.env = env;
        const times = readEnvironmentTimes(res.headers);
        if (times) this.facts.envTimes = times;
      }
      this.settle();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      }
      this.resolve({
        response: new HttpResponse({
          statusCode: res.statusCode ?? -1,
          reason: res.statusMessage,
          headers,
          body: bodyStream(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
        }),
      });
    });
  }

  private fail(error: NodeJS.ErrnoException): void {
    if (this.settled) return;
    this.facts.finishedAt = performance.now();
    this.facts.transportError = error.code ?? error.name;
    this.settle();
    this.reject(error);
  }

  private settle(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** A finished body as a stream, as the SDK expects; pushing once is a third of Readable.from's cost. */
function bodyStream(body: Buffer): Readable {
  const stream = new Readable({ read: () => undefined });
  stream.push(body);
  stream.push(null);
  return stream;
}

/** Parse coldprobe's emulator headers from a raw response; undefined on real Lambda. */
export function readEnvironmentTruth(headers: http.IncomingHttpHeaders): EnvironmentTruth | undefined {
  const envId = headers[EMULATOR_HEADERS.envId];
  if (typeof envId !== 'string' || envId === '') return undefined;
  const seq = Number(headers[EMULATOR_HEADERS.envSeq]);
  const initType = headers[EMULATOR_HEADERS.initType];
  return { envId, envSeq: Number.isFinite(seq) ? seq : 0, initType: typeof initType === 'string' ? initType : 'on-demand' };
}

/**
 * The emulator's accepted/assigned times (Unix epoch ms, from another process on this machine) placed on this
 * process's performance.now() clock, plus the init-slot wait; undefined when absent.
 */
export function readEnvironmentTimes(headers: http.IncomingHttpHeaders): EnvironmentTimes | undefined {
  const accepted = Number(headers[EMULATOR_HEADERS.acceptedAt]);
  const assigned = Number(headers[EMULATOR_HEADERS.assignedAt]);
  if (!Number.isFinite(accepted) || !Number.isFinite(assigned) || accepted <= 0 || assigned <= 0) return undefined;
  const times: EnvironmentTimes = { acceptedAt: accepted - performance.timeOrigin, assignedAt: assigned - performance.timeOrigin };
  const wait = Number(headers[EMULATOR_HEADERS.queueWaitMs]);
  if (headers[EMULATOR_HEADERS.queueWaitMs] !== undefined && Number.isFinite(wait)) times.queueWaitMs = wait;
  return times;
}

function buildQuery(query: HttpRequest['query']): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    const k = encodeRfc3986(key);
    if (Array.isArray(value)) for (const v of value) parts.push(`${k}=${encodeRfc3986(v)}`);
    else if (typeof value === 'string') parts.push(`${k}=${encodeRfc3986(value)}`);
    else parts.push(k);
  }
  return parts.join('&');
}

/** The SDK signs RFC 3986 encoding (`!'()*` escaped too); the wire must match the signature. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The requestHandler given to the LambdaClient. `expect(input)` marks the `client.send` of the command whose
 * input object is `input` as gated; its request parks instead of leaving. The mark travels from the command to
 * its HTTP request through `gateMiddleware`, which the invoke client runs last before the handler (the signer
 * copies the request, so only the final one can carry it). Keying on the input rather than on a per-send
 * option lets the invoke client resolve its middleware stack once (`cacheMiddleware`, which only applies to
 * sends without options): about a fifth of the SDK's CPU per invocation.
 */
export class GatedHandler implements HttpHandler<GatedHandlerOptions> {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly pool: ConnectionPool;
  private readonly gates = new Map<object, (parked: ParkedRequest) => void>();
  private readonly marked = new WeakMap<object, (parked: ParkedRequest) => void>();
  private requestTimeoutMs: number;

  constructor(options: GatedHandlerOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.pool = options.pool ?? new ConnectionPool();
  }

  /** The request sent for the command whose input is `input` will park; the promise resolves when it does. */
  expect(input: object): Promise<ParkedRequest> {
    return new Promise((resolve) => this.gates.set(input, resolve));
  }

  /** Forget a gate whose send failed before reaching the handler. */
  forget(input: object): void {
    this.gates.delete(input);
  }

  /** Hands a gated command's mark to its final, signed request (add at step `deserialize`, priority `low`). */
  gateMiddleware<Input extends object, Output extends object>(): DeserializeMiddleware<Input, Output> {
    return (next) => (args) => {
      const gate = this.gates.get(args.input);
      if (gate !== undefined) {
        this.gates.delete(args.input);
        this.marked.set(args.request as object, gate);
      }
      return next(args);
    };
  }

  /** Open enough connections for `parked`, then write each into its own corked socket. */
  async arm(parked: ParkedRequest[]): Promise<void> {
    const perOrigin = new Map<string, { origin: Origin; count: number }>();
    for (const p of parked) {
      const key = `${p.origin.protocol}//${p.origin.hostname}:${p.origin.port}`;
      const entry = perOrigin.get(key) ?? { origin: p.origin, count: 0 };
      entry.count += 1;
      perOrigin.set(key, entry);
    }
    await Promise.all([...perOrigin.values()].map(({ origin, count }) => this.pool.warm(origin, count)));
    for (const p of parked) p.arm(true);
    // node attaches a request to its socket on the next tick; wait until every request sits in its buffer.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Set the request timeout (ms) for requests fired from now on. */
  setRequestTimeout(ms: number): void {
    this.requestTimeoutMs = ms;
  }

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    return new Promise((resolve, reject) => {
      const parked = new ParkedRequest(request, this.pool, this.requestTimeoutMs, resolve, reject);
      const gate = this.marked.get(request);
      if (gate !== undefined) {
        // Parked: whoever expected it fires it, or gives it up (it then never leaves).
        this.marked.delete(request);
        gate(parked);
        return;
      }
      const signal = options.abortSignal as AbortSignal | undefined;
      if (signal?.aborted) return parked.giveUp();
      signal?.addEventListener?.('abort', () => parked.giveUp(), { once: true });
      parked.fire();
    });
  }

  updateHttpClientConfig(key: keyof GatedHandlerOptions, value: GatedHandlerOptions[typeof key]): void {
    if (key === 'requestTimeoutMs' && typeof value === 'number') this.requestTimeoutMs = value;
  }

  httpHandlerConfigs(): GatedHandlerOptions {
    return { requestTimeoutMs: this.requestTimeoutMs };
  }

  /** Close every connection. */
  destroy(): void {
    this.pool.close();
  }
}
