/**
 * What `burst` and `run` share once their flags or profile became a plan: the results path checked first, the
 * target opened, the functions read, changes to real functions confirmed, the view chosen, the engine run, the
 * thresholds judged, the results file written and the exit code decided — one way for both.
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ClockOffset } from '../core/clock-offset.js';
import { ExitCode, usageError, type ColdprobeError } from '../core/errors.js';
import { queueWaitNote, withQueueWaitNotice } from '../core/queue-wait.js';
import type { PriceTable } from '../core/cost.js';
import type { EventSink } from '../core/events.js';
import { plannedChanges, plannedInvocations, type PlannedCell, type RunPlan } from '../core/plan.js';
import type { ResultsFile } from '../core/results.js';
import { RunTally } from '../core/tally.js';
import type { Threshold } from '../core/threshold.js';
import { checkQualifiedChanges, executeRun, newRunId, runAliasName, snapshotFunctions, type FunctionBefore, type RunOutcome } from '../engine/run.js';
import { splitQualifiers } from '../core/qualifier.js';
import { finishThresholds, type LostThreshold, ThresholdWatch } from '../engine/thresholds.js';
import { buildResultsFile } from '../io/results-builder.js';
import { checkOutputPath, RESULTS_BYTES_PER_INVOCATION } from '../io/atomic-file.js';
import { writeResultsFile } from '../io/results-write.js';
import { renderShardLine } from '../report/shards.js';
import { globalIndexOf, releaseOffsetUs, type ShardInfo } from '../core/shard.js';
import { chooseView, wantsTui } from '../ui/view.js';
import { renderGlance } from '../report/text.js';
import type { CliIo } from './command.js';
import { confirm } from './confirm.js';
import { releaseAdvice, shardRun, type ShardRequest } from './shard-flags.js';
import { openTarget, withKnownFunctions, type TargetChoice } from './target.js';
import { credentialsExpiryWarning } from '../targets/credentials.js';
import type { Target } from '../targets/target.js';
import { functionsOf, Journal, journalDir, remainingOf, unfinishedJournals, type JournalTarget } from '../io/journal.js';

/** A command's run, resolved from its flags or profile. */
export interface RunRequest {
  command: 'burst' | 'run' | 'load';
  /** What the run is called in messages (the function, or the profile's name). */
  name: string;
  plan: RunPlan;
  target: TargetChoice;
  /** Absolute results path. */
  out: string;
  /** `--yes`: change real AWS functions without asking. */
  yes: boolean;
  /** `--allow-reserved-zero`: a reserved concurrency of 0 (it disables the function) is confirmed on its own. */
  allowReservedZero?: boolean;
  noTui: boolean;
  json: boolean;
  /** Colour wanted (read once by the command: --no-color, NO_COLOR). */
  color: boolean;
  thresholds: readonly Threshold[];
  baseline?: ResultsFile;
  /** Stop as soon as an errors/throttled threshold is lost. */
  abortOnFail: boolean;
  /** With prices, every cell gets a cost estimate. */
  prices?: PriceTable;
  /** The options stored in the results file (never credentials). */
  options: Record<string, unknown>;
  /** `--shard`, `--start-at`, `--start-in`, `--run-id`: this run is one shard of several. */
  shard?: ShardRequest;
  /** Notes about the functions as they are (e.g. a runtime other than the profile says), for every cell. */
  notesAbout?: (before: Map<string, FunctionBefore>) => string[];
  /** The final text: the summary, for the terminal or the log. */
  render(results: ResultsFile, outcome: RunOutcome, style: { color: boolean; width: number; clip: boolean }): string;
  /** `--json`: the text printed on stdout. */
  jsonText(results: ResultsFile, outcome: RunOutcome): string;
}

/** What decides the exit code of a run, in order of precedence. */
export interface RunEnding {
  /** Ended by Ctrl-C (not by a lost threshold). */
  interruptedByUser: boolean;
  /** Stopped early because a threshold was lost (--abort-on-fail). */
  stoppedByThreshold: boolean;
  /** A change to a real function could not be put back. */
  cleanupFailed: boolean;
  /** Every threshold passed (or there were none). */
  thresholdsPassed: boolean;
}

/**
 * The one exit-code policy of a run: Ctrl-C is 130 whatever else happened; a change left on a real function
 * is 3 (the one thing the user must act on); then thresholds decide (10), a run they stopped included.
 */
