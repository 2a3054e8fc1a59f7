/**
 * Lambda's log lines, both ways, in one place: the emulator writes START/END/REPORT/INIT_REPORT and the
 * platform's timeout and crash lines exactly as real Lambda does (lambda-protocol.md §2.1), and core parses the
 * decoded `X-Amz-Log-Result` tail (the last 4 KB of an invocation's log) back into REPORT fields, from the text
 * log format (`REPORT RequestId: …\tDuration: …`) or the JSON one (`platform.report`), plus coldprobe's emulator
 * line (`COLDPROBE EnvId: …`). Pure; the parsers never throw: garbage in, undefined out.
 */

/**
 * A REPORT line's fields as parsed; durations in ms, memory in MB. Only `durationMs` is required: a field the
 * REPORT did not carry (a JSON `platform.report` whose `metrics` lack it) stays absent, never a made-up 0.
 */
export interface ReportFields {
  requestId?: string;
  durationMs: number;
  billedDurationMs?: number;
  memorySizeMb?: number;
  maxMemoryUsedMb?: number;
  /** Present only on an on-demand environment's first invocation. */
  initDurationMs?: number;
  /** SnapStart restores only. */
  restoreDurationMs?: number;
  /** `timeout`, `error`, … on failures; absent on success (text) or `success` (JSON). */
  status?: string;
  errorType?: string;
}

/** What the emulator says about the environment that served an invocation (absent on AWS). */
export interface EnvironmentTruth {
  /** Emulator environment id, stable for the environment's life. */
  envId: string;
  /** 1-based count of invocations this environment has served, this one included. */
  envSeq: number;
  /** `on-demand` or `provisioned-concurrency`. */
  initType: string;
  /** When the emulator read the request, µs since the run's start (absent from older results files). */
  acceptedUs?: number;
  /** When the invocation got its environment (warm, or a new one started for it), µs since the run's start. */
  assignedUs?: number;
  /** How long the cold start waited for an init slot before its runtime spawned, µs (0 when warm). */
  queueWaitUs?: number;
}

/**
 * Find the last line of `tail` that starts with `prefix` and return it (without the newline).
 * Scans from the end because Lambda always writes REPORT last, so the tail's front may be cut mid-line.
 */
function lastLineStartingWith(tail: string, prefix: string): string | undefined {
  let idx = tail.lastIndexOf(prefix);
  while (idx >= 0) {
    // A line start: the string's start, or just after '\n'. This rejects `INIT_REPORT`, `RESTORE_REPORT`
    // and app log lines that merely mention the word.
    if (idx === 0 || tail.charCodeAt(idx - 1) === 10 /* \n */) {
      const end = tail.indexOf('\n', idx);
      return end < 0 ? tail.slice(idx) : tail.slice(idx, end);
    }
    idx = idx === 0 ? -1 : tail.lastIndexOf(prefix, idx - 1);
  }
  return undefined;
}

/** Leading number of `12.34 ms` / `128 MB` (parseFloat stops at the unit); undefined when not a number. */
function numberAt(line: string, from: number, to: number): number | undefined {
  const n = Number.parseFloat(line.slice(from, to));
  return Number.isFinite(n) ? n : undefined;
}

/** The trimmed text between `from` and `to`; undefined when empty. */
function textAt(line: string, from: number, to: number): string | undefined {
  const t = line.slice(from, to).trim();
  return t.length > 0 ? t : undefined;
}

/**
 * Walk the tab-separated `Key: value` fields of `line` from `start`, calling `field` with the key bounds
 * and the value bounds. Tolerant of `27 ms \t` spacing, a trailing `\t` and `\r`; no
 * per-field allocation beyond what the caller slices (this runs once per invocation).
 */
function eachField(line: string, start: number, field: (keyAt: number, keyEnd: number, valueAt: number, valueEnd: number) => void): void {
  const length = line.length;
  let pos = start;
  while (pos < length) {
    let end = line.indexOf('\t', pos);
    if (end < 0) end = length;
    while (pos < end && line.charCodeAt(pos) === 32) pos++;
    const colon = line.indexOf(': ', pos);
    if (colon >= 0 && colon < end) field(pos, colon, colon + 2, end);
    pos = end + 1;
  }
}

