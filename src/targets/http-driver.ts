/**
 * The HTTP side of `coldprobe load --url`: autocannon's connection (its request builder, socket handling and
 * http-parser-js response parsing, `autocannon/lib/httpClient.js`) with coldprobe's own pacing. autocannon runs
 * each connection as a closed loop and paces `overallRate` per whole second, so its clients would wait for
 * responses and send in bursts at second boundaries (coordinated omission), and it times in ms. Here each
 * connection carries one request at a time and writes only when the open-model dispatcher says an invocation is
 * due; times are taken with performance.now() at the write and at the parsed response (µs), and the record
 * keeps the due time too, so latency from the schedule is known.
 */
import { INVOKE_HEADERS } from '../lambda/headers.js';
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { EnvironmentTruth } from '../core/types.js';
import { readEnvironmentTruth } from './gated-handler.js';

/** One HTTP request's raw result, times in µs on the driver's clock. */
export interface HttpInvocationResult {
  index: number;
  dueUs: number;
  sentUs: number;
  finishedUs: number;
  statusCode?: number;
  /** Lambda's request id, from `x-amzn-RequestId` when the response has it. */
  requestId?: string;
  /** `x-amzn-ErrorType` of a platform error, or the throttle's `Reason` from its body. */
  errorType?: string;
  /** Transport failure code (ECONNREFUSED, ECONNRESET, …) or `timeout`. */
  transportError?: string;
  /** Emulator ground truth from its `x-coldprobe-env-*` headers. */
  env?: EnvironmentTruth;
  /** Still in flight when the grace after Ctrl-C ran out: given up, its connection closed. */
  interrupted?: boolean;
}

export interface HttpDriverOptions {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Connections (and so requests in flight) at most. */
  maxInFlight: number;
  /** A request without a response after this long is recorded as a client timeout. */
  timeoutMs: number;
  /** µs since the load's origin. */
  nowUs: () => number;
  /** Every started request ends here exactly once. */
  onResult: (result: HttpInvocationResult) => void;
}

/** The parts of autocannon's per-connection client this driver uses (the package ships no types for it). */
interface AutocannonClient extends EventEmitter {
  _doRequest(): void;
  destroy(): void;
  conn: Socket;
  timeout: number;
  pipelinedRequests: { insertRequest(request: unknown): void };
  requestIterator: { currentRequest: { requestBuffer: Buffer } };
  timeoutTicker: { reschedule(ms: number): void };
}
type ClientConstructor = new (opts: Record<string, unknown>) => AutocannonClient;

const Client = createRequire(import.meta.url)('autocannon/lib/httpClient.js') as ClientConstructor;

interface InFlight {
  index: number;
  dueUs: number;
  sentUs: number;
  statusCode?: number;
  requestId?: string;
  errorType?: string;
  env?: EnvironmentTruth;
}

interface Connection {
  client: AutocannonClient;
  current: InFlight | undefined;
  idle: boolean;
}

/** Drives one URL; `start` is the open-model dispatcher's hook. */
export class HttpDriver {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private inFlightCount = 0;
  private closed = false;
  /** Called when a request ends (a socket is free again). */
  onCapacity: () => void = () => {};

  constructor(private readonly options: HttpDriverOptions) {}

  /** Requests written and not yet finished. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Writes invocation `index` now, on an idle connection or a new one; false when `maxInFlight` are busy. */
  start(index: number, dueUs: number): boolean {
    if (this.closed) return false;
    // A new connection files itself as idle from inside autocannon's constructor (see `ready`).
    if (this.idle.length === 0 && this.all.size < this.options.maxInFlight) this.open();
    const connection = this.idle.pop();
    if (connection === undefined) return false;
    connection.idle = false;
    this.send(connection, { index, dueUs, sentUs: 0 });
    return true;
  }

  /**
   * Ctrl-C's grace ran out: every request still in flight ends now, recorded as interrupted (its response, if
   * one comes, is never read), and its connection is closed.
   */
  giveUp(): void {
    for (const connection of [...this.all]) {
      const job = connection.current;
      if (job === undefined) continue;
      connection.current = undefined;
      this.inFlightCount--;
      this.drop(connection);
      this.options.onResult({ index: job.index, dueUs: job.dueUs, sentUs: job.sentUs, finishedUs: this.options.nowUs(), interrupted: true });
    }
  }

