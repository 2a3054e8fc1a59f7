/**
 * A run as data: cells, each with its ordered steps. `coldprobe burst` is a one-cell run (buildBurstPlan);
 * `coldprobe run` expands a profile's matrix into many (core/matrix.ts). Pure: performed by src/engine/run.ts.
 */
import { MAX_MEMORY_MB, MIN_MEMORY_MB } from '../lambda/limits.js';
import { usageError } from './errors.js';
import { buildSchedule } from './load-schedule.js';
import { isImmutableQualifier } from './qualifier.js';
import type { LoadStage } from './load-stages.js';
import type { Shard } from './shard.js';
import type { CellSpec } from './types.js';

/** One action of a cell, in order; the cell's function is the one every step acts on. */
export type RunStep =
  /** Set the function's memory (MB) and wait until the update applied. */
  | { kind: 'set-memory'; memoryMb: number }
  /** Set the function's reserved concurrency; `count: null` deletes the reservation. */
  | { kind: 'set-reserved'; count: number | null }
  /** Publish a version of the configured `$LATEST`; later steps of the cell address it. */
  | { kind: 'publish-version' }
  /** Provisioned concurrency on the version published by this cell, waiting for READY. */
  | { kind: 'put-provisioned'; count: number }
  /** Make sure the next invocation lands on a new environment. */
  | { kind: 'force-cold' }
  /** Stay idle for `ms` milliseconds (between bursts). */
  | { kind: 'idle-wait'; ms: number }
  /** Release `n` invocations together, or keep `concurrency` in flight until `n` were sent (closed loop). */
  | { kind: 'burst'; burst: number; n: number; concurrency?: number }
  /** Release this cell's provisioned concurrency as soon as it is measured (it costs money while it exists). */
  | { kind: 'delete-provisioned' }
  /**
   * Open-model load: invocations start when the stages say they are due (`coldprobe load`). With `shard`, only
   * that shard's arrivals of the whole load (core/shard.ts), and `maxInFlight` is its share of the whole cap.
   */
  | { kind: 'load'; stages: LoadStage[]; maxInFlight: number; windowMs: number; shard?: Shard };

/**
 * What a cell will be, as far as the plan knows: runtime and memory come from the function itself when the
 * plan does not set them (a burst without --memory).
 */
export type PlannedSpec = Omit<CellSpec, 'runtime' | 'memoryMb'> & { runtime?: string; memoryMb?: number };

/** One cell of a run and its steps. */
export interface PlannedCell {
  spec: PlannedSpec;
  /** The reserved concurrency this cell runs under; undefined = untouched. */
  reservedConcurrency?: number | null;
  steps: RunStep[];
}

/** A whole run: its cells in order, and the payload every invocation sends. */
export interface RunPlan {
  cells: PlannedCell[];
  payload: Uint8Array;
}

/** The burst shape of a cell: `--n`, `--waves`, `--interval`, `--concurrency`, `--force-cold`. */
export interface BurstShape {
  /** Invocations per wave. */
  n: number;
  waves: number;
  /** Idle gap between waves, ms. */
  intervalMs: number;
  /** Make the first wave start on new environments. */
  forceCold: boolean;
  /** Closed loop: at most this many in flight; undefined = release each wave at once. */
  concurrency?: number;
}

/** The load shape of a profile's cells: `load:` (stages, in-flight cap, window, forced cold start). */
export interface LoadShape {
  stages: LoadStage[];
  maxInFlight: number;
  windowMs: number;
  /** Make the load start on new environments. */
  forceCold: boolean;
}

/** The options of `coldprobe burst` that shape its plan. */
export interface BurstPlanOptions extends BurstShape {
  functionName: string;
  qualifier?: string;
  payload: Uint8Array;
  /** Set the function's memory first (MB). */
  memoryMb?: number;
}

/** Throws a usage error naming the flag when a burst shape or memory size is impossible. */
export function checkBurstShape(shape: BurstShape, memoryMb?: number): void {
  const { n, waves, intervalMs, concurrency } = shape;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`--n must be a whole number of at least 1, got ${n}.`);
  if (!Number.isSafeInteger(waves) || waves < 1) throw usageError(`--waves must be a whole number of at least 1, got ${waves}.`);
  if (!Number.isFinite(intervalMs) || intervalMs < 0) throw usageError(`--interval must be a duration of 0 or more, got ${intervalMs} ms.`);
  if (concurrency !== undefined && (!Number.isSafeInteger(concurrency) || concurrency < 1)) {
    throw usageError(`--concurrency must be a whole number of at least 1, got ${concurrency}.`);
  }
  if (memoryMb !== undefined && (!Number.isSafeInteger(memoryMb) || memoryMb < MIN_MEMORY_MB || memoryMb > MAX_MEMORY_MB)) {
    throw usageError(`--memory must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}, got ${memoryMb}.`);
  }
}

