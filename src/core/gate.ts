/**
 * The CI gate's verdict over one results file: every threshold on every cell in its scope, plus (with a
 * baseline) the noise-aware regression check of each matched cell. Pure; the CLI renders and exits on it.
 */
import { compareResults, matchCells, type CellComparison, type CompareOptions } from './compare.js';
import type { CellResult, ResultsFile } from './results.js';
import { evaluateThresholds, type Threshold, type VerdictStatus } from './threshold.js';

/** One line of the gate: a threshold on a cell, or the regression check of one metric of a cell. */
export interface GateItem {
  kind: 'threshold' | 'regression';
  cell: string;
  metric: string;
  /** The threshold expression, or `<metric> vs baseline`. */
  name: string;
  status: VerdictStatus;
  detail: string;
}

/** The whole gate. */
export interface GateResult {
  items: GateItem[];
  comparisons: CellComparison[];
  passed: boolean;
  /** Inconclusive items count as failures. */
  strict: boolean;
  counts: Record<VerdictStatus, number>;
  /** Parts of the gate that did not run, one sentence each, so a report never passes silently over them. */
  skipped: string[];
}

/** Options of {@link runGate}. */
export interface GateOptions extends CompareOptions {
  /** Treat inconclusive items (too few samples, no baseline cell) as failures. */
  strict?: boolean;
  /** Skip the default regression check even when a baseline is given (thresholds only). */
  thresholdsOnly?: boolean;
  /** Why there is no baseline, when the caller knows (e.g. the profile names none); said in `skipped`. */
  noBaselineReason?: string;
}

/** Evaluate thresholds and, when a baseline is given, the regression check; decide pass or fail. */
export function runGate(
  current: ResultsFile,
  thresholds: readonly Threshold[],
  baseline?: ResultsFile,
  options: GateOptions = {},
): GateResult {
  const pairs = baseline ? matchCells(baseline.cells, current.cells) : [];
  const baselineFor = (cell: CellResult): CellResult | undefined => pairs.find((p) => p.current === cell)?.baseline;
  const items: GateItem[] = evaluateThresholds(thresholds, current.cells, baselineFor).map((v) => ({
    kind: 'threshold',
    cell: v.cell,
    metric: v.metric,
    name: v.expression,
    status: v.status,
    detail: v.detail,
  }));
  const comparisons = baseline ? compareResults(baseline, current, options) : [];
  if (baseline && !options.thresholdsOnly) items.push(...regressionItems(comparisons));
  if (current.interrupted) {
    items.push({
      kind: 'threshold',
      cell: '*',
      metric: 'interrupted',
      name: 'run completed',
      status: 'inconclusive',
      detail: 'the run was interrupted, so its records are partial',
    });
  }
  const counts: Record<VerdictStatus, number> = { pass: 0, fail: 0, inconclusive: 0 };
  for (const item of items) counts[item.status]++;
  const strict = options.strict ?? false;
  const skipped: string[] = [];
  if (!baseline) skipped.push(`regression check skipped: ${options.noBaselineReason ?? 'no baseline was given'}.`);
  else if (options.thresholdsOnly) skipped.push('regression check skipped: --thresholds-only.');
  return { items, comparisons, strict, counts, skipped, passed: counts.fail === 0 && (!strict || counts.inconclusive === 0) };
}

function regressionItems(comparisons: readonly CellComparison[]): GateItem[] {
  const items: GateItem[] = [];
  for (const c of comparisons) {
    if (!c.pair.current) {
      items.push({
        kind: 'regression',
        cell: c.pair.id,
        metric: '*',
        name: 'cell present',
        status: 'inconclusive',
        detail: `cell ${c.pair.id} is in the baseline but not in this run`,
      });
      continue;
    }
    if (!c.pair.baseline) {
      items.push({
        kind: 'regression',
        cell: c.pair.id,
        metric: '*',
        name: 'baseline cell',
        status: 'inconclusive',
        detail: `no baseline cell for ${c.pair.id} (new cell?)`,
      });
      continue;
    }
    for (const m of [...c.regressions, ...c.inconclusive]) {
      items.push({
        kind: 'regression',
        cell: c.pair.id,
        metric: m.metric,
        name: `${m.metric} vs baseline`,
        status: m.noise?.verdict === 'regression' ? 'fail' : 'inconclusive',
        detail: `${m.metric}: ${m.noise?.reason ?? 'no noise verdict'}`,
      });
    }
    items.push(...gatedPasses(c));
  }
  return items;
}

/** Gated metrics that were judged and did not regress, as passing items, so reports show what was checked. */
function gatedPasses(c: CellComparison): GateItem[] {
  const flagged = new Set([...c.regressions, ...c.inconclusive].map((m) => m.metric));
  return c.gated
    .filter((m) => !flagged.has(m.metric) && m.noise !== undefined)
    .map((m) => ({
      kind: 'regression' as const,
      cell: c.pair.id,
      metric: m.metric,
      name: `${m.metric} vs baseline`,
      status: 'pass' as const,
      detail: `${m.metric}: ${m.noise?.reason ?? ''}`,
    }));
}
