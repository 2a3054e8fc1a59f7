/**
 * The subset of the CloudWatch Logs API (JSON 1.1 protocol, `X-Amz-Target: Logs_20140328.<Operation>`, POST /)
 * that coldprobe reads: FilterLogEvents and GetLogEvents on a function's `/aws/lambda/<name>` group, so that
 * `@aws-sdk/client-cloudwatch-logs` pointed at the emulator finds the REPORT records of its invocations.
 * Filter patterns: terms and "quoted terms" (all must match), `?term` (any must match) and `-term` (must not);
 * JSON and space-delimited patterns are refused with an InvalidParameterException that says so.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogEvent, LogStore } from './log-store.js';

const TARGET_PREFIX = 'Logs_20140328.';
/** CloudWatch Logs' largest page (FilterLogEvents and GetLogEvents default and maximum). */
const MAX_PAGE = 10_000;

/** True when the request is a CloudWatch Logs call (routed by its X-Amz-Target header). */
export function isLogsRequest(req: IncomingMessage): boolean {
  const target = req.headers['x-amz-target'];
  return req.method === 'POST' && typeof target === 'string' && target.startsWith(TARGET_PREFIX);
}

/** Serves one CloudWatch Logs request from `store`. */
export function handleLogsRequest(req: IncomingMessage, res: ServerResponse, store: LogStore): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('error', () => res.destroy());
  req.on('end', () => {
    const operation = String(req.headers['x-amz-target']).slice(TARGET_PREFIX.length);
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      return sendError(res, 400, 'SerializationException', 'The request body is not a JSON object.');
    }
    const result = operation === 'FilterLogEvents' ? filterLogEvents(store, input) : operation === 'GetLogEvents' ? getLogEvents(store, input) : undefined;
    if (result === undefined) return sendError(res, 400, 'UnknownOperationException', `coldprobe's emulator does not serve ${operation}.`);
    if ('error' in result) return sendError(res, 400, result.error.type, result.error.message);
    send(res, 200, result.output);
  });
}

type OperationResult = { output: Record<string, unknown> } | { error: { type: string; message: string } };

function filterLogEvents(store: LogStore, input: Record<string, unknown>): OperationResult {
  const located = locate(store, input);
  if ('error' in located) return located;
  const matches = compileFilterPattern(typeof input['filterPattern'] === 'string' ? input['filterPattern'] : '');
  if (typeof matches === 'string') return invalid(matches);
  const limit = pageLimit(input['limit']);
  if (limit === undefined) return invalid('limit must be a whole number from 1 to 10000.');
  const streams = Array.isArray(input['logStreamNames']) ? new Set(input['logStreamNames'].map(String)) : undefined;
  const prefix = typeof input['logStreamNamePrefix'] === 'string' ? input['logStreamNamePrefix'] : undefined;
  const after = typeof input['nextToken'] === 'string' ? input['nextToken'] : '';
  const inTime = timeFilter(input);
  const events: LogEvent[] = [];
  let more = false;
  for (const event of located.events) {
    if (event.eventId <= after) continue;
    if (streams !== undefined && !streams.has(event.logStreamName)) continue;
    if (prefix !== undefined && !event.logStreamName.startsWith(prefix)) continue;
    if (!inTime(event) || !matches(event.message)) continue;
    if (events.length === limit) {
      more = true;
      break;
    }
    events.push(event);
  }
  const output: Record<string, unknown> = { events, searchedLogStreams: [] };
  if (more) output['nextToken'] = (events[events.length - 1] as LogEvent).eventId;
  return { output };
}

function getLogEvents(store: LogStore, input: Record<string, unknown>): OperationResult {
  const located = locate(store, input);
  if ('error' in located) return located;
  const stream = input['logStreamName'];
  if (typeof stream !== 'string') return invalid('logStreamName is required.');
  const limit = pageLimit(input['limit']);
  if (limit === undefined) return invalid('limit must be a whole number from 1 to 10000.');
  const inTime = timeFilter(input);
  const all = located.events.filter((e) => e.logStreamName === stream && inTime(e));
  const token = typeof input['nextToken'] === 'string' ? input['nextToken'] : undefined;
  let page: LogEvent[];
  if (token?.startsWith('f/')) page = all.filter((e) => e.eventId > token.slice(2)).slice(0, limit);
  else if (token?.startsWith('b/')) page = all.filter((e) => e.eventId < token.slice(2)).slice(-limit);
  else page = input['startFromHead'] === true ? all.slice(0, limit) : all.slice(-limit);
  // At either end CloudWatch hands back the token it was given, so a reader knows it caught up.
  const last = page[page.length - 1]?.eventId ?? token?.slice(2) ?? '';
  const first = page[0]?.eventId ?? token?.slice(2) ?? '';
  return {
    output: {
      events: page.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      nextForwardToken: `f/${last}`,
      nextBackwardToken: `b/${first}`,
    },
  };
}

function locate(store: LogStore, input: Record<string, unknown>): { events: readonly LogEvent[] } | { error: { type: string; message: string } } {
  const group = input['logGroupName'];
  if (typeof group !== 'string') return invalid('logGroupName is required (coldprobe\'s emulator does not take logGroupIdentifier).');
  const events = store.events(group);
  if (events === undefined) return { error: { type: 'ResourceNotFoundException', message: 'The specified log group does not exist.' } };
  return { events };
}

function timeFilter(input: Record<string, unknown>): (event: LogEvent) => boolean {
  const start = typeof input['startTime'] === 'number' ? input['startTime'] : -Infinity;
  const end = typeof input['endTime'] === 'number' ? input['endTime'] : Infinity;
  return (event) => event.timestamp >= start && event.timestamp <= end;
}

function pageLimit(raw: unknown): number | undefined {
  if (raw === undefined) return MAX_PAGE;
  return typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= MAX_PAGE ? raw : undefined;
}

/**
 * A matcher for the term subset of CloudWatch's filter pattern syntax, or the message of why it is not one.
 * Terms are case-sensitive and match anywhere in the event, as CloudWatch's do.
 */
export function compileFilterPattern(pattern: string): ((message: string) => boolean) | string {
  const text = pattern.trim();
  if (text === '') return () => true;
  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('%')) {
    return `coldprobe's emulator supports only term filter patterns (REPORT, "two words", ?either, -not), not '${text}'.`;
  }
  const all: string[] = [];
  const any: string[] = [];
  const none: string[] = [];
  const token = /\s*([?-]?)(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(text)) !== null) {
    consumed = token.lastIndex;
    const term = match[2] === undefined ? (match[3] as string) : match[2].replaceAll(/\\(.)/g, '$1');
    (match[1] === '?' ? any : match[1] === '-' ? none : all).push(term);
  }
  if (text.slice(consumed).trim() !== '') return `the filter pattern '${text}' has an unclosed quote.`;
  return (message) => all.every((t) => message.includes(t)) && (any.length === 0 || any.some((t) => message.includes(t))) && !none.some((t) => message.includes(t));
}

function invalid(message: string): { error: { type: string; message: string } } {
  return { error: { type: 'InvalidParameterException', message } };
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  send(res, status, { __type: type, message }, type);
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}
