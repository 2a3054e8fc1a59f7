/**
 * The vocabulary of coldprobe as data. Pure types only: no I/O, no clock, no SDK.
 * Units ride in names (`latencyUs`, `initDurationMs`, `memoryMb`).
 */
import type { EnvironmentTruth, ReportFields } from '../lambda/report.js';

/** The REPORT fields and the emulator's environment line belong to Lambda's vocabulary (src/lambda). */
export type { EnvironmentTruth, ReportFields } from '../lambda/report.js';

/**
 * Verdict for one invocation, read from its own REPORT and figures (core/classify.ts has the exact rule): `cold`
 * (the client waited for an init), `pre-initialized` (the REPORT carries an Init Duration the client did not wait
 * for: provisioned concurrency, proactive initialisation), `warm`, or `unknown` (no REPORT of its own).
 */
export type Classification = 'cold' | 'pre-initialized' | 'warm' | 'unknown';

/**
 * How one invocation ended. Per-invocation failures are data, never exceptions.
 * - `ok`: 200 without X-Amz-Function-Error.
 * - `function-error`: 200 with X-Amz-Function-Error; `errorType` from the error document (e.g. `Sandbox.Timedout`).
 * - `throttled`: 429 TooManyRequestsException; `errorType` holds the `Reason`.
 * - `service-error`: any other Lambda service error (404, 409, 5xx); `errorType` holds the exception name.
 * - `client-timeout`: the client gave up waiting (its request timeout).
 * - `transport-error`: the connection failed (reset, refused, DNS); `errorType` holds the error code.
 * - `interrupted`: sent, then given up because the run was stopped (Ctrl-C, --abort-on-fail) and no answer
 *   came within the grace period. Not an error: the function was never given the time to answer.
 */
export type Outcome =
  | 'ok'
  | 'function-error'
  | 'throttled'
  | 'service-error'
  | 'client-timeout'
  | 'transport-error'
  | 'interrupted';

/** One invocation, from scheduling to its last byte. Times are µs since the run's start. */
export interface InvocationRecord {
  /** 0-based index within the run. */
  index: number;
  /** Cell id this invocation belongs to (`default` for a plain burst). */
  cell: string;
  /** 0-based burst (wave) index within the cell. */
  burst: number;
  /** When the engine asked the target for this invocation. */
  scheduledUs: number;
  /** When the request was written to its connection; latency is timed from here. */
  sentUs: number;
  /** When the response was complete (or the failure was known). */
  finishedUs: number;
  /** finishedUs - sentUs. */
  latencyUs: number;
  /** CPU-bound preparation before the send (SDK middleware, signing), measured apart from latency. */
  prepareUs: number;
  outcome: Outcome;
  /** Function error type, throttle Reason, service exception name or transport error code. */
  errorType?: string;
  /** HTTP status code when a response arrived. */
  statusCode?: number;
  classification: Classification;
  /** This invocation's REPORT (absent when the tail held none, or only one naming another request id). */
  report?: ReportFields;
  /**
   * Set when the tail's REPORT named another request id than the response's `x-amzn-RequestId`: that REPORT is
   * left out and the record is `unknown` (counted in the summary's `foreignReports`).
   */
  foreignReportRequestId?: string;
  requestId?: string;
  executedVersion?: string;
  /** Emulator ground truth; absent on AWS. */
  env?: EnvironmentTruth;
}

/** Percentiles of one HDR histogram, in the unit of its name. */
export interface LatencyStats {
  count: number;
  minUs: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Key of one summary group: function × runtime × memory × classification. */
export interface GroupKey {
  functionName: string;
  runtime: string;
  memoryMb: number;
  classification: Classification;
}

/** Latency and init-duration percentiles of one group. */
export interface GroupSummary {
  key: GroupKey;
  latency: LatencyStats;
  /** Init Duration from REPORT, converted to µs; only for cold groups. */
  initDuration?: LatencyStats;
}

/** Release facts of one burst. */
export interface BurstInfo {
  /** 0-based burst index within the cell. */
  index: number;
  n: number;
  /** First send to last send, µs. */
  releaseSpreadUs: number;
  /** Wall time spent preparing (serialising, signing) before the release, µs. */
  prepareUs: number;
  /** µs since run start when the first request of this burst was sent. */
  startedUs: number;
  /** Invocations never sent (interrupted before release). */
  notSent: number;
}

/** Counts and client latency of one burst (wave), recomputable from its records. */
export interface BurstSummary {
  /** 0-based burst index within the cell. */
  index: number;
  total: number;
  cold: number;
  /** Added after schemaVersion 1 shipped: older files read as 0. */
  preInitialized: number;
  warm: number;
  unknown: number;
  throttled: number;
  /** Records whose outcome is neither ok, throttled nor interrupted. */
  errors: number;
  /** Sent, then given up when the run was stopped (not errors). */
  interrupted: number;
  /** Client latency of every record of the burst (2 significant digits), µs. */
  latency: LatencyStats;
}

/** Everything a reader wants from one cell, recomputable from its records. */
export interface CellSummary {
  total: number;
  byOutcome: Record<Outcome, number>;
  cold: number;
  /** Invocations whose REPORT carried an Init Duration they did not wait for (core/classify.ts); older files read as 0. */
  preInitialized: number;
  warm: number;
  unknown: number;
  /** Records left unknown because their tail's REPORT named another request id; older files read as 0. */
  foreignReports: number;
  /** cold / (cold + pre-initialized + warm): the share of classified invocations that waited for an init; 0 when none. */
  coldRatio: number;
  throttlesByReason: Record<string, number>;
  errorsByType: Record<string, number>;
  /** `preInitialized` is absent from files written before that class existed. */
  latency: { all: LatencyStats; cold: LatencyStats; warm: LatencyStats; preInitialized?: LatencyStats };
  /** Init Duration percentiles of cold invocations, µs (a pre-initialized invocation's init is in its group). */
  initDuration: LatencyStats;
  groups: GroupSummary[];
  bursts: BurstInfo[];
  /** Per-burst counts and latency, ordered by burst index (optional: added after schemaVersion 1 shipped). */
  perBurst?: BurstSummary[];
}

/** Identity of one matrix cell (one runtime × memory × provisioned-concurrency point). */
export interface CellSpec {
  id: string;
  label: string;
  functionName: string;
  runtime: string;
  memoryMb: number;
  /** Provisioned concurrency for this cell; 0 = none. */
  provisioned: number;
  qualifier?: string;
}
