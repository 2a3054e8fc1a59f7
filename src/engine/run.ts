/**
 * executeRun: performs a RunPlan against a target, cell by cell and step by step, and returns every record.
 * `burst` (one cell) and `run` (a matrix of cells) both come here. Every change to a real function is written to
 * a ledger before it is made and put back in `finally`, whatever ends the run (success, failure, Ctrl-C). The
 * engine only emits events; its RunTally turns them into each cell's summary, which the sinks read too.
 */
import { reportTailRisks } from '../core/tail-risks.js';
import { publishedVersions, type Change } from '../core/cleanup.js';
import { estimateCellCost, pricesFor, type PriceTable } from '../core/cost.js';
import { ColdprobeError, usageError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { formatStages } from '../core/load-stages.js';
import type { LoadSection } from '../core/load-windows.js';
import { stepInvocations, type PlannedCell, type RunPlan, type RunStep } from '../core/plan.js';
import { isImmutableQualifier, refuseChangesToQualified, splitQualifiers } from '../core/qualifier.js';
import type { CellResult, InvocationCounts } from '../core/results.js';
import { RunTally } from '../core/tally.js';
import type { BurstInfo, CellSpec, InvocationRecord } from '../core/types.js';
import type { FunctionInfo, Target } from '../targets/target.js';
import { executeBurst } from './burst.js';
import { executeInvokeLoad } from './invoke-load.js';
import { type AliasOps, type ChangeJournal, type CleanupReport, forceColdChanges, runCleanup } from './cleanup.js';
import { type Clock, systemClock } from './clock.js';

/**
 * The alias a run points at the version each provisioned cell publishes (PutProvisionedConcurrencyConfig then
 * targets it): `coldprobe-<runId>`, unique to the run, so a run never touches an alias it did not create, and two
 * runs (or a leftover of a killed one) never share one. Alias names are 1-128 of [a-zA-Z0-9-_], not all digits
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html).
 */
export function runAliasName(runId: string): string {
  return `coldprobe-${runId.replace(/[^a-zA-Z0-9_-]/g, '-')}`.slice(0, 128);
}

/** The description of every version a run publishes: how the clean-up tells the run's versions from others. */
export function runVersionDescription(runId: string): string {
  return `coldprobe run ${runId}`;
}

/** A run id when the caller gave none: the wall clock to the millisecond, the process and a random suffix. */
export function newRunId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[:.]/g, '-')}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

/** A function's state before the run, as far as the run may change it. */
export interface FunctionBefore {
  info: FunctionInfo;
  /** Undefined when the function has no reservation (or it was not read because no cell changes it). */
  reservedConcurrency?: number;
  /** The qualified versions or aliases the plan invokes, as read before the run. */
  qualified: Map<string, FunctionInfo>;
}

/** How a run is driven: time, where events go, Ctrl-C, and what the cells' results carry. */
export interface RunDeps {
  emit: EventSink;
  clock?: Clock;
  signal?: AbortSignal;
  /** Upper bound of the Ctrl-C grace period, ms (the function's timeout caps it too); default 5,000. */
  maxGraceMs?: number;
  /** The tally the engine feeds before each sink sees an event; pass one to let sinks read it. */
  tally?: RunTally;
  /** Functions as read before the run (from `snapshotFunctions`); read here when absent. */
  before?: Map<string, FunctionBefore>;
  /** Alias operations; provisioned cells use the run's own alias (runAliasName) when given. */
  aliases?: AliasOps;
  /** Names the run's alias and tags its versions (default: newRunId()). */
  runId?: string;
  /** With prices, every cell gets a cost estimate. */
  prices?: PriceTable;
  /** Notes attached to every cell (e.g. whether CPU quotas were applied). */
  notes?: readonly string[];
  /**
   * The change journal on disk (AWS): each change is written there, fsynced, before it is made, and each undo
   * after it is done, so `coldprobe cleanup` can finish what a killed run could not.
   */
  journal?: ChangeJournal;
  /** A shard's `--start-at`: the run's first burst or load is released when clock.now() reaches this (ms). */
  releaseAt?: number;
  /** What to tell the user when the release comes late, given how late (ms): the end of the warning's sentence. */
  releaseAdvice?: (lateMs: number) => string;
  /** A shard's run: the whole run's index of its n-th invocation (src/core/shard.ts). */
  indexOf?: (local: number) => number;
}

