/**
 * Expands a profile's matrix into cells (function × reserved concurrency × provisioned concurrency × memory) and
 * each cell's steps. Pure: the runner (src/engine/matrix-runner.ts) performs the steps against a target.
 */
import type { CellSpec } from './types.js';

/** The matrix part of a profile, independent of the file format. */
export interface MatrixInput {
  functions: ReadonlyArray<{ name: string; runtime: string; qualifier?: string }>;
  memoryMb: readonly number[];
  provisioned: readonly number[];
  /** Reserved concurrency settings; `null` = none set (deleted). Absent = leave the function's setting alone. */
  reservedConcurrency?: ReadonlyArray<number | null>;
  burst: MatrixBurst;
}

/** The burst shape every cell uses. */
export interface MatrixBurst {
  n: number;
  waves: number;
  /** Idle gap between waves, ms. */
  intervalMs: number;
  forceCold: boolean;
  concurrency?: number;
}

/** One configure-or-measure action of a cell, in order. */
export type CellStep =
  | { kind: 'set-memory'; functionName: string; memoryMb: number }
  /** `count: null` deletes the reservation. */
  | { kind: 'set-reserved'; functionName: string; count: number | null }
  /** Publish a version of the configured `$LATEST`; later steps of the cell address it. */
  | { kind: 'publish-version'; functionName: string }
  /** Provisioned concurrency on the version published by this cell, waiting for READY. */
  | { kind: 'put-provisioned'; functionName: string; count: number }
  | { kind: 'force-cold'; functionName: string }
  | { kind: 'burst'; wave: number; n: number; concurrency?: number }
  | { kind: 'idle-wait'; ms: number }
  /** Release this cell's provisioned concurrency as soon as it is measured (it costs money while it exists). */
  | { kind: 'delete-provisioned'; functionName: string };

/** A cell and its steps. */
export interface MatrixCell {
  spec: CellSpec;
  /** The reserved concurrency this cell runs under; undefined = untouched. */
  reservedConcurrency?: number | null;
  steps: CellStep[];
}

/** Stable cell id, e.g. `node-hello-512mb-pc10` or `node-hello-128mb-pc0-rc5`. */
export function cellId(functionName: string, memoryMb: number, provisioned: number, reserved?: number | null): string {
  const rc = reserved === undefined ? '' : reserved === null ? '-rcnone' : `-rc${reserved}`;
  return `${functionName}-${memoryMb}mb-pc${provisioned}${rc}`;
}

/** Human label, e.g. `node-hello 512 MB pc 10`. */
export function cellLabel(functionName: string, memoryMb: number, provisioned: number, reserved?: number | null): string {
  const rc = reserved === undefined ? '' : reserved === null ? ' rc none' : ` rc ${reserved}`;
  return `${functionName} ${memoryMb} MB pc ${provisioned}${rc}`;
}

function stepsOf(fn: string, memoryMb: number, provisioned: number, reserved: number | null | undefined, burst: MatrixBurst): CellStep[] {
  const steps: CellStep[] = [{ kind: 'set-memory', functionName: fn, memoryMb }];
  if (reserved !== undefined) steps.push({ kind: 'set-reserved', functionName: fn, count: reserved });
  // Forced even right after a memory change: on the emulator a no-op memory update (same size as the last cell)
  // would otherwise leave the previous cell's warm environments in place. Before publishing: on AWS the bumped
  // variable makes the published version new (PublishVersion of an unchanged function returns the old one), and
  // the provisioned environments allocated next are not touched by it.
  if (burst.forceCold) steps.push({ kind: 'force-cold', functionName: fn });
  if (provisioned > 0) {
    steps.push({ kind: 'publish-version', functionName: fn });
    steps.push({ kind: 'put-provisioned', functionName: fn, count: provisioned });
  }
  for (let wave = 0; wave < burst.waves; wave++) {
    if (wave > 0 && burst.intervalMs > 0) steps.push({ kind: 'idle-wait', ms: burst.intervalMs });
    const step: CellStep = { kind: 'burst', wave, n: burst.n };
    if (burst.concurrency !== undefined) step.concurrency = burst.concurrency;
    steps.push(step);
  }
  if (provisioned > 0) steps.push({ kind: 'delete-provisioned', functionName: fn });
  return steps;
}

/** Every cell of the matrix in run order: function, then reserved, then provisioned, then memory. */
export function expandMatrix(input: MatrixInput): MatrixCell[] {
  const cells: MatrixCell[] = [];
  const reservedAxis: ReadonlyArray<number | null | undefined> = input.reservedConcurrency ?? [undefined];
  for (const fn of input.functions) {
    for (const reserved of reservedAxis) {
      for (const provisioned of input.provisioned) {
        for (const memoryMb of input.memoryMb) {
          const spec: CellSpec = {
            id: cellId(fn.name, memoryMb, provisioned, reserved),
            label: cellLabel(fn.name, memoryMb, provisioned, reserved),
            functionName: fn.name,
            runtime: fn.runtime,
            memoryMb,
            provisioned,
          };
          if (provisioned === 0 && fn.qualifier !== undefined) spec.qualifier = fn.qualifier;
          const cell: MatrixCell = { spec, steps: stepsOf(fn.name, memoryMb, provisioned, reserved, input.burst) };
          if (reserved !== undefined) cell.reservedConcurrency = reserved;
          cells.push(cell);
        }
      }
    }
  }
  return cells;
}

/** What a function looks like before the run, for the list of planned changes. */
export interface FunctionBefore {
  functionName: string;
  memoryMb: number;
  reservedConcurrency?: number;
}

/**
 * The changes a matrix makes to real functions, one sentence each, for the confirmation shown before an AWS run.
 * Says what is put back afterwards.
 */
export function plannedChanges(cells: readonly MatrixCell[], before: readonly FunctionBefore[], alias?: string): string[] {
  const lines: string[] = [];
  for (const fn of before) {
    const mine = cells.filter((c) => c.spec.functionName === fn.functionName);
    if (mine.length === 0) continue;
    const memories = [...new Set(mine.map((c) => c.spec.memoryMb))];
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
      const via = alias === undefined ? 'on them' : `through alias '${alias}' (created for the run and deleted afterwards, or put back if it exists)`;
      lines.push(
        `${fn.functionName}: publish ${mine.filter((c) => c.spec.provisioned > 0).length} version(s) and put provisioned concurrency ${pcs.join(', ')} ${via} (billed while allocated; deleted after each cell; published versions are kept).`,
      );
    }
    if (mine.some((c) => c.steps.some((s) => s.kind === 'force-cold'))) {
      lines.push(`${fn.functionName}: change a coldprobe environment variable before each cell to force cold starts (other variables are kept; it is removed afterwards).`);
    }
  }
  return lines;
}

/** Total invocations the matrix will send. */
export function plannedInvocations(cells: readonly MatrixCell[]): number {
  let total = 0;
  for (const cell of cells) for (const step of cell.steps) if (step.kind === 'burst') total += step.n;
  return total;
}
