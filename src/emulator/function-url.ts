/**
 * Function URLs on the emulator: `http://<emulator>/lambda-url/<function>/<path>` stands for
 * `https://<url-id>.lambda-url.<region>.on.aws/<path>`. The HTTP request becomes a payload format 2.0 event, the
 * function's result is mapped back to an HTTP response as Lambda does (AWS Lambda Developer Guide, "Invoking
 * Lambda function URLs": a result with `statusCode` is a response object; valid JSON without one is a 200
 * `application/json` body), and the response carries `x-amzn-RequestId` = the invocation's request id
 * (`requestContext.requestId` in the event, the id its REPORT line names). Every invocation's log lines go to the
 * emulator's CloudWatch Logs, so the REPORT records can be read and joined by request id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EMULATOR_HEADERS } from './api.js';
import type { Invocation, InvocationOutcome } from './execution-env.js';
import { parseFunctionRef } from './function-ref.js';
import { MAX_SYNC_PAYLOAD_BYTES, type InvokeContext } from './invoke-api.js';
import type { ServiceError } from './lambda-errors.js';

/** Path prefix of Function URLs on the emulator's port. */
export const FUNCTION_URL_PREFIX = '/lambda-url/';

const URL_PATH = /^\/lambda-url\/([^/?]+)(\/[^?]*)?$/;


/** The Function URL of `functionName` on an emulator at `endpoint` (`http://host:port`). */
export function functionUrl(endpoint: string, functionName: string): string {
  return `${endpoint}${FUNCTION_URL_PREFIX}${encodeURIComponent(functionName)}/`;
}

/** `{ functionName, rawPath }` when `pathname` is a Function URL path. */
export function matchFunctionUrlPath(pathname: string): { functionName: string; rawPath: string } | undefined {
  const match = URL_PATH.exec(pathname);
  if (!match) return undefined;
  try {
    return { functionName: decodeURIComponent(match[1] as string), rawPath: match[2] ?? '/' };
  } catch {
    return undefined;
  }
}

/** Serves one Function URL request. */
export function handleFunctionUrl(req: IncomingMessage, res: ServerResponse, target: { functionName: string; rawPath: string }, query: string, ctx: InvokeContext): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_SYNC_PAYLOAD_BYTES) chunks.push(chunk);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    const requestId = randomUUID();
    if (size > MAX_SYNC_PAYLOAD_BYTES) return sendPlatformError(res, requestId, 413, 'RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation');
    const ref = parseFunctionRef(target.functionName);
    const resolved = ref.ok ? ctx.registry.resolveInvoke(ref.ref) : { notFound: ref.message };
    // Lambda answers an unknown URL id with 403 Forbidden; the emulator keeps the reason in the message.
    if ('notFound' in resolved) return sendPlatformError(res, requestId, 403, 'AccessDeniedException', `Forbidden: ${resolved.notFound}`);
    if ('pending' in resolved) return sendPlatformError(res, requestId, 409, 'ResourceConflictException', resolved.pending);
    const event = toEvent(req, target, query, Buffer.concat(chunks, size), requestId);
    const inv: Invocation = { requestId, payload: Buffer.from(JSON.stringify(event)), invokedArn: resolved.invokedArn, clientContext: undefined, wantLog: false };
    const admission = ctx.pool.invoke(resolved, inv);
    if (!admission.ok) return sendThrottleOrError(res, requestId, admission.error);
    // Its log reaches the function's log group from the environment, as every invocation's does.
    void admission.outcome.then((outcome) => sendMapped(res, outcome));
  });
}