export function exitCodeOf(ending: RunEnding): number {
  if (ending.interruptedByUser) return ExitCode.interrupted;
  if (ending.cleanupFailed) return ExitCode.targetUnavailable;
  if (ending.stoppedByThreshold || !ending.thresholdsPassed) return ExitCode.thresholdFailed;
  return ExitCode.ok;
}

/** Steps that change a real function whatever it looks like now. */
function changesSurely(cells: readonly PlannedCell[]): boolean {
  return cells.some((c) => c.steps.some((s) => s.kind !== 'burst' && s.kind !== 'load' && s.kind !== 'idle-wait' && s.kind !== 'set-memory'));
}

/**
 * With a watch, wraps `sink` so the run stops (through the returned signal) at the first record that makes a
 * threshold unwinnable; Ctrl-C (`interrupt`) stops it too. Without one, passes `sink` and `interrupt` through.
 */
function abortOnFail(sink: EventSink, watch: ThresholdWatch | undefined, interrupt: AbortSignal): { sink: EventSink; signal: AbortSignal; lost: () => LostThreshold | undefined } {
  if (watch === undefined) return { sink, signal: interrupt, lost: () => undefined };
  const controller = new AbortController();
  if (interrupt.aborted) controller.abort();
  else interrupt.addEventListener('abort', () => controller.abort(), { once: true });
  let lost: LostThreshold | undefined;
  const watched: EventSink = (event) => {
    sink(event);
    if (event.type !== 'record' || lost !== undefined) return;
    lost = watch.observe(event.record);
    if (lost === undefined) return;
    sink({ type: 'notice', atUs: event.record.finishedUs, level: 'warn', message: `${lost.detail}; stopping the run (--abort-on-fail)` });
    controller.abort();
  };
  return { sink: watched, signal: controller.signal, lost: () => lost };
}

/** Where a journaled run ran, to reach the same functions again from `coldprobe cleanup`. */
function journalTarget(target: Target, choice: TargetChoice): JournalTarget {
  const region = (target as { region?: unknown }).region;
  const out: JournalTarget = { region: typeof region === 'string' ? region : '', description: target.description };
  if (choice.kind === 'aws' && choice.profile !== undefined) out.profile = choice.profile;
  if (target.endpoint !== undefined) out.endpoint = target.endpoint;
  return out;
}

/** The idle gaps between waves the plan waits out, ms: a lower bound of how long the run takes. */
function plannedIdleMs(cells: readonly PlannedCell[]): number {
  let ms = 0;
  for (const cell of cells) for (const step of cell.steps) if (step.kind === 'idle-wait') ms += step.ms;
  return ms;
}

