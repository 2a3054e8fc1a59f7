/**
 * Expands a profile's matrix into the cells of a run plan (function × reserved concurrency × provisioned
 * concurrency × memory), each with its steps. Pure: src/engine/run.ts performs them against a target.
 */
import { burstSteps, type BurstShape, type PlannedCell, type RunStep } from './plan.js';

/** The matrix part of a profile, independent of the file format. */
export interface MatrixInput {
  functions: ReadonlyArray<{ name: string; runtime: string; qualifier?: string }>;
  memoryMb: readonly number[];
  provisioned: readonly number[];
  /** Reserved concurrency settings; `null` = none set (deleted). Absent = leave the function's setting alone. */
  reservedConcurrency?: ReadonlyArray<number | null>;
  burst: BurstShape;
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

function stepsOf(memoryMb: number, provisioned: number, reserved: number | null | undefined, burst: BurstShape): RunStep[] {
  const steps: RunStep[] = [{ kind: 'set-memory', memoryMb }];
  if (reserved !== undefined) steps.push({ kind: 'set-reserved', count: reserved });
  // Forced even right after a memory change: on the emulator a no-op memory update (same size as the last cell)
  // would otherwise leave the previous cell's warm environments in place. Before publishing: on AWS the bumped
  // variable makes the published version new (PublishVersion of an unchanged function returns the old one), and
  // the provisioned environments allocated next are not touched by it.
  if (burst.forceCold) steps.push({ kind: 'force-cold' });
  if (provisioned > 0) {
    steps.push({ kind: 'publish-version' });
    steps.push({ kind: 'put-provisioned', count: provisioned });
  }
  steps.push(...burstSteps(burst));
  if (provisioned > 0) steps.push({ kind: 'delete-provisioned' });
  return steps;
}

/** Every cell of the matrix in run order: function, then reserved, then provisioned, then memory. */
export function expandMatrix(input: MatrixInput): PlannedCell[] {
  const cells: PlannedCell[] = [];
  const reservedAxis: ReadonlyArray<number | null | undefined> = input.reservedConcurrency ?? [undefined];
  for (const fn of input.functions) {
    for (const reserved of reservedAxis) {
      for (const provisioned of input.provisioned) {
        for (const memoryMb of input.memoryMb) {
          const cell: PlannedCell = {
            spec: {
              id: cellId(fn.name, memoryMb, provisioned, reserved),
              label: cellLabel(fn.name, memoryMb, provisioned, reserved),
              functionName: fn.name,
              runtime: fn.runtime,
              memoryMb,
              provisioned,
            },
            steps: stepsOf(memoryMb, provisioned, reserved, input.burst),
          };
          if (provisioned === 0 && fn.qualifier !== undefined) cell.spec.qualifier = fn.qualifier;
          if (reserved !== undefined) cell.reservedConcurrency = reserved;
          cells.push(cell);
        }
      }
    }
  }
  return cells;
}