/** The waves of a burst shape: bursts with idle waits between them (never before the first). */
export function burstSteps(shape: BurstShape): RunStep[] {
  const steps: RunStep[] = [];
  for (let burst = 0; burst < shape.waves; burst += 1) {
    if (burst > 0 && shape.intervalMs > 0) steps.push({ kind: 'idle-wait', ms: shape.intervalMs });
    // A concurrency at or above n is the same as one burst: keep the plan honest about what will happen.
    const { n, concurrency } = shape;
    steps.push(concurrency !== undefined && concurrency < n ? { kind: 'burst', burst, n, concurrency } : { kind: 'burst', burst, n });
  }
  return steps;
}

/** Build the one-cell plan of `coldprobe burst`; throws a usage error on impossible options. */
export function buildBurstPlan(options: BurstPlanOptions): RunPlan {
  checkBurstShape(options, options.memoryMb);
  const steps: RunStep[] = [];
  if (options.memoryMb !== undefined) steps.push({ kind: 'set-memory', memoryMb: options.memoryMb });
  if (options.forceCold) steps.push({ kind: 'force-cold' });
  steps.push(...burstSteps(options));
  const { functionName, qualifier } = options;
  const spec: PlannedSpec = { id: 'default', label: qualifier ? `${functionName}:${qualifier}` : functionName, functionName, provisioned: 0 };
  if (qualifier !== undefined) spec.qualifier = qualifier;
  if (options.memoryMb !== undefined) spec.memoryMb = options.memoryMb;
  return { cells: [{ spec, steps }], payload: options.payload };
}

/** Invocations the cells will send, over all cells and bursts. */
export function plannedInvocations(cells: readonly PlannedCell[]): number {
  let total = 0;
  for (const cell of cells) for (const step of cell.steps) total += stepInvocations(step);
  return total;
}

/** Invocations one step sends: a burst's n, a load's scheduled arrivals, 0 for the other steps. */
export function stepInvocations(step: RunStep): number {
  if (step.kind === 'burst') return step.n;
  if (step.kind === 'load') return buildSchedule(step.stages, step.shard).count;
  return 0;
}

/** What a function looks like before the run, for the list of planned changes. */
export interface FunctionBefore {
  functionName: string;
  memoryMb: number;
  reservedConcurrency?: number;
}

/**
 * The changes a plan makes to real functions, one sentence each, for the confirmation shown before an AWS run.
 * Says what is put back afterwards.
 */
export function plannedChanges(cells: readonly PlannedCell[], before: readonly FunctionBefore[], alias?: string): string[] {
  const lines: string[] = [];
  for (const fn of before) {
    const mine = cells.filter((c) => c.spec.functionName === fn.functionName);
    if (mine.length === 0) continue;
    // A cell that names a version or alias keeps that version's memory: its memory step changes nothing.
    const memories = [...new Set(mine.flatMap((c) => (isImmutableQualifier(c.spec.qualifier) ? [] : c.steps.flatMap((s) => (s.kind === 'set-memory' ? [s.memoryMb] : [])))))];
    if (memories.some((m) => m !== fn.memoryMb)) {
      lines.push(`${fn.functionName}: set memory to ${memories.join(', ')} MB in turn (now ${fn.memoryMb} MB; restored afterwards).`);
    }
    const reserved = [...new Set(mine.map((c) => c.reservedConcurrency).filter((r) => r !== undefined))];
    if (reserved.length > 0) {
      const now = fn.reservedConcurrency === undefined ? 'none' : String(fn.reservedConcurrency);
      lines.push(`${fn.functionName}: set reserved concurrency to ${reserved.map((r) => (r === null ? 'none' : String(r))).join(', ')} in turn (now ${now}; restored afterwards).`);
    }
    const pcs = [...new Set(mine.map((c) => c.spec.provisioned).filter((p) => p > 0))];
    if (pcs.length > 0) {
      const via = alias === undefined ? 'on them' : `through alias '${alias}' (created for this run, deleted afterwards)`;
      lines.push(
        `${fn.functionName}: publish ${mine.filter((c) => c.spec.provisioned > 0).length} version(s) and put provisioned concurrency ${pcs.join(', ')} ${via} (billed while allocated; deleted after each cell; the versions coldprobe published are deleted afterwards).`,
      );
    }
    if (mine.some((c) => c.steps.some((s) => s.kind === 'force-cold'))) {
      lines.push(`${fn.functionName}: change a coldprobe environment variable before each cell to force cold starts (other variables are kept; it is removed afterwards).`);
    }
  }
  return lines;
}