  /** Closes every connection. Requests still in flight are not recorded: call it after the last result. */
  close(): void {
    this.closed = true;
    this.idle.length = 0;
    for (const connection of this.all) connection.client.destroy();
    this.all.clear();
  }

  private open(): void {
    const { url } = this.options;
    const connection: Connection = { client: undefined as unknown as AutocannonClient, current: undefined, idle: false };
    this.all.add(connection);
    const request = {
      method: this.options.method,
      path: `${url.pathname}${url.search}`,
      headers: this.options.headers,
      ...(this.options.body === undefined ? {} : { body: this.options.body }),
      // Called by autocannon with the whole body before it emits 'response'; only a throttle's Reason is read.
      onResponse: (status: number, body: string) => {
        if (status === 429 && connection.current !== undefined) connection.current.errorType = throttleReason(body) ?? connection.current.errorType;
      },
    };
    new Client({
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      host: url.host,
      port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
      protocol: url.protocol,
      requests: [request],
      timeout: this.options.timeoutMs / 1000,
      // Runs inside autocannon's constructor, before it connects: from here on this driver decides when to write.
      setupClient: (c: AutocannonClient) => {
        connection.client = c;
        c._doRequest = () => this.ready(connection);
      },
    });
    const { client } = connection;
    client.on('headers', (info: { statusCode: number; headers: string[] }) => {
      const current = connection.current;
      if (current !== undefined) readHeaders(current, info.statusCode, info.headers);
    });
    client.on('response', () => this.finish(connection));
    client.on('connError', (error: NodeJS.ErrnoException) => {
      // A refused or broken connection is not retried: the request (if any) fails and the connection goes.
      this.fail(connection, error.code ?? 'ECONNRESET');
      this.drop(connection);
    });
  }

  /** autocannon asks for the next request (after connecting, a response, or a reconnect). */
  private ready(connection: Connection): void {
    // A reconnect while a request was in flight (server closed, timeout) lost that request's response.
    if (connection.current !== undefined) {
      const elapsedUs = this.options.nowUs() - connection.current.sentUs;
      this.fail(connection, elapsedUs >= this.options.timeoutMs * 1000 ? 'timeout' : 'ECONNRESET');
    }
    if (this.closed) return this.drop(connection);
    if (!connection.idle) {
      connection.idle = true;
      this.idle.push(connection);
    }
  }

  private send(connection: Connection, job: InFlight): void {
    const { client } = connection;
    this.inFlightCount++;
    connection.current = job;
    const request = client.requestIterator.currentRequest;
    client.pipelinedRequests.insertRequest(request);
    job.sentUs = this.options.nowUs();
    client.conn.write(request.requestBuffer);
    client.timeoutTicker.reschedule(client.timeout);
  }

  private finish(connection: Connection): void {
    const job = connection.current;
    if (job === undefined) return;
    const finishedUs = this.options.nowUs();
    connection.current = undefined;
    this.inFlightCount--;
    this.options.onResult({ ...job, finishedUs });
    // autocannon calls _doRequest right after 'response': the connection goes back to idle there.
    queueMicrotask(() => this.onCapacity());
  }

  private fail(connection: Connection, code: string): void {
    const job = connection.current;
    if (job === undefined) return;
    connection.current = undefined;
    this.inFlightCount--;
    this.options.onResult({ index: job.index, dueUs: job.dueUs, sentUs: job.sentUs, finishedUs: this.options.nowUs(), transportError: code });
    queueMicrotask(() => this.onCapacity());
  }

  private drop(connection: Connection): void {
    if (connection.idle) this.idle.splice(this.idle.indexOf(connection), 1);
    connection.idle = false;
    connection.client.destroy();
    this.all.delete(connection);
  }
}

/** Reads status, request id, error type and the emulator's ground truth from raw header pairs. */
function readHeaders(job: InFlight, statusCode: number, raw: string[]): void {
  job.statusCode = statusCode;
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) headers[(raw[i] as string).toLowerCase()] = raw[i + 1] as string;
  const requestId = headers[INVOKE_HEADERS.requestId];
  if (typeof requestId === 'string') job.requestId = requestId;
  const errorType = headers[INVOKE_HEADERS.errorType];
  if (typeof errorType === 'string') job.errorType = errorType.split(':')[0];
  const env = readEnvironmentTruth(headers);
  if (env !== undefined) job.env = env;
}

function throttleReason(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const reason = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['Reason'] : undefined;
    return typeof reason === 'string' ? reason : undefined;
  } catch {
    return undefined;
  }
}
