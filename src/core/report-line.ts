/**
 * Parse the decoded `X-Amz-Log-Result` tail (the last 4 KB of an invocation's log) into REPORT fields,
 * from the text log format (`REPORT RequestId: …\tDuration: …`) or the JSON one (`platform.report`),
 * plus coldprobe's emulator line (`COLDPROBE EnvId: …`). Pure and never throws: garbage in, undefined out.
 */
import type { EnvironmentTruth, ReportFields } from './types.js';

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
 * Parse a text REPORT line. Requires `Duration`: without it the line is not a usable REPORT. The other
 * always-present fields default to 0 if a non-standard REPORT omits them. Unknown keys are ignored.
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
  const fields: ReportFields = {
    durationMs,
    billedDurationMs: billedDurationMs ?? 0,
    memorySizeMb: memorySizeMb ?? 0,
    maxMemoryUsedMb: maxMemoryUsedMb ?? 0,
  };
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
  const fields: ReportFields = {
    durationMs,
    billedDurationMs: num(metrics['billedDurationMs']) ?? 0,
    memorySizeMb: num(metrics['memorySizeMB']) ?? 0,
    maxMemoryUsedMb: num(metrics['maxMemoryUsedMB']) ?? 0,
  };
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
 * Parse coldprobe's emulator line `COLDPROBE EnvId: <id>\tEnvSeq: <n>\tInitType: <type>`; undefined when absent.
 */
export function parseEnvironmentLine(tail: string | undefined): EnvironmentTruth | undefined {
  if (!tail || !tail.includes('COLDPROBE ')) return undefined;
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

/** Two decimals, as Lambda prints durations (`12.34 ms`). */
const ms2 = (v: number): string => v.toFixed(2);

/**
 * Format fields as a real-Lambda text REPORT line (field order as Lambda prints it, trailing `\t`); for tests and the emulator.
 */
export function formatReportLine(f: ReportFields): string {
  const parts = [
    `REPORT RequestId: ${f.requestId ?? '00000000-0000-0000-0000-000000000000'}`,
    `Duration: ${ms2(f.durationMs)} ms`,
    `Billed Duration: ${Math.round(f.billedDurationMs)} ms`,
    `Memory Size: ${Math.round(f.memorySizeMb)} MB`,
    `Max Memory Used: ${Math.round(f.maxMemoryUsedMb)} MB`,
  ];
  if (f.initDurationMs !== undefined) parts.push(`Init Duration: ${ms2(f.initDurationMs)} ms`);
  if (f.restoreDurationMs !== undefined) parts.push(`Restore Duration: ${ms2(f.restoreDurationMs)} ms`);
  if (f.status !== undefined) parts.push(`Status: ${f.status}`);
  if (f.errorType !== undefined) parts.push(`Error Type: ${f.errorType}`);
  return parts.join('\t') + '\t';
}

/** Format fields as a JSON-log-format `platform.report` line; for tests. `time` is an ISO-8601 string. */
export function formatReportJson(f: ReportFields, time = '2024-07-01T08:54:54.127Z'): string {
  const metrics: Record<string, number> = {
    durationMs: f.durationMs,
    billedDurationMs: f.billedDurationMs,
    memorySizeMB: f.memorySizeMb,
    maxMemoryUsedMB: f.maxMemoryUsedMb,
  };
  if (f.initDurationMs !== undefined) metrics['initDurationMs'] = f.initDurationMs;
  if (f.restoreDurationMs !== undefined) metrics['restoreDurationMs'] = f.restoreDurationMs;
  const record: Record<string, unknown> = { requestId: f.requestId ?? '00000000-0000-0000-0000-000000000000', metrics };
  record['status'] = f.status ?? 'success';
  if (f.errorType !== undefined) record['errorType'] = f.errorType;
  return JSON.stringify({ time, type: 'platform.report', record });
}

/** Format coldprobe's emulator environment line (the emulator appends it after REPORT). */
export function formatEnvironmentLine(env: EnvironmentTruth): string {
  return `COLDPROBE EnvId: ${env.envId}\tEnvSeq: ${env.envSeq}\tInitType: ${env.initType}`;
}
