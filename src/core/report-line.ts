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

/**
 * Split `Key: value` pairs separated by tabs; tolerant of `27 ms \t` spacing, trailing `\t` and `\r`.
 * Unknown keys are kept in the map and ignored by callers.
 */
function keyValues(body: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of body.split('\t')) {
    const colon = part.indexOf(': ');
    if (colon < 0) continue;
    const key = part.slice(0, colon).trim();
    const value = part.slice(colon + 2).trim();
    if (key.length > 0) out.set(key, value);
  }
  return out;
}

/** Leading number of `12.34 ms` / `128 MB`; undefined when absent or not a number. */
function numberOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Parse a text REPORT line (the part after `REPORT `). Requires `Duration`: without it the line is not
 * a usable REPORT. The other always-present fields default to 0 if a non-standard REPORT omits them.
 */
function parseTextReport(line: string): ReportFields | undefined {
  const kv = keyValues(line.slice('REPORT '.length));
  const durationMs = numberOf(kv.get('Duration'));
  if (durationMs === undefined) return undefined;
  const fields: ReportFields = {
    durationMs,
    billedDurationMs: numberOf(kv.get('Billed Duration')) ?? 0,
    memorySizeMb: numberOf(kv.get('Memory Size')) ?? 0,
    maxMemoryUsedMb: numberOf(kv.get('Max Memory Used')) ?? 0,
  };
  const requestId = kv.get('RequestId');
  if (requestId) fields.requestId = requestId;
  const init = numberOf(kv.get('Init Duration'));
  if (init !== undefined) fields.initDurationMs = init;
  const restore = numberOf(kv.get('Restore Duration'));
  if (restore !== undefined) fields.restoreDurationMs = restore;
  const status = kv.get('Status');
  if (status) fields.status = status;
  const errorType = kv.get('Error Type');
  if (errorType) fields.errorType = errorType;
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
    const fields = parseTextReport(text.replace(/\r$/, ''));
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
  const kv = keyValues(line.slice('COLDPROBE '.length).replace(/\r$/, ''));
  const envId = kv.get('EnvId');
  const envSeq = numberOf(kv.get('EnvSeq'));
  if (!envId || envSeq === undefined || !Number.isInteger(envSeq)) return undefined;
  return { envId, envSeq, initType: kv.get('InitType') ?? 'on-demand' };
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
