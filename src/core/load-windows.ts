/**
 * A load over time: per time window (1 s by default) the rate asked for and achieved, invocations in flight, cold
 * starts, throttles by Reason, latency p50/p99, schedule lag, and on the emulator the environments in use. One
 * accumulator feeds the live view and the results file alike; `loadWindows` recomputes the same from records.
 */
import { UNKNOWN_THROTTLE_REASON } from '../lambda/errors.js';
import { createHistogram, recordUs, statsOf, type Histogram } from './stats.js';
import { expectedBy, type LoadSchedule } from './load-schedule.js';
import type { InvocationRecord } from './types.js';

/** Default window length, ms. */
export const DEFAULT_WINDOW_MS = 1000;
/** An invocation written more than this after it was due counts as late (the schedule lag goal is < 2 ms p99). */
export const LATE_AFTER_US = 2000;

/** One time window of a load. Invocations are placed by the time they were written (`sentUs`). */
export interface LoadWindow {
  /** 0-based; the window covers [index × windowMs, (index + 1) × windowMs) since the run's start. */
  index: number;
  /** Invocations the schedule asked for in this window (continuous, so a ramp's windows need not be whole). */
  requested: number;
  /** Invocations written in this window. */
  started: number;
  /** Invocations whose response was complete in this window. */
  finished: number;
  /** Written but not yet finished at the window's end. */
  inFlight: number;
  cold: number;
  /** Invocations whose Init Duration they did not wait for (core/classify.ts); absent in files from before that class. */
  preInitialized?: number;
  warm: number;
  unknown: number;
  throttled: number;
  throttlesByReason: Record<string, number>;
  /** Records whose outcome is neither ok, throttled nor interrupted. */
  errors: number;
  /** Client latency from the write, µs (0 when nothing finished). */
  latencyP50Us: number;
  latencyP99Us: number;
  /** Latency from the time the invocation was due (includes any wait before the write), p99, µs. */
  dueLatencyP99Us: number;
  /** Write time − due time, p99, µs. */
  scheduleLagP99Us: number;
  /** Written more than LATE_AFTER_US after they were due. */
  late: number;
  /** Emulator only: distinct environments that served an invocation during the window. */
  environments?: number;
  /** Emulator only: on-demand environments whose first invocation was written in this window (the scaling rate). */
  newEnvironments?: number;
}

/** What a load step leaves in its cell's results (`CellResult.load`). */
export interface LoadSection {
  /** The stages as `--stages` text. */
  stages: string;
  windowMs: number;
  maxInFlight: number;
  /** When the load started, µs since the run's start (window 0 starts here). */
  originUs: number;
  durationUs: number;
  /** Invocations the schedule asked for. */
  scheduled: number;
  /** Never written (interrupted). */
  notSent: number;
  /** Written only after waiting for a free socket or a prepared request. */
  startedFromBacklog: number;
  windows: LoadWindow[];
  /** HTTP loads: how the REPORT records were joined, or why they could not be. */
  join?: { expected: number; joined: number; missing: number; withoutRequestId: number } | { unavailable: string };
}

interface WindowState {
  started: number;
  finished: number;
  cold: number;
  'pre-initialized': number;
  warm: number;
  unknown: number;
  throttled: number;
  throttlesByReason: Record<string, number>;
  errors: number;
  late: number;
  latency: Histogram | undefined;
  dueLatency: Histogram | undefined;
  lag: Histogram | undefined;
  envs: Set<string> | undefined;
  newEnvs: number;
}

export interface LoadWindowOptions {
  /** Window length, ms (default 1,000). */
  windowMs?: number;
  /** The load's schedule, for the rate asked for per window. */
  schedule?: LoadSchedule;
  /** When the load started, µs on the records' clock (window 0 starts here). */
  originUs?: number;
  /** Starts are counted by `sent` calls (live), not from records. */
  startsFromSent?: boolean;
}

/**
 * Accumulates records into windows as they finish. Call `sent` when an invocation is written (so a live view sees
 * starts before their responses); when replaying finished records only, leave it out and `add` counts the start.
 */
export class LoadWindowAccumulator {
  private readonly states: WindowState[] = [];
  private sawEnvironments = false;

  readonly windowMs: number;
  private readonly schedule: LoadSchedule | undefined;
  private readonly originUs: number;
  private readonly startsFromSent: boolean;

  constructor(options: LoadWindowOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.schedule = options.schedule;
    this.originUs = options.originUs ?? 0;
    this.startsFromSent = options.startsFromSent ?? false;
  }

