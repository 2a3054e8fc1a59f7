/**
 * Expands a profile's matrix into the cells of a run plan (function × reserved concurrency × provisioned
 * concurrency × memory), each with its steps. A profile with a burst and a load gives every point of the matrix
 * two cells, the burst's and the load's (`…-load`), side by side. Pure: src/engine/run.ts performs them.
 */
import { burstSteps, type BurstShape, type LoadShape, type PlannedCell, type RunStep } from './plan.js';

/** The matrix part of a profile, independent of the file format. */
export interface MatrixInput {
  functions: ReadonlyArray<{ name: string; runtime: string; qualifier?: string }>;
  memoryMb: readonly number[];
  provisioned: readonly number[];
  /** Reserved concurrency settings; `null` = none set (deleted). Absent = leave the function's setting alone. */
  reservedConcurrency?: ReadonlyArray<number | null>;
  /** At least one of burst and load. */
  burst?: BurstShape;
  load?: LoadShape;
}

/** What a cell sends: the profile's bursts, or its load. */
type Workload = { kind: 'burst'; shape: BurstShape } | { kind: 'load'; shape: LoadShape };

/** The suffix of a load cell's id and label, which tells it from the burst cell of the same matrix point. */
export const LOAD_CELL_SUFFIX = 'load';

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

function stepsOf(memoryMb: number, provisioned: number, reserved: number | null | undefined, work: Workload): RunStep[] {
  const steps: RunStep[] = [{ kind: 'set-memory', memoryMb }];
  if (reserved !== undefined) steps.push({ kind: 'set-reserved', count: reserved });
  // Forced even right after a memory change: on the emulator a no-op memory update (same size as the last cell)
  // would otherwise leave the previous cell's warm environments in place. Before publishing: on AWS the bumped
  // variable makes the published version new (PublishVersion of an unchanged function returns the old one), and
  // the provisioned environments allocated next are not touched by it.
  if (work.shape.forceCold) steps.push({ kind: 'force-cold' });
  if (provisioned > 0) {
    steps.push({ kind: 'publish-version' });
    steps.push({ kind: 'put-provisioned', count: provisioned });
  }
  if (work.kind === 'burst') steps.push(...burstSteps(work.shape));
  else steps.push({ kind: 'load', stages: work.shape.stages, maxInFlight: work.shape.maxInFlight, windowMs: work.shape.windowMs });
  if (provisioned > 0) steps.push({ kind: 'delete-provisioned' });
  return steps;
}

/** Every cell of the matrix in run order: function, then reserved, then provisioned, then memory. */
export function expandMatrix(input: MatrixInput): PlannedCell[] {
  const cells: PlannedCell[] = [];
  const reservedAxis: ReadonlyArray<number | null | undefined> = input.reservedConcurrency ?? [undefined];
  const workloads: Workload[] = [];
  if (input.burst !== undefined) workloads.push({ kind: 'burst', shape: input.burst });
  if (input.load !== undefined) workloads.push({ kind: 'load', shape: input.load });
  for (const fn of input.functions) {
    for (const reserved of reservedAxis) {
      for (const provisioned of input.provisioned) {
        for (const memoryMb of input.memoryMb) {
          for (const work of workloads) {
            // The burst cell keeps the id it always had, so baselines and threshold scopes still match it.
            const id = cellId(fn.name, memoryMb, provisioned, reserved);
            const label = cellLabel(fn.name, memoryMb, provisioned, reserved);
            const cell: PlannedCell = {
              spec: {
                id: work.kind === 'load' ? `${id}-${LOAD_CELL_SUFFIX}` : id,
                label: work.kind === 'load' ? `${label} ${LOAD_CELL_SUFFIX}` : label,
                functionName: fn.name,
                runtime: fn.runtime,
                memoryMb,
                provisioned,
              },
              steps: stepsOf(memoryMb, provisioned, reserved, work),
            };
            if (provisioned === 0 && fn.qualifier !== undefined) cell.spec.qualifier = fn.qualifier;
            if (reserved !== undefined) cell.reservedConcurrency = reserved;
            cells.push(cell);
          }
        }
      }
    }
  }
  return cells;
}
