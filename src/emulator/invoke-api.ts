/**
 * `POST /2015-03-31/functions/{FunctionName}/invocations`: RequestResponse, Event (202, runs in the
 * background) and DryRun (204), with Lambda's payload limits, client context, log tail and headers
 * (lambda-protocol.md §1). Name resolution is the registry's; running the invocation is the pool's.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { EMULATOR_HEADERS } from '../lambda/headers.js';
import type { Invocation, InvocationOutcome } from './execution-env.js';
import { parseFunctionRef } from './function-ref.js';
import { sendServiceError, serviceError, type ServiceError } from './lambda-errors.js';
import type { ControlPlane, ResolvedInvoke } from './model.js';
import type { Admission, AdmissionTiming } from './pool.js';

/** Largest synchronous request payload (6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;
/** Largest asynchronous (Event) request payload (1 MB). */
export const MAX_EVENT_PAYLOAD_BYTES = 1_048_576;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const EMPTY_OBJECT = Buffer.from('{}');

/** What the Invoke API needs. */
export interface InvokeContext {
  registry: ControlPlane;
  pool: { invoke(resolved: ResolvedInvoke, inv: Invocation): Admission };
  /** Where diagnostics of background (Event) invocations go. */
  log?: (line: string) => void;
}

/** The `{FunctionName}` label of an invoke path, or undefined when `pathname` is not an invoke path. */
export function matchInvokePath(pathname: string): string | undefined {
  return INVOKE_PATH.exec(pathname)?.[1];
}

/** Handles one Invoke request whose path label is `rawName` (still percent-encoded). */
export function handleInvoke(req: IncomingMessage, res: ServerResponse, rawName: string, query: URLSearchParams, ctx: InvokeContext): void {
  // Arrival as this process sees it: node has just parsed the request's headers.
  const acceptedAt = performance.now();
  const requestId = randomUUID();
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    // Keep counting past the limit (so the 413 message can say how big it was) but stop buffering.
    if (size <= MAX_SYNC_PAYLOAD_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    const body = size > MAX_SYNC_PAYLOAD_BYTES ? undefined : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    try {
      invoke(req, res, rawName, query, ctx, requestId, body, size, acceptedAt);
    } catch (error) {
      sendServiceError(res, serviceError(500, 'ServiceException', error instanceof Error ? error.message : String(error)), requestId);
    }
  });
  req.on('error', () => res.destroy());
}