/** Perform a resolved run: the shared body of `burst` and `run`. Returns the exit code. */
export async function executeCommand(given: RunRequest, io: CliIo): Promise<number> {
  // `fn:3` and `--qualifier 3` alike: the run reads and changes the unqualified function, and invokes what was named.
  const whole: RunRequest = { ...given, plan: { ...given.plan, cells: splitQualifiers(given.plan.cells) } };
  // A shard runs its slice of the plan; a burst too small to split is refused before anything else happens.
  const shardRequest = whole.shard;
  const shard = shardRequest !== undefined ? shardRun(whole.plan, shardRequest, whole.command, whole.target.kind) : undefined;
  const req: RunRequest = shard !== undefined ? { ...whole, plan: shard.plan } : whole;
  // Names the run's journal, its alias and the description of the versions it publishes.
  const runId = newRunId();
  // Reserved concurrency 0 stops every invocation of a real function, its production traffic included: --yes
  // is not enough, it needs its own flag.
  const disables = req.plan.cells.filter((c) => c.steps.some((s) => s.kind === 'set-reserved' && s.count === 0)).map((c) => c.spec.functionName);
  if (req.target.kind === 'aws' && disables.length > 0 && req.allowReservedZero !== true) {
    throw usageError(
      `reserved concurrency 0 on '${[...new Set(disables)].join("', '")}' stops every invocation of it, production traffic included, until coldprobe puts it back; add --allow-reserved-zero to confirm that on its own.`,
    );
  }
  // Checked before anything runs: an unwritable --out must not cost a run (possibly on AWS).
  checkOutputPath(req.out, '--out', plannedInvocations(req.plan.cells) * RESULTS_BYTES_PER_INVOCATION);
  const aws = req.target.kind === 'aws';
  const refuse = (): ColdprobeError =>
    usageError(`${req.command}: this changes real AWS functions (${req.name}); add --yes to confirm in a non-interactive shell.`);
  let opened: Awaited<ReturnType<typeof openTarget>>;
  // The emulator takes a second or two to start, before the live view can draw: say so rather than show nothing.
  if (req.target.kind === 'emulator' && wantsTui(io, { noTui: req.noTui, json: req.json })) io.stdout.write('coldprobe: starting the emulator…\n');
  try {
    opened = await openTarget(req.target);
  } catch (error) {
    // The missing --yes is bad input, and the user's to fix first, even where the target cannot be reached.
    if (aws && !req.yes && io.stdin.isTTY !== true && changesSurely(req.plan.cells)) throw refuse();
    throw error;
  }
  const { target, notes, aliases } = opened;
  // A lower bound of the run's length: the idle gaps between the waves of every cell.
  const expiry = credentialsExpiryWarning(target, plannedIdleMs(req.plan.cells), Date.now());
  if (expiry !== undefined) io.stderr.write(`coldprobe: warning: ${expiry}\n`);
  let outcome: RunOutcome;
  let lost: LostThreshold | undefined;
  let finishView: (text: string, resultsPath?: string) => Promise<void>;
  let liveView = false;
  let clockOffset: ClockOffset | undefined;
  try {
    // A missing function fails here (exit 3), before anything changed and before any view has drawn anything.
    const before = await snapshotFunctions(target, req.plan.cells).catch((error: unknown) => {
      throw withKnownFunctions(error, req.target);
    });
    notes.push(...(req.notesAbout?.(before) ?? []));
    // Changing $LATEST while measuring a version or alias is refused before anything is confirmed or changed.
    checkQualifiedChanges(req.plan.cells, before);
    if (aws) {
      const changes = plannedChanges(
        req.plan.cells,
        [...before.values()].map((b) => ({ functionName: b.info.functionName, memoryMb: b.info.memoryMb, ...(b.reservedConcurrency !== undefined ? { reservedConcurrency: b.reservedConcurrency } : {}) })),
        aliases ? runAliasName(runId) : undefined,
      );
      const cells = req.plan.cells.length;
      io.stderr.write(
        `coldprobe ${req.command} ${req.name} on ${target.description}: ${cells} ${cells === 1 ? 'cell' : 'cells'}, ${plannedInvocations(req.plan.cells)} invocations.\n` +
          (changes.length > 0 ? `It will change real functions:\n${changes.map((c) => `  - ${c}`).join('\n')}\n` : 'It changes no function configuration.\n'),
      );
      if (changes.length > 0 && !req.yes) {
        if (io.stdin.isTTY !== true) throw refuse();
        if (!(await confirm(io, 'Proceed?'))) {
          io.stderr.write('coldprobe: nothing was changed.\n');
          return io.signal.aborted ? ExitCode.interrupted : ExitCode.usage;
        }
      }
    }

    // AWS: every change is journaled on disk before it is made. A function with a journal left by an earlier
    // run is not in the state that run found; changing it again would take leftovers for the original.
    let journal: Journal | undefined;
    if (aws) {
      const dir = journalDir(io.env);
      const touched = new Set(req.plan.cells.map((c) => c.spec.functionName));
      for (const state of unfinishedJournals(dir)) {
        const blocked = [...functionsOf(remainingOf(state))].filter((fn) => touched.has(fn));
        if (blocked.length === 0) continue;
        const what = `'${blocked.join("', '")}' still carries changes of the ${state.header.command} started ${state.header.startedAt} (journal ${state.path})`;
        if (changesSurely(req.plan.cells) || req.plan.cells.some((c) => c.steps.some((s) => s.kind === 'set-memory'))) {
          throw usageError(`${what}; run 'coldprobe cleanup' first.`);
        }
        notes.push(`warning: ${what}; 'coldprobe cleanup' puts them back`);
      }
      journal = Journal.create(dir, {
        runId,
        command: req.command,
        startedAt: new Date().toISOString(),
        pid: process.pid,
        target: journalTarget(target, req.target),
      });
    }
    const tally = new RunTally();
    const view = await chooseView(io, { noTui: req.noTui, json: req.json, color: req.color, tally });
    for (const note of notes) view.sink({ type: 'notice', atUs: 0, level: note.startsWith('CPU quotas unavailable') ? 'warn' : 'info', message: note });
    const stop = abortOnFail(withQueueWaitNotice(view.sink, target.initSlots), req.abortOnFail ? new ThresholdWatch(req.thresholds, tally) : undefined, io.signal);
    try {
      outcome = await executeRun(req.plan, target, {
        emit: stop.sink,
        signal: stop.signal,
        tally,
        before,
        notes,
        runId,
        ...(aliases ? { aliases } : {}),
        ...(req.prices ? { prices: req.prices } : {}),
        ...(journal ? { journal } : {}),
        ...(shard !== undefined ? { indexOf: (local: number) => globalIndexOf(shard.segments, local) } : {}),
        // The engine's clock is performance.now(); its origin is this process's start on the wall clock.
        ...(shard?.releaseAtMs !== undefined ? { releaseAt: shard.releaseAtMs - performance.timeOrigin } : {}),
        // performance.now() is how long after its start this process got ready.
        ...(shardRequest !== undefined ? { releaseAdvice: () => releaseAdvice(shardRequest, performance.now()) } : {}),
      });
      journal?.close();
      lost = stop.lost();
    } catch (error) {
      await view.finish('');
      throw error;
    }
    finishView = (text, resultsPath) => view.finish(text, resultsPath);
    liveView = view.kind === 'tui';
    // Measured after the run, so its requests never compete with the release.
    if (shard !== undefined && !io.signal.aborted) {
      // Loaded only for shards, like every target module (a plain burst's start-up stays as it was).
      const { clockProbeUrl, measureClockOffset } = await import('../targets/clock-probe.js');
      const probeUrl = await clockProbeUrl(target);
      if (probeUrl !== undefined) clockOffset = await measureClockOffset(probeUrl, { signal: io.signal });
    }
  } finally {
    await target.close();
  }

  // A Ctrl-C that came as the last responses arrived (or while the target closed) still interrupted the run: the
  // user asked it to stop, and the exit code and the results file say so alike.
  if (io.signal.aborted && !outcome.interrupted) outcome = { ...outcome, interrupted: true };
  const results = buildResultsFile(req.command, outcome, target, req.options);
  // Cold starts that queued for the emulator's init slots: the reader must know their latency includes the wait.
  for (const cell of results.cells) {
    const note = queueWaitNote(cell.records, target.initSlots);
    if (note !== undefined) cell.notes = [...(cell.notes ?? []), note];
  }
  if (shard !== undefined) {
    const info: ShardInfo = { index: shard.shard.index, count: shard.shard.count, runId: shard.runId, planId: shard.planId, host: hostname() };
    if (shard.releaseAtMs !== undefined) info.releaseAt = new Date(shard.releaseAtMs).toISOString();
    const firstCell = results.cells[0];
    const first = firstCell?.bursts[0];
    const offsetUs = firstCell === undefined ? undefined : releaseOffsetUs(firstCell);
    if (first !== undefined && first.notSent < first.n && offsetUs !== undefined) info.releasedAtUs = Math.round((performance.timeOrigin + outcome.originMs) * 1000) + offsetUs;
    if (clockOffset !== undefined) info.clockOffset = clockOffset;
    results.shard = info;
  }
  const judged = req.thresholds.length > 0 && outcome.error === undefined ? finishThresholds(results, req.thresholds, req.baseline) : undefined;
  if (judged) results.thresholds = judged.verdicts;
  // Nothing sent is lost: a run stopped by a setup failure still writes what its finished cells measured.
  writeResultsFile(req.out, results);
  const text = req.render(results, outcome, { color: req.color && io.stdout.isTTY === true, width: io.stdout.columns ?? 80, clip: io.stdout.isTTY === true });
  const shown = results.shard !== undefined ? `${text}\n${renderShardLine(results.shard)}` : text;
  // On a terminal the summary can be taller than the screen: the essentials come last, beside the results path.
  const glance = liveView ? `\n${renderGlance(results, { color: req.color, width: io.stdout.columns ?? 80 })}` : '';
  await finishView(`${shown.replace(/\n+$/, '')}\n${glance}`, req.out);
  if (req.json) io.stdout.write(req.jsonText(results, outcome) + '\n');
  if (outcome.error) throw outcome.error;
  // The emulator itself failed (out of file descriptors, or it died): its records do not measure the function.
  const failure = target.failure?.();
  if (failure !== undefined && !outcome.interrupted) {
    io.stderr.write(`error: ${failure}\n`);
    return ExitCode.targetUnavailable;
  }
  const stoppedByThreshold = lost !== undefined && !io.signal.aborted;
  return exitCodeOf({
    interruptedByUser: outcome.interrupted && !stoppedByThreshold,
    stoppedByThreshold,
    cleanupFailed: outcome.cleanup.failed.length > 0,
    thresholdsPassed: judged === undefined || judged.exitCode === ExitCode.ok,
  });
}
