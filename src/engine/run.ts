/**
 * executeRun: performs a RunPlan's steps against a target, cell by cell, and returns every record. The engine
 * only emits events; sinks (TUI, plain, NDJSON) decide what to show.
 */
import type { EventSink } from '../core/events.js';
import type { PlannedCell, RunPlan } from '../core/plan.js';
import type { BurstInfo, CellSpec, InvocationRecord } from '../core/types.js';
import type { FunctionInfo, Target } from '../targets/target.js';
import type { Change } from '../core/cleanup.js';
import { executeBurst } from './burst.js';
import { type CleanupReport, forceColdChanges, runCleanup } from './cleanup.js';
import { type Clock, systemClock } from './clock.js';

/** How a run is driven: time, where events go, and Ctrl-C. */
export interface RunDeps {
  clock?: Clock;
  emit: EventSink;
  signal?: AbortSignal;
  /** Upper bound of the Ctrl-C grace period, ms (the function's timeout caps it too); default 5,000. */
  maxGraceMs?: number;
}

/** Everything one cell produced. */
export interface CellOutcome {
  spec: CellSpec;
  /** The function as read before the cell ran (after its configure step, when it had one). */
  functionInfo: FunctionInfo;
  bursts: BurstInfo[];
  records: InvocationRecord[];
  /** What setup steps did, e.g. what force-cold changed. */
  notes: string[];
}

/** Everything a run produced. */
export interface RunOutcome {
  /** Wall clock at the start (ISO 8601), read once. */
  startedAt: string;
  /** startedAt plus the run's monotonic duration (ISO 8601). */
  finishedAt: string;
  durationMs: number;
  interrupted: boolean;
  cells: CellOutcome[];
  /** What was put back on AWS functions the run changed (memory, force-cold's variable), and what could not be. */
  cleanup: CleanupReport;
}

const us = (ms: number): number => Math.round(ms * 1000);

function specOf(cell: PlannedCell, info: FunctionInfo): CellSpec {
  const configured = cell.steps.find((s) => s.kind === 'configure');
  const spec: CellSpec = {
    id: cell.id,
    label: cell.label,
    functionName: cell.invoke.functionName,
    runtime: info.runtime,
    memoryMb: configured?.kind === 'configure' ? configured.memoryMb : info.memoryMb,
    provisioned: cell.provisioned,
  };
  if (cell.invoke.qualifier !== undefined) spec.qualifier = cell.invoke.qualifier;
  return spec;
}

/** Perform `plan` against `target`; setup failures throw ColdprobeError, invocation failures are records. */
export async function executeRun(plan: RunPlan, target: Target, deps: RunDeps): Promise<RunOutcome> {
  const clock = deps.clock ?? systemClock;
  const { emit, signal } = deps;
  // Every function is looked up first: a missing one fails the run before anything changed or was sent.
  const infos: FunctionInfo[] = [];
  for (const cell of plan.cells) infos.push(await target.getFunction(cell.invoke.functionName, cell.invoke.qualifier));

  const runStartAt = clock.now();
  const wall = clock.wallClock();
  const at = (): number => us(clock.now() - runStartAt);
  const specs = plan.cells.map((cell, i) => specOf(cell, infos[i] as FunctionInfo));
  emit({ type: 'run-start', atUs: 0, wallClock: wall.toISOString(), targetKind: target.kind, cells: specs });

  const counter = { next: 0 };
  const cells: CellOutcome[] = [];
  let interrupted = false;
  // Changes to real functions are written here before they are made, and put back in `finally` whatever ends
  // the run. The in-process emulator disappears with the run, so only AWS changes need undoing.
  const ledger: Change[] = [];
  const persistent = target.kind === 'aws';
  let cleanup: CleanupReport = { done: [], failed: [] };
  try {
    for (const [i, cell] of plan.cells.entries()) {
      if (signal?.aborted) break;
      let info = infos[i] as FunctionInfo;
      const spec = specs[i] as CellSpec;
      const outcome: CellOutcome = { spec, functionInfo: info, bursts: [], records: [], notes: [] };
      cells.push(outcome);
      emit({ type: 'cell-start', atUs: at(), cell: spec });
      const waves = cell.steps.filter((s) => s.kind === 'burst').length;
      const fn = cell.invoke.functionName;
      for (const step of cell.steps) {
        if (signal?.aborted) break;
        switch (step.kind) {
          case 'configure': {
            emit({ type: 'step', atUs: at(), cell: cell.id, step: 'configure', detail: `memory ${step.memoryMb} MB` });
            if (persistent) ledger.push({ kind: 'memory', functionName: fn, beforeMb: (infos[i] as FunctionInfo).memoryMb });
            info = await target.updateConfiguration(fn, { memoryMb: step.memoryMb });
            outcome.functionInfo = info;
            outcome.notes.push(`set memory of '${fn}' to ${step.memoryMb} MB`);
            break;
          }
          case 'force-cold': {
            emit({ type: 'step', atUs: at(), cell: cell.id, step: 'force-cold', detail: `make '${fn}' start cold` });
            ledger.push(...forceColdChanges(target, fn, infos[i]));
            const did = await target.forceCold(fn);
            outcome.notes.push(did);
            emit({ type: 'notice', atUs: at(), level: 'info', message: `force-cold: ${did}` });
            break;
          }
          case 'idle-wait': {
            emit({ type: 'step', atUs: at(), cell: cell.id, step: 'idle-wait', detail: `${step.ms} ms idle` });
            await clock.sleep(step.ms, signal);
            break;
          }
          case 'burst': {
            const mode = step.concurrency !== undefined ? `${step.n} invocations, ${step.concurrency} in flight` : `${step.n} invocations`;
            emit({ type: 'step', atUs: at(), cell: cell.id, step: 'burst', detail: `wave ${step.burst + 1} of ${waves}: ${mode}` });
            const invoke = { functionName: fn, payload: cell.invoke.payload, ...(cell.invoke.qualifier !== undefined ? { qualifier: cell.invoke.qualifier } : {}) };
            const result = await executeBurst(
              { cell: cell.id, burst: step.burst, waves, n: step.n, invoke, ...(step.concurrency !== undefined ? { concurrency: step.concurrency } : {}) },
              {
                target,
                clock,
                emit,
                ...(signal ? { signal } : {}),
                runStartAt,
                counter,
                graceMs: Math.min(info.timeoutS * 1000, deps.maxGraceMs ?? 5_000),
              },
            );
            outcome.bursts.push(result.info);
            for (const r of result.records) outcome.records.push(r);
            if (result.interrupted) interrupted = true;
            break;
          }
        }
      }
      emit({ type: 'cell-end', atUs: at(), cell: cell.id });
    }
  } finally {
    if (ledger.length > 0) cleanup = await runCleanup(target, ledger, emit, at);
  }
  if (signal?.aborted) interrupted = true;
  const durationMs = clock.now() - runStartAt;
  emit({ type: 'run-end', atUs: us(durationMs), interrupted });
  return {
    startedAt: wall.toISOString(),
    finishedAt: new Date(wall.getTime() + durationMs).toISOString(),
    durationMs,
    interrupted,
    cells,
    cleanup,
  };
}
