/**
 * Thresholds for `burst` and `run`: parse them before anything runs, watch records for a threshold that is
 * already lost (for an early abort), and judge them at the end. Pure apart from what callers pass in.
 *
 *   const thresholds = parseThresholdsOrThrow([...profile.thresholds ?? [], ...flags.threshold ?? []]);
 *   const watch = new ThresholdWatch(thresholds);      // optional: early abort
 *   ... for each record: const lost = watch.observe(record); if (lost) abort(lost.detail)
 *   const end = finishThresholds(results, thresholds, baseline);
 *   results.thresholds = end.verdicts; write the results file; print end.gate; return end.exitCode;
 */
import { usageError } from '../core/errors.js';
import { ExitCode } from '../core/errors.js';
import { runGate, type GateOptions, type GateResult } from '../core/gate.js';
import type { ResultsFile } from '../core/results.js';
import { parseThresholds, scopeMatches, type Threshold } from '../core/threshold.js';
import { SummaryAccumulator } from '../core/summary.js';
import type { RunTally } from '../core/tally.js';
import type { InvocationRecord } from '../core/types.js';

/**
 * Parse threshold expressions (from a profile and `--threshold` flags); throws one usage error (exit 2)
 * naming every bad expression, its column and the known metrics.
 */
export function parseThresholdsOrThrow(sources: readonly string[]): Threshold[] {
  const { thresholds, errors } = parseThresholds(sources);
  if (errors.length > 0) {
    const [first, ...rest] = errors;
    const more = rest.length > 0 ? ` Also: ${rest.map((e) => e.message).join('; ')}.` : '';
    throw usageError(`bad ${first!.message}.${more}`);
  }
  return thresholds;
}

/** True when any threshold needs a baseline (`baseline * 1.10`), so the caller must load one. */
export function needsBaseline(thresholds: readonly Threshold[]): boolean {
  return thresholds.some((t) => t.bound.type === 'baseline');
}

/** A threshold that can no longer pass, whatever the rest of the run does. */
export interface LostThreshold {
  expression: string;
  cell: string;
  detail: string;
}

/**
 * Watches records as they arrive and reports the first threshold already lost: only absolute upper bounds
 * on counters (`errors == 0`, `throttled < 5`, `errors.Sandbox.Timedout <= 2`), because counters only grow.
 * The counts are the run's tally's (the engine feeds it before sinks see a record), so the watch and the final
 * summary count the same way; without a tally (tests) the watch counts the records it is given itself.
 */
export class ThresholdWatch {
  private readonly watched: Threshold[];
  private readonly own = new Map<string, SummaryAccumulator>();
  private lost: LostThreshold | undefined;

  constructor(
    thresholds: readonly Threshold[],
    private readonly tally?: RunTally,
  ) {
    this.watched = thresholds.filter(
      (t) =>
        t.metric.type === 'count' &&
        (t.metric.counter === 'errors' || t.metric.counter === 'throttled') &&
        t.bound.type === 'absolute' &&
        (t.op === '<' || t.op === '<=' || t.op === '=='),
    );
  }

  /** Whether any threshold can be lost early; callers may skip observing when false. */
  get active(): boolean {
    return this.watched.length > 0;
  }

  /** Count one record; returns the first lost threshold (and keeps returning it). */
  observe(record: InvocationRecord): LostThreshold | undefined {
    if (this.lost) return this.lost;
    const summary = this.summaryOf(record);
    if (record.outcome === 'ok' || summary === undefined) return undefined;
    const counter = record.outcome === 'throttled' ? 'throttled' : 'errors';
    for (const t of this.watched) {
      if (t.metric.type !== 'count' || t.bound.type !== 'absolute') continue;
      if (t.metric.counter !== counter) continue;
      if (!scopeMatches(t.scope, record.cell)) continue;
      const n = summary.counter(counter, t.metric.key);
      const limit = t.bound.value;
      const gone = t.op === '<' ? n >= limit : n > limit;
      if (gone) {
        this.lost = {
          expression: t.source,
          cell: record.cell,
          detail: `threshold '${t.source}' is already lost in cell ${record.cell}: ${t.metric.name} reached ${n}`,
        };
        return this.lost;
      }
    }
    return undefined;
  }

  private summaryOf(record: InvocationRecord): SummaryAccumulator | undefined {
    if (this.tally) return this.tally.cell(record.cell)?.summary;
    let own = this.own.get(record.cell);
    if (own === undefined) {
      own = new SummaryAccumulator({ functionName: '', runtime: '', memoryMb: 0 });
      this.own.set(record.cell, own);
    }
    own.add(record);
    return own;
  }
}

/** What {@link finishThresholds} returns: the gate, the verdicts for the results file, and the exit code. */
export interface ThresholdOutcome {
  gate: GateResult;
  /** For `ResultsFile.thresholds`. */
  verdicts: NonNullable<ResultsFile['thresholds']>;
  /** 0 when every threshold passed, 10 otherwise. */
  exitCode: typeof ExitCode.ok | typeof ExitCode.thresholdFailed;
}

/**
 * Judge thresholds at the end of a run (with the baseline's cells for `baseline * …` limits); the regression
 * check of `coldprobe check` is off here unless `options.thresholdsOnly` is false.
 */
export function finishThresholds(
  results: ResultsFile,
  thresholds: readonly Threshold[],
  baseline?: ResultsFile,
  options: GateOptions = {},
): ThresholdOutcome {
  const gate = runGate(results, thresholds, baseline, { thresholdsOnly: true, ...options });
  const verdicts = gate.items
    .filter((i) => i.kind === 'threshold')
    .map((i) => ({ expression: i.name, cell: i.cell, passed: i.status !== 'fail', detail: i.detail }));
  return { gate, verdicts, exitCode: gate.passed ? ExitCode.ok : ExitCode.thresholdFailed };
}
