/**
 * An open-model load on the Invoke API: the `load` step of a run. Invocations go through the same SDK path as a
 * burst (`target.prepare` serialises and signs each request, `fire()` writes it), but are fired when the
 * schedule says they are due instead of all at once. A buffer of prepared invocations is kept ahead of the
 * schedule (about 100 ms of them, at least 8), so SDK work does not sit between the due time and the write.
 *
 * Unlike a burst's, these requests are `pooled`: they hold no connection while they wait, and take an idle
 * keep-alive one when fired (the one an earlier response gave back, or a spare the pool keeps open), so a
 * steady load reuses a few warm connections. The buffer is refilled one invocation per event-loop turn: the
 * SDK's work for a request is one uninterrupted run of promise callbacks, and a batch of them would hold the
 * due invocations behind it.
 * Every record keeps its due time (`scheduledUs`): latency from the schedule and schedule lag follow from it.
 */
import { toRecord } from '../core/classify.js';
import type { EventSink } from '../core/events.js';
import { buildSchedule, type LoadSchedule } from '../core/load-schedule.js';
import type { LoadStage } from '../core/load-stages.js';
import type { Shard } from '../core/shard.js';
import { LoadWindowAccumulator, type LoadWindow } from '../core/load-windows.js';
import type { BurstInfo, InvocationRecord } from '../core/types.js';
import type { InvokeSpec, PreparedInvocation, RawInvocationResult, Target } from '../targets/target.js';
import { holdUntil, lateReleaseMessage, type Clock } from './clock.js';
import { OpenModelDispatcher } from './open-model.js';

export interface InvokeLoadParams {
  cell: string;
  invoke: InvokeSpec;
  stages: readonly LoadStage[];
  maxInFlight: number;
  windowMs: number;
  /** A shard's load: only its arrivals of the whole schedule. */
  shard?: Shard;
}

export interface InvokeLoadContext {
  target: Target;
  clock: Clock;
  emit: EventSink;
  signal?: AbortSignal;
  runStartAt: number;
  counter: { next: number };
  graceMs: number;
  /** A shard's run: the whole run's index of its n-th invocation (identity when absent). */
  indexOf?: (local: number) => number;
  /** A shard's `--start-at`: the schedule's zero is held until clock.now() reaches this (ms). */
  releaseAt?: number;
  /** The end of the late-release warning's sentence, given how late (ms): what to change next time. */
  releaseAdvice?: (lateMs: number) => string;
}

export interface InvokeLoadOutcome {
  info: BurstInfo;
  records: InvocationRecord[];
  schedule: LoadSchedule;
  originUs: number;
  notSent: number;
  startedFromBacklog: number;
  windows: LoadWindow[];
  interrupted: boolean;
}

const us = (ms: number): number => Math.round(ms * 1000);
/** Prepared invocations kept ahead of the schedule, in seconds of the peak rate (each holds an open connection). */
const AHEAD_S = 0.1;