  /** An invocation was written at `sentUs` (only when constructed with `startsFromSent`). */
  sent(sentUs: number): void {
    this.state(this.windowOf(sentUs)).started++;
  }

  /** A finished invocation. */
  add(record: InvocationRecord): void {
    const w = this.windowOf(record.sentUs);
    const s = this.state(w);
    if (!this.startsFromSent) s.started++;
    this.state(this.windowOf(record.finishedUs)).finished++;
    if (record.outcome === 'throttled') {
      s.throttled++;
      const reason = record.errorType ?? UNKNOWN_THROTTLE_REASON;
      s.throttlesByReason[reason] = (s.throttlesByReason[reason] ?? 0) + 1;
    } else if (record.outcome !== 'ok' && record.outcome !== 'interrupted') s.errors++;
    if (record.outcome !== 'throttled') s[record.classification]++;
    recordUs((s.latency ??= createHistogram(2)), record.latencyUs);
    recordUs((s.dueLatency ??= createHistogram(2)), record.finishedUs - record.scheduledUs);
    const lagUs = record.sentUs - record.scheduledUs;
    recordUs((s.lag ??= createHistogram(2)), lagUs);
    if (lagUs > LATE_AFTER_US) s.late++;
    if (record.env !== undefined) {
      this.sawEnvironments = true;
      if (record.env.envSeq === 1 && record.env.initType === 'on-demand') s.newEnvs++;
      // An environment is in use in every window its invocation overlapped.
      const last = this.windowOf(record.finishedUs);
      for (let i = w; i <= last; i++) (this.state(i).envs ??= new Set()).add(record.env.envId);
    }
  }

  /** The windows so far, oldest first; `lengthUs` extends them (empty) to a length of load, such as its whole duration. */
  windows(lengthUs?: number): LoadWindow[] {
    const count = Math.max(this.states.length, lengthUs === undefined ? 0 : Math.ceil(lengthUs / (this.windowMs * 1000)));
    const out: LoadWindow[] = [];
    let inFlight = 0;
    for (let i = 0; i < count; i++) {
      const s = this.states[i] ?? emptyState();
      inFlight += s.started - s.finished;
      const latency = s.latency === undefined ? undefined : statsOf(s.latency);
      const window: LoadWindow = {
        index: i,
        requested: this.requestedIn(i),
        started: s.started,
        finished: s.finished,
        inFlight: Math.max(0, inFlight),
        cold: s.cold,
        preInitialized: s['pre-initialized'],
        warm: s.warm,
        unknown: s.unknown,
        throttled: s.throttled,
        throttlesByReason: { ...s.throttlesByReason },
        errors: s.errors,
        latencyP50Us: latency?.p50Us ?? 0,
        latencyP99Us: latency?.p99Us ?? 0,
        dueLatencyP99Us: s.dueLatency === undefined ? 0 : statsOf(s.dueLatency).p99Us,
        scheduleLagP99Us: s.lag === undefined ? 0 : statsOf(s.lag).p99Us,
        late: s.late,
      };
      if (this.sawEnvironments) {
        window.environments = s.envs?.size ?? 0;
        window.newEnvironments = s.newEnvs;
      }
      out.push(window);
    }
    return out;
  }

  private requestedIn(index: number): number {
    if (this.schedule === undefined) return 0;
    const windowUs = this.windowMs * 1000;
    return expectedBy(this.schedule, (index + 1) * windowUs) - expectedBy(this.schedule, index * windowUs);
  }

  private windowOf(atUs: number): number {
    return Math.max(0, Math.floor((atUs - this.originUs) / (this.windowMs * 1000)));
  }

  private state(index: number): WindowState {
    while (this.states.length <= index) this.states.push(emptyState());
    return this.states[index] as WindowState;
  }
}

/** The windows of a finished load, recomputed from its records. */
export function loadWindows(records: Iterable<InvocationRecord>, options: Omit<LoadWindowOptions, 'startsFromSent'> = {}, lengthUs?: number): LoadWindow[] {
  const acc = new LoadWindowAccumulator(options);
  for (const record of records) acc.add(record);
  return acc.windows(lengthUs);
}

function emptyState(): WindowState {
  return {
    started: 0,
    finished: 0,
    cold: 0,
    'pre-initialized': 0,
    warm: 0,
    unknown: 0,
    throttled: 0,
    throttlesByReason: {},
    errors: 0,
    late: 0,
    latency: undefined,
    dueLatency: undefined,
    lag: undefined,
    envs: undefined,
    newEnvs: 0,
  };
}
