/**
 * A run as data: cells, each with its ordered steps (configure, force-cold, idle-wait, burst). Pure: built
 * from options, performed by src/engine/run.ts.
 */
import { usageError } from './errors.js';

/** One action of a cell, in order. */
export type RunStep =
  /** Set the function's memory (MB) and wait until the update applied. */
  | { kind: 'configure'; memoryMb: number }
  /** Make sure the next invocation lands on a new environment. */
  | { kind: 'force-cold' }
  /** Stay idle for `ms` milliseconds (between waves). */
  | { kind: 'idle-wait'; ms: number }
  /** Release `n` invocations together, or keep `concurrency` in flight until `n` were sent (closed loop). */
  | { kind: 'burst'; burst: number; n: number; concurrency?: number };

/** What every invocation of a cell sends. */
export interface PlannedInvoke {
  functionName: string;
  qualifier?: string;
  payload: Uint8Array;
}

/** One cell of a run and its steps. */
export interface PlannedCell {
  id: string;
  label: string;
  invoke: PlannedInvoke;
  /** Provisioned concurrency the cell runs with (0 = none), for its CellSpec. */
  provisioned: number;
  steps: RunStep[];
}

/** A whole run. */
export interface RunPlan {
  cells: PlannedCell[];
}

/** The options of `coldprobe burst` that shape its plan. */
export interface BurstPlanOptions {
  functionName: string;
  qualifier?: string;
  payload: Uint8Array;
  /** Invocations per wave. */
  n: number;
  waves: number;
  /** Idle gap between waves, ms. */
  intervalMs: number;
  /** Closed loop: at most this many in flight; undefined = release each wave at once. */
  concurrency?: number;
  /** Set the function's memory first (MB). */
  memoryMb?: number;
  /** Make the first wave start on new environments. */
  forceCold: boolean;
}

/** Build the one-cell plan of `coldprobe burst`; throws a usage error on impossible options. */
export function buildBurstPlan(options: BurstPlanOptions): RunPlan {
  const { n, waves, intervalMs, concurrency, memoryMb } = options;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`--n must be a whole number of at least 1, got ${n}.`);
  if (!Number.isSafeInteger(waves) || waves < 1) throw usageError(`--waves must be a whole number of at least 1, got ${waves}.`);
  if (!Number.isFinite(intervalMs) || intervalMs < 0) throw usageError(`--interval must be a duration of 0 or more, got ${intervalMs} ms.`);
  if (concurrency !== undefined && (!Number.isSafeInteger(concurrency) || concurrency < 1)) {
    throw usageError(`--concurrency must be a whole number of at least 1, got ${concurrency}.`);
  }
  if (memoryMb !== undefined && (!Number.isSafeInteger(memoryMb) || memoryMb < 128 || memoryMb > 10_240)) {
    throw usageError(`--memory must be a whole number of MB from 128 to 10240, got ${memoryMb}.`);
  }
  const steps: RunStep[] = [];
  if (memoryMb !== undefined) steps.push({ kind: 'configure', memoryMb });
  if (options.forceCold) steps.push({ kind: 'force-cold' });
  for (let burst = 0; burst < waves; burst += 1) {
    if (burst > 0 && intervalMs > 0) steps.push({ kind: 'idle-wait', ms: intervalMs });
    // A concurrency at or above n is the same as one burst: keep the plan honest about what will happen.
    steps.push(concurrency !== undefined && concurrency < n ? { kind: 'burst', burst, n, concurrency } : { kind: 'burst', burst, n });
  }
  const invoke: PlannedInvoke = { functionName: options.functionName, payload: options.payload };
  if (options.qualifier !== undefined) invoke.qualifier = options.qualifier;
  return { cells: [{ id: 'default', label: options.qualifier ? `${options.functionName}:${options.qualifier}` : options.functionName, invoke, provisioned: 0, steps }] };
}

/** Invocations a plan will send, over all cells and bursts. */
export function plannedInvocationCount(plan: RunPlan): number {
  let total = 0;
  for (const cell of plan.cells) for (const step of cell.steps) if (step.kind === 'burst') total += step.n;
  return total;
}
