/**
 * Turn one raw invocation result into an invocation record: outcome, error type, cold/warm classification
 * and times relative to the run's start. Pure; runs once per invocation on the burst path, so it stays cheap
 * (the error payload is parsed only for function errors).
 */
import { PLATFORM_ERRORS, THROTTLE_EXCEPTION, UNKNOWN_THROTTLE_REASON } from '../lambda/errors.js';
import { hasInitReport, parseEnvironmentLine, parseReportLine } from '../lambda/report.js';
import type { Classification, EnvironmentTruth, InvocationRecord, Outcome, ReportFields } from './types.js';

/**
 * The raw outcome of one fired invocation, as a target reports it (src/targets re-exports it as
 * `RawInvocationResult`). Times are `performance.now()` milliseconds.
 */
export interface RawInvocationInput {
  /** When the request was written to its connection. */
  sentAt: number;
  /** When the response was complete or the failure known. */
  finishedAt: number;
  statusCode?: number;
  requestId?: string;
  executedVersion?: string;
  /** X-Amz-Function-Error value when present. */
  functionError?: string;
  /** Decoded X-Amz-Log-Result (the 4 KB tail), when present. */
  logTail?: string;
  /** The response payload, kept only for function errors (to read `errorType`). */
  errorPayload?: string;
  /** Service error thrown by the SDK: exception name (e.g. `TooManyRequestsException`). */
  serviceErrorName?: string;
  /** 429 `Reason` member. */
  throttleReason?: string;
  /** Transport-level failure code (`ECONNRESET`, `TimeoutError`, …). */
  transportError?: string;
  /** True when the client gave up (request timeout or interrupted). */
  clientTimeout?: boolean;
  /** Set by the engine: the run was stopped and this invocation was given up after the grace period. */
  interrupted?: boolean;
  /** Emulator-only ground truth, from coldprobe's own response headers. */
  env?: EnvironmentTruth;
  /** Emulator-only: when it accepted the request and assigned its environment (ms, this clock), and the init-slot wait (ms). */
  envTimes?: EnvironmentTimes;
}

/** The emulator's admission times of one invocation, on the caller's `performance.now()` clock. */
export interface EnvironmentTimes {
  acceptedAt: number;
  assignedAt: number;
  queueWaitMs?: number;
}

/** Where one invocation sits in the run; times are `performance.now()` milliseconds. */
export interface RecordContext {
  /** 0-based index within the run. */
  index: number;
  cell: string;
  /** 0-based burst (wave) index within the cell. */
  burst: number;
  /** When the engine asked the target for this invocation, ms. */
  scheduledAt: number;
  /** The run's start, ms; every record time is µs since this. */
  runStartAt: number;
  /** Preparation time (serialise, sign) of this invocation, ms. */
  prepareMs: number;
}

/**
 * How much shorter than the REPORT's Init Duration the client's latency must be before the init is taken for
 * one the client did not wait for, ms. Both are durations on their own clocks (no offset between them
 * matters); Init Duration is printed to 0.01 ms and clock rates differ by parts per million, so 1 ms is far
 * above measurement error while far below any init worth the name.
 */
export const PRE_INITIALIZED_SLACK_MS = 1;

/**
 * The classification of one invocation from its own figures:
 *
 * - `unknown`: no REPORT (or only another invocation's, see toRecord);
 * - `cold`: the tail holds an INIT_REPORT (a suppressed init, retried inside this invocation, whose REPORT has
 *   no Init Duration), or the REPORT carries Restore Duration (SnapStart restores in the request path), or it
 *   carries Init Duration and the client waited at least that long;
 * - `pre-initialized`: the REPORT carries Init Duration, yet the client's latency (write to last byte) is
 *   shorter than it by more than PRE_INITIALIZED_SLACK_MS. A cold start's client waits for the whole init and
 *   then for the invocation, so its latency is at least the Init Duration: a shorter latency proves the init ran
 *   before the request was sent. Lambda does that for provisioned concurrency (init at allocation; the first
 *   invocation's REPORT can still carry it) and, for on-demand functions, when it initialises an environment
 *   ahead of the request ("Understanding the Lambda execution environment lifecycle", Init phase: "you might
 *   observe a time gap between the Init and Invoke phases");
 * - `warm`: a REPORT without Init or Restore Duration.
 *
 * The rule uses the init alone, not init + Duration, on purpose: Duration ends when the runtime (and every
 * extension) asks for the next event, which can come after the response (work after responding, extensions);
 * whether Lambda holds a response with a log tail until then is not documented (the emulator does), and if it
 * does not, a genuine cold start answers in less than init + Duration. The init alone is a lower bound either
 * way. A pre-initialized environment whose init was shorter than
 * its invocation's latency cannot be told apart by figures and counts as cold, as before this class existed.
 * Without a latency (none measured) the rule cannot apply: Init Duration then means cold.
 */
export function classify(report: ReportFields | undefined, initInTail = false, latencyUs?: number): Classification {
  if (report === undefined) return 'unknown';
  if (initInTail) return 'cold';
  if (report.restoreDurationMs !== undefined) return 'cold';
  if (report.initDurationMs === undefined) return 'warm';
  if (latencyUs !== undefined && latencyUs / 1000 + PRE_INITIALIZED_SLACK_MS < report.initDurationMs) return 'pre-initialized';
  return 'cold';
}

/**
 * The REPORT that belongs to this invocation: the tail's, unless it names another request id than the
 * response's `x-amzn-RequestId` (then `foreignRequestId` says which). Lambda writes an invocation's REPORT with
 * its own request id, and the Invoke response's request id is that same id; a REPORT naming another one is not
 * this invocation's (a function that printed a REPORT-looking line while the real one was missing, or a stand-in
 * endpoint that answers differently), and classifying from it would count someone else's init.
 */