/** True when `line` has exactly `key` between `at` and `end`. */
const isKey = (line: string, at: number, end: number, key: string): boolean => end - at === key.length && line.startsWith(key, at);

/**
 * Parse a text REPORT line. Requires `Duration`: without it the line is not a usable REPORT. Any other field
 * the line lacks stays absent. Unknown keys are ignored.
 */
function parseTextReport(line: string): ReportFields | undefined {
  let durationMs: number | undefined;
  let billedDurationMs: number | undefined;
  let memorySizeMb: number | undefined;
  let maxMemoryUsedMb: number | undefined;
  let initDurationMs: number | undefined;
  let restoreDurationMs: number | undefined;
  let requestId: string | undefined;
  let status: string | undefined;
  let errorType: string | undefined;
  eachField(line, 'REPORT '.length, (k, ke, v, ve) => {
    if (isKey(line, k, ke, 'Duration')) durationMs = numberAt(line, v, ve);
    else if (isKey(line, k, ke, 'RequestId')) requestId = textAt(line, v, ve);
    else if (isKey(line, k, ke, 'Billed Duration')) billedDurationMs = numberAt(line, v, ve);
    else if (isKey(line, k, ke, 'Memory Size')) memorySizeMb = numberAt(line, v, ve);
    else if (isKey(line, k, ke, 'Max Memory Used')) maxMemoryUsedMb = numberAt(line, v, ve);
    else if (isKey(line, k, ke, 'Init Duration')) initDurationMs = numberAt(line, v, ve);
    else if (isKey(line, k, ke, 'Restore Duration')) restoreDurationMs = numberAt(line, v, ve);
    else if (isKey(line, k, ke, 'Status')) status = textAt(line, v, ve);
    else if (isKey(line, k, ke, 'Error Type')) errorType = textAt(line, v, ve);
  });
  if (durationMs === undefined) return undefined;
  const fields: ReportFields = { durationMs };
  if (billedDurationMs !== undefined) fields.billedDurationMs = billedDurationMs;
  if (memorySizeMb !== undefined) fields.memorySizeMb = memorySizeMb;
  if (maxMemoryUsedMb !== undefined) fields.maxMemoryUsedMb = maxMemoryUsedMb;
  if (requestId !== undefined) fields.requestId = requestId;
  if (initDurationMs !== undefined) fields.initDurationMs = initDurationMs;
  if (restoreDurationMs !== undefined) fields.restoreDurationMs = restoreDurationMs;
  if (status !== undefined) fields.status = status;
  if (errorType !== undefined) fields.errorType = errorType;
  return fields;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Parse one JSON log line; undefined unless it is a `platform.report` with a numeric `durationMs`. */
function parseJsonReport(line: string): ReportFields | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed['type'] !== 'platform.report') return undefined;
  const record = parsed['record'];
  if (!isObject(record)) return undefined;
  const metrics = record['metrics'];
  if (!isObject(metrics)) return undefined;
  const durationMs = num(metrics['durationMs']);
  if (durationMs === undefined) return undefined;
  // What the record lacks stays absent: a 0 would read as a measured 0 MB or a 0 ms bill downstream.
  const fields: ReportFields = { durationMs };
  const billed = num(metrics['billedDurationMs']);
  if (billed !== undefined) fields.billedDurationMs = billed;
  const memory = num(metrics['memorySizeMB']);
  if (memory !== undefined) fields.memorySizeMb = memory;
  const used = num(metrics['maxMemoryUsedMB']);
  if (used !== undefined) fields.maxMemoryUsedMb = used;
  if (typeof record['requestId'] === 'string') fields.requestId = record['requestId'];
  const init = num(metrics['initDurationMs']);
  if (init !== undefined) fields.initDurationMs = init;
  const restore = num(metrics['restoreDurationMs']);
  if (restore !== undefined) fields.restoreDurationMs = restore;
  if (typeof record['status'] === 'string') fields.status = record['status'];
  if (typeof record['errorType'] === 'string') fields.errorType = record['errorType'];
  return fields;
}