/** Everything a run produced. */
export interface RunOutcome {
  /** Wall clock at the start (ISO 8601), read once. */
  startedAt: string;
  /** clock.now() at the start: every record's and burst's µs count from it. */
  originMs: number;
  /** startedAt plus the run's monotonic duration (ISO 8601). */
  finishedAt: string;
  durationMs: number;
  interrupted: boolean;
  /** The plan's invocations: sent (one record each) and not sent (stopped before release, wave or cell). */
  invocations: InvocationCounts;
  /** Every cell that produced something, with its summary. */
  cells: CellResult[];
  /** The setup failure that stopped the run early, after cleanup ran; the cells before it are kept. */
  error?: ColdprobeError;
  /** What was put back on functions the run changed, and what could not be. */
  cleanup: CleanupReport;
  /** `function:version` of every version the run published (the clean-up deletes them). */
  versions: string[];
}

const us = (ms: number): number => Math.round(ms * 1000);

/** How long before a shard's release instant its first burst starts preparing, ms (10,000 invocations take ~4 s). */
const PREPARE_LEAD_MS = 15_000;

/**
 * Read each function the cells touch (and its reserved concurrency when a cell changes it); a missing one throws.
 * The cells' function names must be unqualified (splitQualifiers): the unqualified function is what a run changes.
 */
export async function snapshotFunctions(target: Target, cells: readonly PlannedCell[]): Promise<Map<string, FunctionBefore>> {
  const out = new Map<string, FunctionBefore>();
  for (const cell of cells) {
    const fn = cell.spec.functionName;
    let entry = out.get(fn);
    if (entry === undefined) {
      // The unqualified function: its configuration is what the run changes and puts back.
      entry = { info: await target.getFunction(fn), qualified: new Map() };
      if (cells.some((c) => c.spec.functionName === fn && c.reservedConcurrency !== undefined)) {
        const reserved = await target.getReservedConcurrency(fn);
        if (reserved !== undefined) entry.reservedConcurrency = reserved;
      }
      out.set(fn, entry);
    }
    const q = cell.spec.qualifier;
    if (q !== undefined && !entry.qualified.has(q)) entry.qualified.set(q, await target.getFunction(fn, q));
  }
  return out;
}

/** Refuse, before anything changes, a cell that would change `$LATEST` while it measures a version or alias. */
export function checkQualifiedChanges(cells: readonly PlannedCell[], before: ReadonlyMap<string, FunctionBefore>): void {
  refuseChangesToQualified(cells, (fn, q) => {
    const info = before.get(fn)?.qualified.get(q);
    return info === undefined ? undefined : { memoryMb: info.memoryMb, version: info.version };
  });
}

function specOf(cell: PlannedCell, info: FunctionInfo): CellSpec {
  return { ...cell.spec, runtime: cell.spec.runtime ?? info.runtime, memoryMb: cell.spec.memoryMb ?? info.memoryMb };
}

/** What one cell gathers while it runs. */
interface CellState {
  spec: CellSpec;
  records: InvocationRecord[];
  bursts: BurstInfo[];
  notes: string[];
  /** clock.now() when provisioned concurrency was requested, until it was released. */
  provisionedSince?: number;
  provisionedMs: number;
  /** A load step's schedule and windows. */
  load?: LoadSection;
}