function ownReport(raw: RawInvocationInput): { report: ReportFields | undefined; foreignRequestId?: string } {
  const report = parseReportLine(raw.logTail);
  if (report?.requestId !== undefined && raw.requestId !== undefined && report.requestId !== raw.requestId) {
    return { report: undefined, foreignRequestId: report.requestId };
  }
  return { report };
}

/** The `errorType` member of a function error document, when it is JSON with a string `errorType`. */
function errorTypeOfPayload(payload: string | undefined): string | undefined {
  if (!payload) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const t = (doc as Record<string, unknown>)['errorType'];
  if (typeof t === 'string' && t.length > 0) return t;
  // The older timeout document has no errorType: {"errorMessage":"<ts> <id> Task timed out after 3.00 seconds"}.
  const m = (doc as Record<string, unknown>)['errorMessage'];
  if (typeof m === 'string' && m.includes('Task timed out after')) return PLATFORM_ERRORS.timeout;
  return undefined;
}

/** Function error type: the error document first, then the REPORT's Error Type/Status, then the header value. */
function functionErrorType(raw: RawInvocationInput, report: ReportFields | undefined): string {
  return (
    errorTypeOfPayload(raw.errorPayload) ??
    report?.errorType ??
    (report?.status === 'timeout' ? PLATFORM_ERRORS.timeout : undefined) ??
    raw.functionError ??
    'Unhandled'
  );
}

/** Outcome and its error type; the order puts the client's own failures before what the response says. */
function outcomeOf(raw: RawInvocationInput, report: ReportFields | undefined): { outcome: Outcome; errorType?: string } {
  if (raw.interrupted) return { outcome: 'interrupted' };
  if (raw.clientTimeout) {
    return raw.transportError ? { outcome: 'client-timeout', errorType: raw.transportError } : { outcome: 'client-timeout' };
  }
  if (raw.transportError !== undefined) return { outcome: 'transport-error', errorType: raw.transportError };
  if (raw.throttleReason !== undefined || raw.serviceErrorName === THROTTLE_EXCEPTION || raw.statusCode === 429) {
    return { outcome: 'throttled', errorType: raw.throttleReason ?? UNKNOWN_THROTTLE_REASON };
  }
  if (raw.serviceErrorName !== undefined) return { outcome: 'service-error', errorType: raw.serviceErrorName };
  if (raw.functionError !== undefined) return { outcome: 'function-error', errorType: functionErrorType(raw, report) };
  if (raw.statusCode !== undefined && (raw.statusCode < 200 || raw.statusCode > 299)) {
    return { outcome: 'service-error', errorType: `HTTP ${raw.statusCode}` };
  }
  return { outcome: 'ok' };
}

/** µs since the run's start, rounded to whole µs. */
const sinceStartUs = (atMs: number, runStartAt: number): number => Math.round((atMs - runStartAt) * 1000);

/** Build the invocation record of one raw result; pure, never throws. */
export function toRecord(raw: RawInvocationInput, ctx: RecordContext): InvocationRecord {
  const { report, foreignRequestId } = ownReport(raw);
  const { outcome, errorType } = outcomeOf(raw, report);
  // A target bug must not put NaN in a record: JSON would write null and the results file would not read back.
  const scheduledAt = Number.isFinite(ctx.scheduledAt) ? ctx.scheduledAt : ctx.runStartAt;
  const sentAt = Number.isFinite(raw.sentAt) ? raw.sentAt : scheduledAt;
  const finishedAt = Number.isFinite(raw.finishedAt) ? raw.finishedAt : sentAt;
  const sentUs = sinceStartUs(sentAt, ctx.runStartAt);
  const finishedUs = sinceStartUs(finishedAt, ctx.runStartAt);
  const record: InvocationRecord = {
    index: ctx.index,
    cell: ctx.cell,
    burst: ctx.burst,
    scheduledUs: sinceStartUs(scheduledAt, ctx.runStartAt),
    sentUs,
    finishedUs,
    latencyUs: Math.max(0, finishedUs - sentUs),
    prepareUs: Number.isFinite(ctx.prepareMs) ? Math.round(ctx.prepareMs * 1000) : 0,
    outcome,
    classification: report === undefined ? 'unknown' : classify(report, hasInitReport(raw.logTail), Math.max(0, finishedUs - sentUs)),
  };
  if (foreignRequestId !== undefined) record.foreignReportRequestId = foreignRequestId;
  if (errorType !== undefined) record.errorType = errorType;
  if (raw.statusCode !== undefined) record.statusCode = raw.statusCode;
  if (report !== undefined) record.report = report;
  const requestId = raw.requestId ?? report?.requestId;
  if (requestId !== undefined) record.requestId = requestId;
  if (raw.executedVersion !== undefined) record.executedVersion = raw.executedVersion;
  const env = raw.env ?? parseEnvironmentLine(raw.logTail);
  if (env !== undefined) {
    const times = raw.envTimes;
    record.env =
      times === undefined || !Number.isFinite(times.acceptedAt) || !Number.isFinite(times.assignedAt)
        ? env
        : {
            ...env,
            acceptedUs: sinceStartUs(times.acceptedAt, ctx.runStartAt),
            assignedUs: sinceStartUs(times.assignedAt, ctx.runStartAt),
            ...(times.queueWaitMs !== undefined && Number.isFinite(times.queueWaitMs) ? { queueWaitUs: Math.round(times.queueWaitMs * 1000) } : {}),
          };
  }
  return record;
}
