/**
 * One burst: prepare invocations (all N, or chunks of C in a closed loop), release them in one tight
 * synchronous loop, and turn every sent invocation into exactly one record. Ctrl-C stops releasing, waits a
 * grace period for what is in flight, then gives up on the rest: they are recorded as `interrupted`, not errors.
 */
import { toRecord } from '../core/classify.js';
import type { EventSink } from '../core/events.js';
import type { BurstInfo, InvocationRecord } from '../core/types.js';
import type { InvokeSpec, PreparedInvocation, RawInvocationResult, Target } from '../targets/target.js';
import { holdUntil, lateReleaseMessage, type Clock } from './clock.js';

/** What a burst needs from the run around it. */
export interface BurstContext {
  target: Target;
  clock: Clock;
  emit: EventSink;
  signal?: AbortSignal;
  /** clock.now() at the run's start; record times are µs since it. */
  runStartAt: number;
  /** Run-wide record index, shared by every burst of the run. */
  counter: { next: number };
  /** A shard's run: the whole run's index of its n-th invocation (identity when absent). */
  indexOf?: (local: number) => number;
  /**
   * Hold the release until clock.now() reaches this (ms): a shard's `--start-at`. Everything is prepared and
   * every connection open before the wait, so the release itself costs what it always does.
   */
  releaseAt?: number;
  /** The end of the late-release warning's sentence, given how late (ms): what to change next time. */
  releaseAdvice?: (lateMs: number) => string;
  /** How long in-flight invocations may finish after Ctrl-C, ms. */
  graceMs: number;
}

/** One burst of a cell. */
export interface BurstParams {
  cell: string;
  /** 0-based burst (wave) index within the cell. */
  burst: number;
  /** Waves planned for the cell (for the burst-start event). */
  waves: number;
  n: number;
  /** Closed loop: at most this many in flight; undefined = all n released together. */
  concurrency?: number;
  invoke: InvokeSpec;
}

/** What a burst produced. */
export interface BurstOutcome {
  info: BurstInfo;
  /** Records in index order. */
  records: InvocationRecord[];
  interrupted: boolean;
}

interface Queued {
  prepared: PreparedInvocation;
  scheduledAt: number;
}

const us = (ms: number): number => Math.round(ms * 1000);