/** Perform `plan` against `target`. A missing function throws before anything ran; later setup failures come back as `error`. */
export async function executeRun(whole: RunPlan, target: Target, deps: RunDeps): Promise<RunOutcome> {
  const plan: RunPlan = { ...whole, cells: splitQualifiers(whole.cells) };
  const clock = deps.clock ?? systemClock;
  const runId = deps.runId ?? newRunId();
  const alias = runAliasName(runId);
  const versionDescription = runVersionDescription(runId);
  const { signal } = deps;
  const tally = deps.tally ?? new RunTally();
  const emit: EventSink = (event) => {
    tally.dispatch(event);
    deps.emit(event);
  };
  // Every function is looked up first: a missing one fails the run before anything changed or was sent.
  const before = deps.before ?? (await snapshotFunctions(target, plan.cells));
  checkQualifiedChanges(plan.cells, before);
  /** The function as the cell invokes it: its qualified version or alias when it names one. */
  const infoOf = (cell: PlannedCell): FunctionInfo => {
    const entry = before.get(cell.spec.functionName);
    if (entry === undefined) throw new ColdprobeError('internal', `function '${cell.spec.functionName}' was not read before the run.`);
    return (cell.spec.qualifier !== undefined ? entry.qualified.get(cell.spec.qualifier) : undefined) ?? entry.info;
  };
  const specs = plan.cells.map((cell) => specOf(cell, infoOf(cell)));

  const runStartAt = clock.now();
  const wall = clock.wallClock();
  const at = (): number => us(clock.now() - runStartAt);
  emit({ type: 'run-start', atUs: 0, wallClock: wall.toISOString(), targetKind: target.kind, cells: specs.map((s) => ({ ...s })) });
  // Before anything is sent: where the configuration says log tails may carry no REPORT (core/tail-risks.ts).
  const tailRisks = new Map<string, string[]>();
  for (const cell of plan.cells) {
    const info = infoOf(cell);
    const key = `${cell.spec.functionName}:${cell.spec.qualifier ?? ''}`;
    if (tailRisks.has(key)) continue;
    const risks = reportTailRisks({ ...info, functionName: cell.spec.functionName });
    tailRisks.set(key, risks);
    for (const message of risks) emit({ type: 'notice', atUs: at(), level: 'warn', message });
  }

  const ledger: Change[] = [];
  // Journal first, then the in-memory ledger: a crash between the two leaves one more line to undo, never one fewer.
  const record = (...changes: Change[]): void => {
    for (const change of changes) {
      deps.journal?.change(change);
      ledger.push(change);
    }
  };
  const cells: CellResult[] = [];
  /** Functions on which the run created its alias already (later cells repoint it). */
  const aliasesMade = new Set<string>();
  const counter = { next: 0 };
  let releaseAt = deps.releaseAt;
  // The sending steps that ran, with what each left unsent; every other one was never started (counted below).
  const unsentOf = new Map<RunStep, number>();
  let interrupted = false;
  let error: ColdprobeError | undefined;
  let cleanup: CleanupReport = { done: [], failed: [] };

  const finishCell = (state: CellState, failed: boolean): void => {
    // Still allocated (interrupted or failed): it costs until cleanup deletes it; count until now.
    if (state.provisionedSince !== undefined) state.provisionedMs += clock.now() - state.provisionedSince;
    emit({ type: 'cell-end', atUs: at(), cell: state.spec.id });
    // A cell whose setup failed before it sent anything has nothing to report.
    if (failed && state.records.length === 0 && state.bursts.length === 0) return;
    // An invoke-only caller could not read the memory up front (0); every REPORT line states it.
    if (state.spec.memoryMb === 0) {
      const reported = state.records.find((r) => r.report?.memorySizeMb)?.report?.memorySizeMb;
      if (reported !== undefined) state.spec.memoryMb = reported;
    }
    const acc = tally.cell(state.spec.id)?.summary;
    if (acc === undefined) throw new ColdprobeError('internal', `cell ${state.spec.id} has no tally.`);
    const result: CellResult = { spec: state.spec, bursts: state.bursts, records: state.records, histograms: acc.encodedHistograms(), summary: acc.snapshot() };
    if (deps.prices) {
      const { memoryMb, provisioned } = state.spec;
      // arm64 prices for an arm64 function; its region (from its ARN) named when the list prices are another's.
      const prices = pricesFor(deps.prices, before.get(state.spec.functionName)?.info);
      result.cost = estimateCellCost(state.records, { memoryMb, provisioned, provisionedSeconds: state.provisionedMs / 1000 }, prices);
    }
    const notes = [...(deps.notes ?? []), ...state.notes];
    if (notes.length > 0) result.notes = notes;
    if (state.load !== undefined) result.load = state.load;
    cells.push(result);
  };

  try {
    for (const [i, cell] of plan.cells.entries()) {
      if (signal?.aborted) break;
      const spec = specs[i] as CellSpec;
      const state: CellState = { spec, records: [], bursts: [], notes: [...(tailRisks.get(`${cell.spec.functionName}:${cell.spec.qualifier ?? ''}`) ?? [])], provisionedMs: 0 };
      const fn = spec.functionName;
      const fnBefore = before.get(fn) as FunctionBefore;
      const waves = cell.steps.filter((s) => s.kind === 'burst').length;
      let qualifier = spec.qualifier;
      let failed = true;
      emit({ type: 'cell-start', atUs: at(), cell: spec });
      try {
        // What a burst and a load step both need from the run; releaseAt is read when the step starts.
        const stepContext = () => ({
          target,
          clock,
          emit,
          ...(signal ? { signal } : {}),
          runStartAt,
          counter,
          ...(deps.indexOf ? { indexOf: deps.indexOf } : {}),
          ...(releaseAt !== undefined ? { releaseAt } : {}),
          ...(deps.releaseAdvice ? { releaseAdvice: deps.releaseAdvice } : {}),
          graceMs: Math.min(infoOf(cell).timeoutS * 1000, deps.maxGraceMs ?? 5_000),
        });
        for (const step of cell.steps) {
          if (signal?.aborted) break;
          switch (step.kind) {
            case 'set-memory': {
              // A version or alias keeps its memory (checkQualifiedChanges let only its own size through).
              if (isImmutableQualifier(spec.qualifier)) break;
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `memory ${step.memoryMb} MB` });
              record({ kind: 'memory', functionName: fn, beforeMb: fnBefore.info.memoryMb });
              await target.updateConfiguration(fn, { memoryMb: step.memoryMb });
              state.notes.push(`set memory of '${fn}' to ${step.memoryMb} MB`);
              break;
            }
            case 'set-reserved': {
              const detail = step.count === null ? 'no reserved concurrency' : `reserved concurrency ${step.count}`;
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail });
              const change: Change = { kind: 'reserved', functionName: fn };
              if (fnBefore.reservedConcurrency !== undefined) change.before = fnBefore.reservedConcurrency;
              record(change);
              if (step.count === null) await target.deleteReservedConcurrency(fn);
              else await target.putReservedConcurrency(fn, step.count);
              break;
            }
            case 'publish-version': {
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: 'publish a version' });
              // Journaled before the call: a crash before its answer still lets the clean-up find the version by its description.
              record({ kind: 'version', functionName: fn, description: versionDescription });
              const published = await target.publishVersion(fn, versionDescription);
              const { version } = published;
              record({ kind: 'version', functionName: fn, description: versionDescription, version, ...(published.created ? {} : { existed: true as const }) });
              state.notes.push(published.created ? `published version ${version} of '${fn}'` : `'${fn}' was unchanged since its version ${version}, which is used (and kept)`);
              qualifier = version;
              if (deps.aliases) {
                emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `alias ${alias} → version ${version}` });
                if (aliasesMade.has(fn)) await deps.aliases.update(fn, alias, version);
                else {
                  // Never a user's alias: one that exists already is not the run's, and is left alone.
                  const existing = await deps.aliases.get(fn, alias);
                  if (existing !== undefined) throw usageError(`alias '${alias}' of '${fn}' already exists (version ${existing}); coldprobe only uses an alias it created, and leaves that one alone.`);
                  record({ kind: 'alias', functionName: fn, name: alias });
                  await deps.aliases.create(fn, alias, version);
                  aliasesMade.add(fn);
                }
                qualifier = alias;
                state.notes.push(`alias ${alias} points at version ${version}`);
              }
              spec.qualifier = qualifier;
              break;
            }
            case 'put-provisioned': {
              if (qualifier === undefined) throw new ColdprobeError('internal', `cell ${spec.id}: provisioned concurrency needs a published version first.`);
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `provisioned concurrency ${step.count} on ${fn}:${qualifier}, waiting for READY` });
              // Written before the call: an interrupt while waiting for READY must still delete it.
              record({ kind: 'provisioned', functionName: fn, qualifier });
              state.provisionedSince = clock.now();
              await target.putProvisionedConcurrency(fn, qualifier, step.count, signal);
              break;
            }
            case 'force-cold': {
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'force-cold', detail: `make '${fn}' start cold` });
              record(...forceColdChanges(target, fn, fnBefore.info));
              const did = await target.forceCold(fn);
              state.notes.push(did);
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
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'burst', detail: `wave ${step.burst + 1} of ${waves}: ${mode}` });
              const invoke = { functionName: fn, payload: plan.payload, ...(qualifier !== undefined ? { qualifier } : {}) };
              // A release far ahead: prepare only shortly before it, so parked connections and signatures stay fresh.
              if (releaseAt !== undefined) await clock.sleep(Math.max(0, releaseAt - PREPARE_LEAD_MS - clock.now()), signal);
              const outcome = await executeBurst(
                { cell: spec.id, burst: step.burst, waves, n: step.n, invoke, ...(step.concurrency !== undefined ? { concurrency: step.concurrency } : {}) },
                stepContext(),
              );
              // Only the run's first burst or load waits for the shards' common instant; the rest follow as planned.
              releaseAt = undefined;
              state.bursts.push(outcome.info);
              unsentOf.set(step, outcome.info.notSent);
              for (const r of outcome.records) state.records.push(r);
              if (outcome.interrupted) interrupted = true;
              break;
            }
            case 'load': {
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'burst', detail: `load ${formatStages(step.stages)} (per second), at most ${step.maxInFlight} in flight` });
              const invoke = { functionName: fn, payload: plan.payload, ...(qualifier !== undefined ? { qualifier } : {}) };
              if (releaseAt !== undefined) await clock.sleep(Math.max(0, releaseAt - PREPARE_LEAD_MS - clock.now()), signal);
              const firstLocal = counter.next;
              const outcome = await executeInvokeLoad(
                { cell: spec.id, invoke, stages: step.stages, maxInFlight: step.maxInFlight, windowMs: step.windowMs, ...(step.shard ? { shard: step.shard } : {}) },
                stepContext(),
              );
              releaseAt = undefined;
              // A load stopped early leaves arrivals unsent: later steps keep the indices the plan gave them.
              counter.next = firstLocal + outcome.schedule.count;
              state.bursts.push(outcome.info);
              unsentOf.set(step, outcome.notSent);
              for (const r of outcome.records) state.records.push(r);
              state.load = {
                stages: formatStages(step.stages),
                windowMs: step.windowMs,
                maxInFlight: step.maxInFlight,
                originUs: outcome.originUs,
                durationUs: outcome.schedule.durationUs,
                scheduled: outcome.schedule.count,
                notSent: outcome.notSent,
                startedFromBacklog: outcome.startedFromBacklog,
                windows: outcome.windows,
              };
              if (outcome.interrupted) interrupted = true;
              break;
            }
            case 'delete-provisioned': {
              if (qualifier === undefined) break;
              emit({ type: 'step', atUs: at(), cell: spec.id, step: 'configure', detail: `release provisioned concurrency on ${fn}:${qualifier}` });
              await target.deleteProvisionedConcurrency(fn, qualifier);
              record({ kind: 'provisioned-released', functionName: fn, qualifier });
              if (state.provisionedSince !== undefined) state.provisionedMs += clock.now() - state.provisionedSince;
              state.provisionedSince = undefined;
              break;
            }
          }
        }
        failed = false;
      } finally {
        finishCell(state, failed);
      }
    }
  } catch (caught) {
    if (signal?.aborted) interrupted = true;
    else error = caught instanceof ColdprobeError ? caught : new ColdprobeError('internal', caught instanceof Error ? caught.message : String(caught), { cause: caught });
  } finally {
    cleanup = await runCleanup(target, ledger, emit, at, deps.aliases, deps.journal);
  }
  if (signal?.aborted) interrupted = true;
  // Counted from the steps, not as planned minus records, so the results file can show the two agree.
  let planned = 0;
  let notSent = 0;
  for (const cell of plan.cells) {
    for (const step of cell.steps) {
      const n = stepInvocations(step);
      planned += n;
      notSent += unsentOf.get(step) ?? n;
    }
  }
  const sent = cells.reduce((total, cell) => total + cell.records.length, 0);
  const durationMs = clock.now() - runStartAt;
  emit({ type: 'run-end', atUs: us(durationMs), interrupted });
  const out: RunOutcome = {
    startedAt: wall.toISOString(),
    originMs: runStartAt,
    finishedAt: new Date(wall.getTime() + durationMs).toISOString(),
    durationMs,
    interrupted,
    invocations: { planned, sent, notSent },
    cells,
    cleanup,
    versions: publishedVersions(ledger),
  };
  if (error) out.error = error;
  return out;
}