/** The payload format 2.0 event of a request (Developer Guide, "Request payload format"). */
export function toEvent(
  req: IncomingMessage,
  target: { functionName: string; rawPath: string },
  query: string,
  body: Buffer,
  requestId: string,
): Record<string, unknown> {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = req.rawHeaders[i + 1] as string;
    // Cookies travel in their own array, not as a header.
    if (name === 'cookie') cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter((c) => c !== '')];
    else headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const now = new Date();
  const urlId = target.functionName.toLowerCase();
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: target.rawPath,
    rawQueryString: query,
    headers,
    requestContext: {
      // What Lambda sends for a URL whose auth type is NONE.
      accountId: 'anonymous',
      apiId: urlId,
      domainName: headers['host'] ?? `${urlId}.lambda-url.local`,
      domainPrefix: urlId,
      http: {
        method: req.method ?? 'GET',
        path: target.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies !== undefined) event['cookies'] = cookies;
  if (query !== '') {
    const params: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(query)) params[key] = params[key] === undefined ? value : `${params[key]},${value}`;
    event['queryStringParameters'] = params;
  }
  if (body.length > 0) {
    const text = isTextual(headers['content-type']) ? body.toString('utf8') : undefined;
    event['body'] = text ?? body.toString('base64');
    event['isBase64Encoded'] = text === undefined;
  }
  return event;
}

/** Maps the function's result to the HTTP response (Developer Guide, "Response payload format"). */
function sendMapped(res: ServerResponse, outcome: InvocationOutcome): void {
  if (res.destroyed || res.writableEnded) return;
  const base: Record<string, string | number | string[]> = {
    'x-amzn-RequestId': outcome.requestId,
    [EMULATOR_HEADERS.envId]: outcome.envId,
    [EMULATOR_HEADERS.envSeq]: outcome.envSeq,
    [EMULATOR_HEADERS.initType]: outcome.initType,
  };
  // A function error reaches the client as 502, without the error document (which stays in the logs).
  if (outcome.errorType !== undefined) return write(res, 502, { ...base, 'content-type': 'application/json' }, Buffer.from('{"Message":"Internal Server Error"}'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(outcome.body.toString('utf8'));
  } catch {
    return write(res, 502, { ...base, 'content-type': 'application/json' }, Buffer.from('{"Message":"Internal Server Error"}'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('statusCode' in parsed)) {
    return write(res, 200, { ...base, 'content-type': 'application/json' }, outcome.body);
  }
  const response = parsed as { statusCode: unknown; headers?: unknown; body?: unknown; cookies?: unknown; isBase64Encoded?: unknown };
  const status = typeof response.statusCode === 'number' && Number.isInteger(response.statusCode) && response.statusCode >= 100 && response.statusCode <= 599 ? response.statusCode : undefined;
  if (status === undefined) return write(res, 502, { ...base, 'content-type': 'application/json' }, Buffer.from('{"Message":"Internal Server Error"}'));
  const headers: Record<string, string | number | string[]> = {};
  if (typeof response.headers === 'object' && response.headers !== null) {
    for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = String(value);
  }
  if (Array.isArray(response.cookies)) headers['set-cookie'] = response.cookies.map(String);
  const bodyText = typeof response.body === 'string' ? response.body : response.body === undefined ? '' : JSON.stringify(response.body);
  const body = response.isBase64Encoded === true ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
  write(res, status, { ...headers, ...base }, body);
}

function sendThrottleOrError(res: ServerResponse, requestId: string, error: ServiceError): void {
  const reason = typeof error.extra?.['Reason'] === 'string' ? error.extra['Reason'] : undefined;
  sendPlatformError(res, requestId, error.status, error.type, error.message, reason);
}

/**
 * An error the platform answers itself (no invocation ran): the status, `x-amzn-ErrorType` as Lambda's APIs send
 * it, and for a throttle the `Reason` in the body, so a load test can count throttles by Reason over HTTP too.
 */
function sendPlatformError(res: ServerResponse, requestId: string, status: number, type: string, message: string, reason?: string): void {
  const body = Buffer.from(JSON.stringify(reason === undefined ? { Message: message } : { Message: message, Reason: reason }));
  write(res, status, { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': type, 'content-type': 'application/json' }, body);
}

function write(res: ServerResponse, status: number, headers: Record<string, string | number | string[]>, body: Buffer): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { ...headers, 'content-length': body.length });
  res.end(body);
}

function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  return /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|[^;]*\+(json|xml))/i.test(contentType);
}

/** `12/Mar/2020:19:03:58 +0000`, the event's `requestContext.time` format. */
function clfTime(at: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(at.getUTCDate())}/${months[at.getUTCMonth()]}/${at.getUTCFullYear()}:${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())} +0000`;
}