/** Run one burst against `ctx.target`; resolves when every sent invocation has its record. */
export async function executeBurst(params: BurstParams, ctx: BurstContext): Promise<BurstOutcome> {
  const { clock, emit, target, signal } = ctx;
  const { n, cell, burst } = params;
  const limit = Math.min(params.concurrency ?? n, n);
  emit({ type: 'burst-start', atUs: us(clock.now() - ctx.runStartAt), cell, burst, n, waves: params.waves });

  const records: InvocationRecord[] = [];
  const queue: Queued[] = [];
  let toPrepare = n;
  let inFlight = 0;
  let sent = 0;
  let stopped = false;
  let failure: unknown;
  let sinkError: unknown;
  let preparing: Promise<void> | undefined;
  let firstChunk = true;
  let held = false;
  // Send times of the first (tight) release, folded as they arrive.
  let releaseMin = Number.POSITIVE_INFINITY;
  let releaseMax = Number.NEGATIVE_INFINITY;
  let firstSentAt = Number.POSITIVE_INFINITY;
  let prepareUs = 0;
  const live = new Set<PreparedInvocation>();
  // Invocations given up after the grace: whatever error their abort surfaces as, they were interrupted.
  const givenUp = new Set<PreparedInvocation>();

  const info = (): BurstInfo => ({
    index: burst,
    n,
    releaseSpreadUs: releaseMax >= releaseMin ? us(releaseMax - releaseMin) : 0,
    prepareUs,
    startedUs: Number.isFinite(firstSentAt) ? us(firstSentAt - ctx.runStartAt) : 0,
    notSent: n - sent,
  });

  /** Hold the release until `at`; when start-up and preparing made it late, says so before releasing. */
  const holdRelease = async (at: number): Promise<void> => {
    const late = await holdUntil(clock, at, signal);
    if (late > 0) emit({ type: 'notice', atUs: us(clock.now() - ctx.runStartAt), level: 'warn', message: lateReleaseMessage('releasing', late, ctx.releaseAdvice) });
  };

  await new Promise<void>((resolveDone) => {
    let graceTimer: NodeJS.Timeout | undefined;
    const finishIfIdle = (): void => {
      const drained = queue.length === 0 && (toPrepare === 0 || stopped) && preparing === undefined;
      if (inFlight === 0 && drained) {
        if (graceTimer) clearTimeout(graceTimer);
        signal?.removeEventListener('abort', onAbort);
        resolveDone();
      }
    };
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const q of queue.splice(0)) q.prepared.discard();
    };
    const onAbort = (): void => {
      stop();
      // Give in-flight invocations a grace period, then give up on them: they end as interrupted records.
      graceTimer = setTimeout(() => {
        for (const p of live) {
          givenUp.add(p);
          p.discard();
        }
      }, ctx.graceMs);
      finishIfIdle();
    };

    const onResult = (result: RawInvocationResult, index: number, q: Queued): void => {
      inFlight -= 1;
      live.delete(q.prepared);
      // A response that completed despite the give-up keeps its own outcome.
      const gaveUp = givenUp.has(q.prepared) && (result.clientTimeout === true || result.transportError !== undefined);
      const raw = gaveUp ? { ...result, interrupted: true } : result;
      const record = toRecord(raw, { index, cell, burst, scheduledAt: q.scheduledAt, runStartAt: ctx.runStartAt, prepareMs: q.prepared.prepareMs });
      records.push(record);
      try {
        emit({ type: 'record', record });
      } catch (error) {
        // A failing sink must not strand the burst: keep every record, stop releasing, report it at the end.
        sinkError ??= error;
        stop();
      }
      pump();
    };

    /** Book-keep one fired invocation; called after the release loop, never inside it. */
    const track = (q: Queued, pending: Promise<RawInvocationResult>, firstRelease: boolean): void => {
      const local = ctx.counter.next++;
      const index = ctx.indexOf ? ctx.indexOf(local) : local;
      inFlight += 1;
      sent += 1;
      live.add(q.prepared);
      pending.then(
        (raw) => {
          if (raw.sentAt < firstSentAt) firstSentAt = raw.sentAt;
          if (firstRelease) {
            if (raw.sentAt < releaseMin) releaseMin = raw.sentAt;
            if (raw.sentAt > releaseMax) releaseMax = raw.sentAt;
          }
          onResult(raw, index, q);
        },
        // fire() never rejects by contract; if a target breaks it, the invocation still gets its one record.
        (error: unknown) => {
          const now = clock.now();
          onResult({ sentAt: now, finishedAt: now, transportError: error instanceof Error ? error.name : 'Error' }, index, q);
        },
      );
    };

    const refill = (): void => {
      if (stopped || preparing || toPrepare === 0) return;
      const size = Math.min(limit, toPrepare);
      toPrepare -= size;
      const scheduledAt = clock.now();
      preparing = target.prepare(params.invoke, size, signal).then(
        (prepared) => {
          preparing = undefined;
          if (firstChunk) prepareUs = us(clock.now() - scheduledAt);
          if (stopped) {
            for (const p of prepared) p.discard();
          } else {
            for (const p of prepared) queue.push({ prepared: p, scheduledAt });
          }
          pump();
        },
        (error: unknown) => {
          preparing = undefined;
          failure ??= error;
          stop();
          finishIfIdle();
        },
      );
    };

    const pump = (): void => {
      if (!stopped && queue.length > 0 && inFlight < limit) {
        if (firstChunk && ctx.releaseAt !== undefined && !held) {
          held = true;
          void holdRelease(ctx.releaseAt).then(pump);
          return;
        }
        if (firstChunk) {
          // The tight release: one synchronous loop over everything prepared, nothing else in between.
          firstChunk = false;
          const batch = queue.splice(0, limit - inFlight);
          const fired: Array<Promise<RawInvocationResult>> = new Array<Promise<RawInvocationResult>>(batch.length);
          const t0 = clock.now();
          for (let i = 0; i < batch.length; i += 1) fired[i] = (batch[i] as Queued).prepared.fire();
          const t1 = clock.now();
          // Promises cannot settle during a synchronous loop, so book-keeping after it loses nothing.
          for (let i = 0; i < batch.length; i += 1) track(batch[i] as Queued, fired[i] as Promise<RawInvocationResult>, true);
          emit({
            type: 'burst-released',
            atUs: us(t1 - ctx.runStartAt),
            cell,
            burst,
            info: { ...info(), releaseSpreadUs: us(t1 - t0), startedUs: us(t0 - ctx.runStartAt) },
          });
        } else {
          while (queue.length > 0 && inFlight < limit) {
            const q = queue.shift() as Queued;
            track(q, q.prepared.fire(), false);
          }
        }
      }
      // Keep the next chunk prepared while this one is in flight, so the closed loop never waits on the SDK.
      if (queue.length < limit) refill();
      finishIfIdle();
    };

    if (signal?.aborted) {
      stopped = true;
      finishIfIdle();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    refill();
  });

  if (sinkError !== undefined) throw sinkError;
  if (failure !== undefined && sent === 0) throw failure;
  if (failure !== undefined) {
    const message = failure instanceof Error ? failure.message : String(failure);
    emit({ type: 'notice', atUs: us(clock.now() - ctx.runStartAt), level: 'warn', message: `burst ${burst} stopped early: ${message}` });
  }
  records.sort((a, b) => a.index - b.index);
  const final = info();
  emit({ type: 'burst-end', atUs: us(clock.now() - ctx.runStartAt), cell, burst, info: final });
  return { info: final, records, interrupted: signal?.aborted === true || failure !== undefined };
}