/** Runs the load; resolves when every fired invocation has its record. */
export async function executeInvokeLoad(params: InvokeLoadParams, ctx: InvokeLoadContext): Promise<InvokeLoadOutcome> {
  const { clock, emit, target, signal } = ctx;
  const schedule = buildSchedule(params.stages, params.shard);
  const peakPerS = Math.max(...params.stages.map((s) => Math.max(s.fromPerS, s.toPerS)));
  const ahead = Math.max(8, Math.min(params.maxInFlight, 500, Math.ceil(peakPerS * AHEAD_S)));
  // The first prepared requests (and their connections) are ready before the schedule's zero, as a burst's are.
  const pooled = { connections: 'pooled', spareConnections: ahead } as const;
  const primed = schedule.count === 0 || signal?.aborted ? [] : await target.prepare(params.invoke, Math.min(ahead, schedule.count), signal, pooled);
  if (ctx.releaseAt !== undefined) {
    const late = await holdUntil(clock, ctx.releaseAt, signal);
    if (late > 0) emit({ type: 'notice', atUs: us(clock.now() - ctx.runStartAt), level: 'warn', message: lateReleaseMessage('starting the load', late, ctx.releaseAdvice) });
  }
  const originAt = clock.now();
  const originUs = us(originAt - ctx.runStartAt);
  const nowUs = (): number => (clock.now() - originAt) * 1000;
  const windows = new LoadWindowAccumulator({ windowMs: params.windowMs, schedule, originUs, startsFromSent: true });
  emit({ type: 'burst-start', atUs: originUs, cell: params.cell, burst: 0, n: schedule.count, waves: 1, load: true });

  const records: InvocationRecord[] = [];
  const buffer: PreparedInvocation[] = [...primed];
  const live = new Set<PreparedInvocation>();
  // Invocations given up after the grace: whatever error their abort surfaces as, they were interrupted.
  const givenUp = new Set<PreparedInvocation>();
  let prepared = primed.length;
  /** Prepares started and not yet in the buffer. */
  let preparing = 0;
  let refillQueued = false;
  let inFlight = 0;
  let failure: unknown;
  let firstSentAt = Number.POSITIVE_INFINITY;
  let prepareMsTotal = primed.reduce((ms, p) => ms + p.prepareMs, 0);
  let dispatchDone = false;
  let settle: () => void = () => {};
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const maybeSettled = (): void => {
    if (dispatchDone && inFlight === 0) settle();
  };

  // The dispatcher stops on Ctrl-C or when preparing fails; in-flight invocations get the grace period.
  const abortLoad = new AbortController();
  const onAbort = (): void => abortLoad.abort();
  if (signal?.aborted) abortLoad.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const dispatcher = new OpenModelDispatcher(
    schedule,
    {
      nowUs,
      start: (_index, dueUs) => {
        if (inFlight >= params.maxInFlight) return false;
        const p = buffer.shift();
        if (p === undefined) {
          refill();
          return false;
        }
        fire(p, dueUs);
        refill();
        return true;
      },
    },
    abortLoad.signal,
  );

  /** Queue one more prepare for the next event-loop turn when the buffer is short. */
  function refill(): void {
    if (refillQueued || failure !== undefined || dispatchDone || prepared >= schedule.count || buffer.length + preparing >= ahead) return;
    refillQueued = true;
    setImmediate(prepareOne);
  }

  function prepareOne(): void {
    refillQueued = false;
    if (failure !== undefined || dispatchDone || prepared >= schedule.count || buffer.length + preparing >= ahead) return;
    prepared += 1;
    preparing += 1;
    target.prepare(params.invoke, 1, signal, pooled).then(
      (batch) => {
        preparing -= 1;
        for (const p of batch) {
          prepareMsTotal += p.prepareMs;
          if (dispatchDone) p.discard();
          else buffer.push(p);
        }
        dispatcher.capacityFreed();
      },
      (error: unknown) => {
        preparing -= 1;
        failure ??= error;
        // Nothing more can be prepared: stop the schedule; what is in flight still ends in records.
        abortLoad.abort();
      },
    );
    // The SDK's work for this one ran above; the next starts a turn later, after due timers and responses.
    refill();
  }

  function fire(p: PreparedInvocation, dueUs: number): void {
    const local = ctx.counter.next++;
    const index = ctx.indexOf ? ctx.indexOf(local) : local;
    inFlight++;
    live.add(p);
    const scheduledAt = originAt + dueUs / 1000;
    const done = (result: RawInvocationResult): void => {
      inFlight--;
      live.delete(p);
      const gaveUp = givenUp.has(p) && (result.clientTimeout === true || result.transportError !== undefined);
      const raw = gaveUp ? { ...result, interrupted: true } : result;
      if (raw.sentAt < firstSentAt) firstSentAt = raw.sentAt;
      const record = toRecord(raw, { index, cell: params.cell, burst: 0, scheduledAt, runStartAt: ctx.runStartAt, prepareMs: p.prepareMs });
      records.push(record);
      windows.add(record);
      emit({ type: 'record', record });
      dispatcher.capacityFreed();
      maybeSettled();
    };
    const pending = p.fire();
    windows.sent(us(clock.now() - ctx.runStartAt));
    pending.then(done, (error: unknown) => {
      const now = clock.now();
      done({ sentAt: now, finishedAt: now, transportError: error instanceof Error ? error.name : 'Error' });
    });
  }

  refill();
  // The live view's picture over time: a load-window event per window, once it closed (so most of its
  // responses are in; the results file has the final numbers).
  let shown = 0;
  const ticker = setInterval(() => {
    const all = windows.windows();
    while (shown < all.length - 2) emit({ type: 'load-window', atUs: us(clock.now() - ctx.runStartAt), cell: params.cell, windowMs: params.windowMs, window: all[shown++] as LoadWindow });
  }, params.windowMs);
  const dispatched = await dispatcher.run();
  clearInterval(ticker);
  dispatchDone = true;
  for (const p of buffer.splice(0)) p.discard();
  let graceTimer: NodeJS.Timeout | undefined;
  if (signal?.aborted && inFlight > 0) graceTimer = setTimeout(() => {
    for (const p of live) {
      givenUp.add(p);
      p.discard();
    }
  }, ctx.graceMs);
  maybeSettled();
  await settled;
  if (graceTimer !== undefined) clearTimeout(graceTimer);
  // Every response is in: the windows not shown yet are final now.
  const last = windows.windows(schedule.durationUs);
  while (shown < last.length) emit({ type: 'load-window', atUs: us(clock.now() - ctx.runStartAt), cell: params.cell, windowMs: params.windowMs, window: last[shown++] as LoadWindow });
  signal?.removeEventListener('abort', onAbort);

  if (failure !== undefined && records.length === 0) throw failure;
  if (failure !== undefined) {
    const message = failure instanceof Error ? failure.message : String(failure);
    emit({ type: 'notice', atUs: us(clock.now() - ctx.runStartAt), level: 'warn', message: `load stopped early: ${message}` });
  }
  records.sort((a, b) => a.index - b.index);
  const info: BurstInfo = {
    index: 0,
    n: schedule.count,
    releaseSpreadUs: 0,
    prepareUs: us(prepareMsTotal),
    startedUs: Number.isFinite(firstSentAt) ? us(firstSentAt - ctx.runStartAt) : originUs,
    notSent: dispatched.notSent,
  };
  emit({ type: 'burst-end', atUs: us(clock.now() - ctx.runStartAt), cell: params.cell, burst: 0, info, load: true });
  return {
    info,
    records,
    schedule,
    originUs,
    notSent: dispatched.notSent,
    startedFromBacklog: dispatched.startedFromBacklog,
    windows: windows.windows(schedule.durationUs),
    interrupted: signal?.aborted === true || failure !== undefined,
  };
}
