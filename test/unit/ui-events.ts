/**
 * Builders of RunEvent sequences for the UI's tests and benchmark: plain data, the shapes the engine emits.
 */
import type { RunEvent } from '../../src/core/events.js';
import { buildSchedule } from '../../src/core/load-schedule.js';
import { LoadWindowAccumulator, type LoadWindow } from '../../src/core/load-windows.js';
import type { CellSpec, InvocationRecord, Outcome } from '../../src/core/types.js';

export const cell: CellSpec = {
  id: 'default',
  label: 'node-sleep',
  functionName: 'node-sleep',
  runtime: 'nodejs20.x',
  memoryMb: 128,
  provisioned: 0,
};

/** Options of one synthetic record. */
export interface RecordSpec {
  index: number;
  burst?: number;
  sentUs: number;
  latencyUs: number;
  envId?: string;
  envSeq?: number;
  initDurationMs?: number;
  outcome?: Outcome;
  errorType?: string;
}

export function record(spec: RecordSpec): InvocationRecord {
  const outcome = spec.outcome ?? 'ok';
  const hasReport = outcome !== 'throttled';
  const cold = spec.initDurationMs !== undefined;
  return {
    index: spec.index,
    cell: 'default',
    burst: spec.burst ?? 0,
    scheduledUs: spec.sentUs,
    sentUs: spec.sentUs,
    finishedUs: spec.sentUs + spec.latencyUs,
    latencyUs: spec.latencyUs,
    prepareUs: 300,
    outcome,
    errorType: spec.errorType,
    statusCode: outcome === 'throttled' ? 429 : 200,
    classification: hasReport ? (cold ? 'cold' : 'warm') : 'unknown',
    report: hasReport
      ? {
          // The function ran for the latency less init and ~1 ms of client and network overhead.
          durationMs: Math.max(0.1, (spec.latencyUs - (spec.initDurationMs ?? 0) * 1000 - 1000) / 1000),
          billedDurationMs: Math.ceil(Math.max(0.1, (spec.latencyUs - (spec.initDurationMs ?? 0) * 1000 - 1000) / 1000)),
          memorySizeMb: 128,
          maxMemoryUsedMb: 40,
          initDurationMs: spec.initDurationMs,
        }
      : undefined,
    env: spec.envId ? { envId: spec.envId, envSeq: spec.envSeq ?? 1, initType: 'on-demand' } : undefined,
  };
}

/** A run of `waves` bursts of `n` on `n` environments: wave 0 cold, later waves warm on the same environments. */
export function burstRun(options: { n: number; waves: number; intervalUs?: number; withEnv?: boolean; targetKind?: string; throttledPerWave?: number }): RunEvent[] {
  const { n, waves } = options;
  const intervalUs = options.intervalUs ?? 1_000_000;
  const withEnv = options.withEnv ?? true;
  const events: RunEvent[] = [
    { type: 'run-start', atUs: 0, wallClock: '2026-01-01T00:00:00.000Z', targetKind: options.targetKind ?? 'emulator', cells: [cell] },
    { type: 'cell-start', atUs: 0, cell },
  ];
  let index = 0;
  let t = 1000;
  for (let wave = 0; wave < waves; wave += 1) {
    events.push({ type: 'burst-start', atUs: t, cell: 'default', burst: wave, n, waves });
    const info = { index: wave, n, releaseSpreadUs: 2000, prepareUs: 5000, startedUs: t, notSent: 0 };
    events.push({ type: 'burst-released', atUs: t + 2000, cell: 'default', burst: wave, info });
    const throttled = options.throttledPerWave ?? 0;
    let last = t;
    for (let i = 0; i < n; i += 1) {
      const isThrottled = i >= n - throttled;
      const cold = wave === 0;
      const latencyUs = isThrottled ? 3_000 : cold ? 250_000 + i * 1000 : 20_000 + i * 100;
      const r = record({
        index: index++,
        burst: wave,
        sentUs: t + Math.floor((i / n) * 2000),
        latencyUs,
        envId: withEnv && !isThrottled ? `env-${String(i).padStart(4, '0')}` : undefined,
        envSeq: wave + 1,
        initDurationMs: cold && !isThrottled ? 180 : undefined,
        outcome: isThrottled ? 'throttled' : 'ok',
        errorType: isThrottled ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : undefined,
      });
      events.push({ type: 'record', record: r });
      last = Math.max(last, r.finishedUs);
    }
    events.push({ type: 'burst-end', atUs: last, cell: 'default', burst: wave, info });
    t = last + intervalUs;
  }
  events.push({ type: 'cell-end', atUs: t, cell: 'default' });
  events.push({ type: 'run-end', atUs: t, interrupted: false });
  return events;
}

/**
 * A load of `seconds` × `perS` invocations a second on the emulator, as the engine emits it: records as they
 * finish, and each 1 s window once it closed (windows from the records, as the engine's accumulator makes them).
 * From second `throttleFrom`, every fifth invocation is throttled.
 */
export function loadRun(options: { seconds: number; perS: number; throttleFrom?: number }): RunEvent[] {
  const { seconds, perS } = options;
  const events: RunEvent[] = [
    { type: 'run-start', atUs: 0, wallClock: '2026-01-01T00:00:00.000Z', targetKind: 'emulator', cells: [cell] },
    { type: 'cell-start', atUs: 0, cell },
    { type: 'step', atUs: 0, cell: 'default', step: 'burst', detail: `load ${seconds}s:${perS} (per second), at most 100 in flight` },
    { type: 'burst-start', atUs: 0, cell: 'default', burst: 0, n: seconds * perS, waves: 1, load: true },
  ];
  const stages = [{ durationMs: seconds * 1000, fromPerS: perS, toPerS: perS }];
  const windows = new LoadWindowAccumulator({ windowMs: 1000, schedule: buildSchedule(stages) });
  let shown = 0;
  for (let i = 0; i < seconds * perS; i += 1) {
    const sentUs = Math.round((i * 1_000_000) / perS);
    const second = Math.floor(sentUs / 1_000_000);
    const throttled = options.throttleFrom !== undefined && second >= options.throttleFrom && i % 5 === 0;
    const cold = i < 3;
    const r = record({
      index: i,
      sentUs,
      latencyUs: throttled ? 2_000 : cold ? 200_000 : 15_000 + (i % 7) * 1000,
      envId: throttled ? undefined : `env-${i % 3}`,
      envSeq: cold ? 1 : 2,
      initDurationMs: cold ? 150 : undefined,
      outcome: throttled ? 'throttled' : 'ok',
      errorType: throttled ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : undefined,
    });
    windows.add(r);
    events.push({ type: 'record', record: r });
    const all = windows.windows();
    while (shown < all.length - 2) events.push({ type: 'load-window', atUs: r.finishedUs, cell: 'default', windowMs: 1000, window: all[shown++] as LoadWindow });
  }
  const info = { index: 0, n: seconds * perS, releaseSpreadUs: 0, prepareUs: 1000, startedUs: 0, notSent: 0 };
  const endUs = seconds * 1_000_000 + 300_000;
  events.push({ type: 'burst-end', atUs: endUs, cell: 'default', burst: 0, info, load: true });
  events.push({ type: 'cell-end', atUs: endUs, cell: 'default' });
  events.push({ type: 'run-end', atUs: endUs, interrupted: false });
  return events;
}