/** The last JSON `platform.report` line of the tail, parsed. */
function lastJsonReport(tail: string): ReportFields | undefined {
  let idx = tail.lastIndexOf('platform.report');
  while (idx >= 0) {
    const start = tail.lastIndexOf('\n', idx) + 1;
    const endNl = tail.indexOf('\n', idx);
    const line = (endNl < 0 ? tail.slice(start) : tail.slice(start, endNl)).trim();
    const fields = line.startsWith('{') ? parseJsonReport(line) : undefined;
    if (fields) return fields;
    idx = start === 0 ? -1 : tail.lastIndexOf('platform.report', start - 1);
  }
  return undefined;
}

/**
 * Parse the REPORT of a decoded log tail (text or JSON log format); undefined when the tail holds no REPORT.
 */
export function parseReportLine(tail: string | undefined): ReportFields | undefined {
  if (!tail) return undefined;
  const text = lastLineStartingWith(tail, 'REPORT ');
  if (text !== undefined) {
    const fields = parseTextReport(text);
    if (fields) return fields;
  }
  return tail.includes('platform.report') ? lastJsonReport(tail) : undefined;
}

/**
 * Whether the tail holds an INIT_REPORT (text) or `platform.initReport` (JSON) record. Lambda writes one into an
 * invocation's log only when that invocation ran or retried an init: an init that crashed or timed out is
 * retried inside the first invocation ("suppressed init", `Phase: invoke`), and that invocation's REPORT then
 * has no Init Duration (AWS: "Understanding the Lambda execution environment lifecycle", Failures during the
 * Init phase). A successful on-demand init writes none in the text format, so this never fires on a warm start.
 */
export function hasInitReport(tail: string | undefined): boolean {
  if (!tail) return false;
  return lastLineStartingWith(tail, 'INIT_REPORT ') !== undefined || tail.includes('"platform.initReport"');
}

/**
 * Parse coldprobe's emulator line `COLDPROBE EnvId: <id>\tEnvSeq: <n>\tInitType: <type>`; undefined when absent.
 */
export function parseEnvironmentLine(tail: string | undefined): EnvironmentTruth | undefined {
  if (!tail?.includes('COLDPROBE ')) return undefined;
  const line = lastLineStartingWith(tail, 'COLDPROBE ');
  if (line === undefined) return undefined;
  let envId: string | undefined;
  let envSeq: number | undefined;
  let initType: string | undefined;
  eachField(line, 'COLDPROBE '.length, (k, ke, v, ve) => {
    if (isKey(line, k, ke, 'EnvId')) envId = textAt(line, v, ve);
    else if (isKey(line, k, ke, 'EnvSeq')) envSeq = numberAt(line, v, ve);
    else if (isKey(line, k, ke, 'InitType')) initType = textAt(line, v, ve);
  });
  if (!envId || envSeq === undefined || !Number.isInteger(envSeq)) return undefined;
  return { envId, envSeq, initType: initType ?? 'on-demand' };
}

/** The request id written when none is given. */
const NIL_REQUEST_ID = '00000000-0000-0000-0000-000000000000';

/** Format fields as a JSON-log-format `platform.report` line; for tests. `time` is an ISO-8601 string. */
export function formatReportJson(f: ReportFields, time = '2024-07-01T08:54:54.127Z'): string {
  const metrics: Record<string, number> = { durationMs: f.durationMs };
  if (f.billedDurationMs !== undefined) metrics['billedDurationMs'] = f.billedDurationMs;
  if (f.memorySizeMb !== undefined) metrics['memorySizeMB'] = f.memorySizeMb;
  if (f.maxMemoryUsedMb !== undefined) metrics['maxMemoryUsedMB'] = f.maxMemoryUsedMb;
  if (f.initDurationMs !== undefined) metrics['initDurationMs'] = f.initDurationMs;
  if (f.restoreDurationMs !== undefined) metrics['restoreDurationMs'] = f.restoreDurationMs;
  const record: Record<string, unknown> = { requestId: f.requestId ?? NIL_REQUEST_ID, metrics };
  record['status'] = f.status ?? 'success';
  if (f.errorType !== undefined) record['errorType'] = f.errorType;
  return JSON.stringify({ time, type: 'platform.report', record });
}

// ─── Writing: the lines the emulator's platform prints ─────────────────────────────────────────────────

/** `START RequestId: <id> Version: <version>` */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

/** `END RequestId: <id>` */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

