/**
 * Builders of RunEvent sequences for the UI's tests and benchmark: plain data, the shapes the engine emits.
 */
import type { RunEvent } from '../../src/core/events.js';
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