function invoke(
  req: IncomingMessage,
  res: ServerResponse,
  rawName: string,
  query: URLSearchParams,
  ctx: InvokeContext,
  requestId: string,
  body: Buffer | undefined,
  sizeBytes: number,
  acceptedAt: number,
): void {
  const fail = (error: ServiceError): void => sendServiceError(res, error, requestId);
  const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
  if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
    return fail(serviceError(400, 'InvalidParameterValueException', `Unsupported invocation type: ${type}`));
  }
  let functionName: string;
  try {
    functionName = decodeURIComponent(rawName);
  } catch {
    return fail(serviceError(404, 'ResourceNotFoundException', `Function not found: ${rawName}`));
  }
  const ref = parseFunctionRef(functionName, query.get('Qualifier'));
  if (!ref.ok) return fail(serviceError(400, 'InvalidParameterValueException', ref.message));
  const resolved = ctx.registry.resolveInvoke(ref.ref);
  if ('notFound' in resolved) return fail(serviceError(404, 'ResourceNotFoundException', resolved.notFound));
  if ('pending' in resolved) return fail(serviceError(409, 'ResourceConflictException', resolved.pending));

  const limit = type === 'Event' ? MAX_EVENT_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
  if (body === undefined || sizeBytes > limit) {
    return fail(
      serviceError(413, 'RequestTooLargeException', `${sizeBytes} byte payload is too large for the ${type === 'Event' ? 'Event' : 'RequestResponse'} invocation type (limit ${limit} bytes)`),
    );
  }
  let payload = body;
  if (isBlank(payload)) payload = EMPTY_OBJECT;
  else {
    try {
      JSON.parse(payload.toString('utf8'));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return fail(serviceError(400, 'InvalidRequestContentException', `Could not parse request body into json: ${reason}`));
    }
  }
  let clientContext: string | undefined;
  const rawContext = header(req, 'x-amz-client-context');
  if (rawContext !== undefined && type !== 'Event') {
    clientContext = decodeClientContext(rawContext);
    if (clientContext === undefined) {
      return fail(serviceError(400, 'InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.'));
    }
  }
  if (type === 'DryRun') {
    res.writeHead(204, { 'x-amzn-RequestId': requestId });
    res.end();
    return;
  }
  const inv: Invocation = {
    requestId,
    payload,
    invokedArn: resolved.invokedArn,
    clientContext,
    wantLog: type === 'RequestResponse' && header(req, 'x-amz-log-type') === 'Tail',
  };
  const admission = ctx.pool.invoke(resolved, inv);
  if (!admission.ok) return fail(admission.error);
  if (type === 'Event') {
    res.writeHead(202, { 'x-amzn-RequestId': requestId, 'Content-Length': 0 });
    res.end();
    void admission.outcome.then((outcome) => {
      if (outcome.errorType !== undefined) ctx.log?.(`Event invocation ${requestId} failed: ${outcome.errorType}`);
    });
    return;
  }
  // A caller that went away still lets its invocation finish in its environment; the write is then a no-op.
  const timing = admission.timing;
  void admission.outcome.then((outcome) => sendOutcome(res, outcome, resolved.executedVersion, acceptedAt, timing));
}

/** A performance.now() time as Unix epoch ms with µs decimals. */
const epochMs = (at: number): string => (performance.timeOrigin + at).toFixed(3);

function sendOutcome(res: ServerResponse, outcome: InvocationOutcome, executedVersion: string, acceptedAt: number, timing: AdmissionTiming): void {
  if (res.destroyed || res.writableEnded) return;
  const failure = timing.resourceFailure;
  if (failure !== undefined) {
    // The emulator, not the function, failed: a service error, never a function error (nor a cold start).
    const message = `The emulator could not start an environment: ${failure.code} (${failure.message}). Raise the open-file limit (ulimit -n) or send fewer invocations at once.`;
    return sendServiceError(res, serviceError(500, 'ServiceException', message), outcome.requestId);
  }
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': outcome.body.length,
    'X-Amz-Executed-Version': executedVersion,
    'x-amzn-RequestId': outcome.requestId,
    [EMULATOR_HEADERS.envId]: outcome.envId,
    [EMULATOR_HEADERS.envSeq]: outcome.envSeq,
    [EMULATOR_HEADERS.initType]: outcome.initType,
    [EMULATOR_HEADERS.acceptedAt]: epochMs(acceptedAt),
    [EMULATOR_HEADERS.assignedAt]: epochMs(timing.assignedAt),
  };
  if (timing.queueWaitMs !== undefined) headers[EMULATOR_HEADERS.queueWaitMs] = timing.queueWaitMs.toFixed(3);
  // Current runtimes surface every reported error as Unhandled (lambda-protocol.md §1.2).
  if (outcome.errorType !== undefined) headers['X-Amz-Function-Error'] = 'Unhandled';
  if (outcome.logTail !== undefined) headers['X-Amz-Log-Result'] = outcome.logTail.toString('base64');
  res.writeHead(200, headers);
  res.end(outcome.body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Decoded client-context JSON text, or undefined when it is not base64 of a JSON object. */
function decodeClientContext(raw: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) return undefined;
  const text = Buffer.from(raw, 'base64').toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? text : undefined;
  } catch {
    return undefined;
  }
}

function isBlank(payload: Buffer): boolean {
  for (const byte of payload) if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  return true;
}