/** coldprobe's own line (written right before END): which environment served the invocation. */
export function coldprobeLine(envId: string, envSeq: number, initType: string): string {
  return `COLDPROBE EnvId: ${envId}\tEnvSeq: ${envSeq}\tInitType: ${initType}\n`;
}

/** What a REPORT line is written from; durations in ms, memory in MB. */
export interface ReportLineFields {
  /** Defaults to the nil uuid (tests). */
  requestId?: string;
  durationMs: number;
  /** Defaults to billedDurationMs(durationMs, initDurationMs). */
  billedDurationMs?: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Only on the first invocation of an on-demand environment. */
  initDurationMs?: number;
  /** SnapStart restores only. */
  restoreDurationMs?: number;
  /** `timeout` or `error` on failures; absent on success. */
  status?: string;
  /** With status `error`. */
  errorType?: string;
}

/** Billed Duration in whole ms: ceil(Duration + Init Duration), since Lambda bills on-demand INIT (2025-08-01). */
export function billedDurationMs(durationMs: number, initDurationMs?: number): number {
  return Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0)));
}

/** The REPORT line in Lambda's field order (Init Duration after Max Memory Used, Status last), newer style (no trailing tab). */
export function reportLine(f: ReportLineFields): string {
  let line =
    `REPORT RequestId: ${f.requestId ?? NIL_REQUEST_ID}\tDuration: ${f.durationMs.toFixed(2)} ms` +
    `\tBilled Duration: ${f.billedDurationMs ?? billedDurationMs(f.durationMs, f.initDurationMs)} ms` +
    `\tMemory Size: ${f.memorySizeMb} MB\tMax Memory Used: ${f.maxMemoryUsedMb} MB`;
  if (f.initDurationMs !== undefined) line += `\tInit Duration: ${f.initDurationMs.toFixed(2)} ms`;
  if (f.restoreDurationMs !== undefined) line += `\tRestore Duration: ${f.restoreDurationMs.toFixed(2)} ms`;
  if (f.status === 'timeout') line += '\tStatus: timeout';
  else if (f.status === 'error') line += `\tStatus: error${f.errorType === undefined ? '' : `\tError Type: ${f.errorType}`}`;
  return `${line}\n`;
}

/** Fields of an INIT_REPORT line; duration in ms. */
export interface InitReportFields {
  initDurationMs: number;
  /** `init`, or `invoke` for an init retried inside the first invocation (suppressed init). */
  phase: 'init' | 'invoke';
  /** `success` only for a retried init that worked (its duration is in no REPORT line). */
  status: 'success' | 'timeout' | 'error';
  errorType?: string;
}

/** `INIT_REPORT Init Duration: … ms\tPhase: init|invoke\tStatus: success|timeout|error[\tError Type: …]` */
export function initReportLine(f: InitReportFields): string {
  let line = `INIT_REPORT Init Duration: ${f.initDurationMs.toFixed(2)} ms\tPhase: ${f.phase}\tStatus: ${f.status}`;
  if (f.status === 'error' && f.errorType !== undefined) line += `\tError Type: ${f.errorType}`;
  return `${line}\n`;
}

/** The platform's timeout line: `<ISO time> <id> Task timed out after 3.02 seconds` (measured elapsed seconds). */
export function timeoutLine(at: Date, requestId: string, elapsedS: number): string {
  return `${at.toISOString()} ${requestId} Task timed out after ${elapsedS.toFixed(2)} seconds\n`;
}

/** The platform's crash lines for a runtime that exited mid-invoke (`reason`: `exit status 1`, `signal: killed`). */
export function crashLines(requestId: string, reason: string, errorType = 'Runtime.ExitError'): string {
  return `RequestId: ${requestId} Error: Runtime exited with error: ${reason}\n${errorType}\n`;
}

/** The platform's lines for an init whose runtime reported an error through `/init/error` (Runtime.Unknown). */
export function unknownErrorLines(): string {
  return 'Unknown application error occurred\nRuntime.Unknown\n';
}

/** `exit status N` or `signal: SIGKILL`, as the platform words a runtime exit. */
export function exitReason(code: number | null, signal: string | null): string {
  return signal !== null ? `signal: ${signal}` : `exit status ${code ?? 0}`;
}
