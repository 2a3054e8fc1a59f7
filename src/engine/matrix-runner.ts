/**
 * Runs a matrix: configures each cell (memory, reserved concurrency, a published version with provisioned
 * concurrency waiting for READY), forces cold starts between cells, bursts through executeBurst, and puts back
 * everything it changed, from a ledger written before each change, whether the run ends, fails or is interrupted.
 */
import { publishedVersions, type Change } from '../core/cleanup.js';
import { estimateCellCost, type PriceTable } from '../core/cost.js';
import { ColdprobeError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import type { MatrixCell } from '../core/matrix.js';
import type { CellResult } from '../core/results.js';
import { summarize } from '../core/summary.js';
import type { BurstInfo, CellSpec, InvocationRecord } from '../core/types.js';
import type { FunctionInfo, Target } from '../targets/target.js';
import { executeBurst } from './burst.js';
import { type AliasOps, forceColdChanges, runCleanup } from './cleanup.js';
import { type Clock, systemClock } from './clock.js';

/** The alias every provisioned cell points at its version (PutProvisionedConcurrencyConfig then targets it). */
export const MATRIX_ALIAS = 'coldprobe';

/** What a matrix run needs. */
export interface MatrixRunOptions {
  target: Target;
  cells: readonly MatrixCell[];
  payload: Uint8Array;
  prices: PriceTable;
  emit: EventSink;
  clock?: Clock;
  signal?: AbortSignal;
  /** Upper bound of the Ctrl-C grace period, ms (the function's timeout caps it too); default 5,000. */
  maxGraceMs?: number;
  /** Notes attached to every cell (e.g. whether CPU quotas were applied). */
  notes?: string[];
  /** Functions as read before the run (from `snapshotFunctions`); read here when absent. */
  before?: Map<string, FunctionBefore>;
  /** Alias operations; provisioned cells use alias `coldprobe` when given. */
  aliases?: AliasOps;
}

/** A function's state before the run, as far as the run may change it. */
export interface FunctionBefore {
  info: FunctionInfo;
  /** Undefined when the function has no reservation (or it was not read because no cell changes it). */
  reservedConcurrency?: number;
}

/** What a matrix run produced. */
export interface MatrixRunResult {
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  cells: CellResult[];
  /** The first setup failure that stopped the run early, after cleanup ran. */
  error?: ColdprobeError;
  cleanup: { done: string[]; failed: string[] };
  /** `function:version` of every version the run published (kept; versions cannot be deleted through a Target). */
  versions: string[];
}

const us = (ms: number): number => Math.round(ms * 1000);

/** Read each function the cells touch (and its reserved concurrency when a cell changes it). */
export async function snapshotFunctions(target: Target, cells: readonly MatrixCell[]): Promise<Map<string, FunctionBefore>> {
  const out = new Map<string, FunctionBefore>();
  for (const cell of cells) {
    const fn = cell.spec.functionName;
    if (out.has(fn)) continue;
    const info = await target.getFunction(fn);
    const entry: FunctionBefore = { info };
    if (cells.some((c) => c.spec.functionName === fn && c.reservedConcurrency !== undefined)) {
      const reserved = await target.getReservedConcurrency(fn);
      if (reserved !== undefined) entry.reservedConcurrency = reserved;
    }
    out.set(fn, entry);
  }
  return out;
}

interface CellState {
  spec: CellSpec;
  records: InvocationRecord[];
  bursts: BurstInfo[];
  notes: string[];
  /** clock.now() when provisioned concurrency was requested, until it was released. */
  provisionedSince?: number;
  provisionedMs: number;
}

function toCellResult(state: CellState, prices: PriceTable, commonNotes: readonly string[]): CellResult {
  const { summary, histograms } = summarize(state.records, state.bursts, state.spec);
  const cost = estimateCellCost(
    state.records,
    { memoryMb: state.spec.memoryMb, provisioned: state.spec.provisioned, provisionedSeconds: state.provisionedMs / 1000 },
    prices,
  );
  const result: CellResult = { spec: state.spec, bursts: state.bursts, records: state.records, histograms, summary, cost };
  const notes = [...commonNotes, ...state.notes];
  if (notes.length > 0) result.notes = notes;
  return result;
}

/** Run the matrix; setup failures stop it (after cleanup) and come back as `error`, never as a throw. */
export async function runMatrix(options: MatrixRunOptions): Promise<MatrixRunResult> {
  const clock = options.clock ?? systemClock;
  const { target, emit, signal } = options;
  const before = options.before ?? (await snapshotFunctions(target, options.cells));
  const runStartAt = clock.now();
  const wall = clock.wallClock();
  const at = (): number => us(clock.now() - runStartAt);
  const specs = options.cells.map((c) => ({ ...c.spec }));
  emit({ type: 'run-start', atUs: 0, wallClock: wall.toISOString(), targetKind: target.kind, cells: specs });

  const ledger: Change[] = [];
  const results: CellResult[] = [];
  const counter = { next: 0 };
  let interrupted = false;
  let error: ColdprobeError | undefined;
  let cleanup: { done: string[]; failed: string[] } = { done: [], failed: [] };

  try {
    for (const [i, cell] of options.cells.entries()) {
      if (signal?.aborted) break;
      const spec = specs[i] as CellSpec;
      const state: CellState = { spec, records: [], bursts: [], notes: [], provisionedMs: 0 };
      const fn = spec.functionName;
      const fnBefore = before.get(fn);
      const timeoutS = fnBefore?.info.timeoutS ?? 3;
      const waves = cell.steps.filter((s) => s.kind === 'burst').length;
      let qualifier = spec.qualifier;
      emit({ type: 'cell-start', atUs: at(), cell: spec });
      try {
        for (const step of cell.steps) {
          if (signal?.aborted) break;
          switch (step.kind) {
            case 'set-memory': {
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `memory ${step.memoryMb} MB` });
              ledger.push({ kind: 'memory', functionName: fn, beforeMb: fnBefore?.info.memoryMb ?? step.memoryMb });
              await target.updateConfiguration(fn, { memoryMb: step.memoryMb });
              break;
            }
            case 'set-reserved': {
              const detail = step.count === null ? 'no reserved concurrency' : `reserved concurrency ${step.count}`;
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail });
              const change: Change = { kind: 'reserved', functionName: fn };
              if (fnBefore?.reservedConcurrency !== undefined) change.before = fnBefore.reservedConcurrency;
              ledger.push(change);
              if (step.count === null) await target.deleteReservedConcurrency(fn);
              else await target.putReservedConcurrency(fn, step.count);
              break;
            }
            case 'publish-version': {
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: 'publish a version' });
              const version = await target.publishVersion(fn, `coldprobe ${spec.id}`);
              ledger.push({ kind: 'version', functionName: fn, version });
              state.notes.push(`published version ${version} of '${fn}'`);
              qualifier = version;
              if (options.aliases) {
                emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `alias ${MATRIX_ALIAS} → version ${version}` });
                const { previousVersion } = await options.aliases.put(fn, MATRIX_ALIAS, version);
                const change: Change = { kind: 'alias', functionName: fn, name: MATRIX_ALIAS };
                if (previousVersion !== undefined) change.previousVersion = previousVersion;
                ledger.push(change);
                qualifier = MATRIX_ALIAS;
                state.notes.push(`alias ${MATRIX_ALIAS} points at version ${version}`);
              }
              spec.qualifier = qualifier;
              break;
            }
            case 'put-provisioned': {
              if (qualifier === undefined) throw new ColdprobeError('internal', `cell ${spec.id}: provisioned concurrency needs a published version first.`);
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `provisioned concurrency ${step.count} on ${fn}:${qualifier}, waiting for READY` });
              // Written before the call: an interrupt while waiting for READY must still delete it.
              ledger.push({ kind: 'provisioned', functionName: fn, qualifier });
              state.provisionedSince = clock.now();
              await target.putProvisionedConcurrency(fn, qualifier, step.count, signal);
              break;
            }
            case 'force-cold': {
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'force-cold', detail: `make '${fn}' start cold` });
              ledger.push(...forceColdChanges(target, fn, fnBefore?.info));
              const did = await target.forceCold(fn);
              emit({ type: 'notice', atUs: at(), level: 'info', message: `force-cold: ${did}` });
              break;
            }
            case 'idle-wait': {
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'idle-wait', detail: `${step.ms} ms idle` });
              await clock.sleep(step.ms, signal);
              break;
            }
            case 'burst': {
              const mode = step.concurrency !== undefined ? `${step.n} invocations, ${step.concurrency} in flight` : `${step.n} invocations`;
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'burst', detail: `wave ${step.wave + 1} of ${waves}: ${mode}` });
              const invoke = { functionName: fn, payload: options.payload, ...(qualifier !== undefined ? { qualifier } : {}) };
              const outcome = await executeBurst(
                { cell: spec.id, burst: step.wave, waves, n: step.n, invoke, ...(step.concurrency !== undefined ? { concurrency: step.concurrency } : {}) },
                { target, clock, emit, ...(signal ? { signal } : {}), runStartAt, counter, graceMs: Math.min(timeoutS * 1000, options.maxGraceMs ?? 5_000) },
              );
              state.bursts.push(outcome.info);
              for (const r of outcome.records) state.records.push(r);
              if (outcome.interrupted) interrupted = true;
              break;
            }
            case 'delete-provisioned': {
              if (qualifier === undefined) break;
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `release provisioned concurrency on ${fn}:${qualifier}` });
              await target.deleteProvisionedConcurrency(fn, qualifier);
              ledger.push({ kind: 'provisioned-released', functionName: fn, qualifier });
              if (state.provisionedSince !== undefined) state.provisionedMs += clock.now() - state.provisionedSince;
              state.provisionedSince = undefined;
              break;
            }
          }
        }
      } finally {
        // Still allocated (interrupted or failed): it costs until cleanup deletes it; count until now.
        if (state.provisionedSince !== undefined) state.provisionedMs += clock.now() - state.provisionedSince;
        if (state.records.length > 0 || state.bursts.length > 0) results.push(toCellResult(state, options.prices, options.notes ?? []));
        emit({ type: 'cell-end', atUs: at(), cell: spec.id });
      }
    }
  } catch (caught) {
    if (signal?.aborted) interrupted = true;
    else error = caught instanceof ColdprobeError ? caught : new ColdprobeError('internal', caught instanceof Error ? caught.message : String(caught), { cause: caught });
  } finally {
    cleanup = await runCleanup(target, ledger, emit, at, options.aliases);
  }
  if (signal?.aborted) interrupted = true;
  const durationMs = clock.now() - runStartAt;
  emit({ type: 'run-end', atUs: us(durationMs), interrupted });
  const out: MatrixRunResult = {
    startedAt: wall.toISOString(),
    finishedAt: new Date(wall.getTime() + durationMs).toISOString(),
    interrupted,
    cells: results,
    cleanup,
    versions: publishedVersions(ledger),
  };
  if (error) out.error = error;
  return out;
}
