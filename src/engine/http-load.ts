/**
 * One open-model load against an HTTP endpoint: the schedule decides when each request is due, the dispatcher
 * starts it then (or as soon as a socket frees, under `--max-in-flight`), the autocannon-based driver writes it,
 * and every request that was written ends in exactly one record. Windows are accumulated as records arrive.
 */
import { performance } from 'node:perf_hooks';
import { toRecord } from '../core/classify.js';
import { arrivalIndex, buildSchedule } from '../core/load-schedule.js';
import type { LoadStage } from '../core/load-stages.js';
import type { Shard } from '../core/shard.js';
import { LoadWindowAccumulator, type LoadWindow } from '../core/load-windows.js';
import type { InvocationRecord } from '../core/types.js';
import { HttpDriver, type HttpInvocationResult } from '../targets/http-driver.js';
import { holdUntil, systemClock } from './clock.js';
import { OpenModelDispatcher } from './open-model.js';

export interface HttpLoadOptions {
  stages: readonly LoadStage[];
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  maxInFlight: number;
  timeoutMs: number;
  windowMs: number;
  cell: string;
  signal?: AbortSignal;
  /** A shard's load: only its arrivals of the whole schedule, indexed as the whole load's. */
  shard?: Shard;
  /** A shard's `--start-at`: the schedule's zero is held until performance.now() reaches this (ms). */
  releaseAt?: number;
  /** Called just before a late start (how late, ms), so the warning comes before the load rather than after it. */
  onLateRelease?: (lateMs: number) => void;
  /** After an abort, how long requests in flight may still finish before they are given up as interrupted (ms). */
  graceMs: number;
  /** Each record as it is made (live views). */
  onRecord?: (record: InvocationRecord) => void;
}

export interface HttpLoadResult {
  records: InvocationRecord[];
  windows: LoadWindow[];
  /** Due invocations never written (the load was aborted). */
  notSent: number;
  /** Invocations that waited for a free socket before they could start. */
  startedFromBacklog: number;
  /** Wall clock at the load's start and end, ms since the epoch (the CloudWatch Logs window). */
  startedAtMs: number;
  finishedAtMs: number;
  /** The schedule's zero on the wall clock, ms since the epoch with sub-ms resolution (a shard's release). */
  releasedAtMs: number;
  /** How many ms after `releaseAt` the schedule started, when it was already past (0 when on time). */
  releaseLateMs: number;
}

/** Runs the load; resolves when every written request has ended. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const schedule = buildSchedule(options.stages, options.shard);
  const releaseLateMs = options.releaseAt === undefined ? 0 : await holdUntil(systemClock, options.releaseAt, options.signal);
  if (releaseLateMs > 0) options.onLateRelease?.(releaseLateMs);
  const originMs = performance.now();
  const startedAtMs = Date.now();
  const nowUs = (): number => (performance.now() - originMs) * 1000;
  const records: InvocationRecord[] = [];
  const windows = new LoadWindowAccumulator({ windowMs: options.windowMs, schedule, startsFromSent: true });
  let pending = 0;
  let allStarted = false;
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => (settle = resolve));

  const onResult = (result: HttpInvocationResult): void => {
    const record = toRecord(rawOf(result, originMs), {
      index: arrivalIndex(schedule, result.index),
      cell: options.cell,
      burst: 0,
      scheduledAt: originMs + result.dueUs / 1000,
      runStartAt: originMs,
      prepareMs: 0,
    });
    records.push(record);
    windows.add(record);
    options.onRecord?.(record);
    pending--;
    if (allStarted && pending === 0) settle();
  };
  const driver = new HttpDriver({ ...options, nowUs, onResult });
  const dispatcher = new OpenModelDispatcher(schedule, {
    nowUs,
    start: (index, due) => {
      if (!driver.start(index, due)) return false;
      pending++;
      windows.sent(nowUs());
      return true;
    },
  }, options.signal);
  driver.onCapacity = () => dispatcher.capacityFreed();
  const dispatched = await dispatcher.run();
  allStarted = true;
  // Stopped (Ctrl-C): what is in flight gets the grace period, then ends as interrupted.
  const graceTimer = options.signal?.aborted && pending > 0 ? setTimeout(() => driver.giveUp(), options.graceMs) : undefined;
  if (pending > 0) await settled;
  clearTimeout(graceTimer);
  driver.close();
  records.sort((a, b) => a.index - b.index);
  return {
    records,
    windows: windows.windows(schedule.durationUs),
    notSent: dispatched.notSent,
    startedFromBacklog: dispatched.startedFromBacklog,
    startedAtMs,
    finishedAtMs: Date.now(),
    releasedAtMs: performance.timeOrigin + originMs,
    releaseLateMs,
  };
}

/** The driver's result in the shape core's `toRecord` reads (times back to performance.now() ms). */
function rawOf(result: HttpInvocationResult, originMs: number): Parameters<typeof toRecord>[0] {
  const raw: Parameters<typeof toRecord>[0] = { sentAt: originMs + result.sentUs / 1000, finishedAt: originMs + result.finishedUs / 1000 };
  if (result.statusCode !== undefined) raw.statusCode = result.statusCode;
  if (result.requestId !== undefined) raw.requestId = result.requestId;
  if (result.statusCode === 429) raw.throttleReason = result.errorType ?? 'Unknown';
  if (result.transportError === 'timeout') raw.clientTimeout = true;
  else if (result.transportError !== undefined) raw.transportError = result.transportError;
  if (result.env !== undefined) raw.env = result.env;
  if (result.interrupted === true) raw.interrupted = true;
  return raw;
}
