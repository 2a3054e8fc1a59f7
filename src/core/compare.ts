/**
 * Cell-by-cell comparison of two results files (a baseline and a current run): cells matched by id, then by
 * function/runtime/memory/provisioned; per metric the two values, the relative delta and, for latency
 * percentiles, the noise verdict. Pure.
 */
import {
  familyWaves,
  judgedByWave,
  metricKind,
  metricValue,
  resolveMetric,
  statQuantile,
  type Metric,
  type MetricKind,
} from './cell-metrics.js';
import { compareSamples, compareWaves, type NoiseResult } from './noise.js';
import type { CellResult, ResultsFile } from './results.js';

/** Two cells that stand for the same configuration; one side is missing when a cell was added or removed. */
export interface CellPair {
  /** The current cell's id, or the baseline's when the current side is missing. */
  id: string;
  label: string;
  baseline?: CellResult;
  current?: CellResult;
  matchedBy: 'id' | 'spec' | 'unmatched';
}

/** One metric of one pair. */
export interface MetricComparison {
  metric: string;
  kind: MetricKind;
  baseline?: number;
  current?: number;
  /** (current - baseline) / baseline, when both exist and baseline > 0. */
  delta?: number;
  /** Noise verdict, for latency percentiles the test covers. */
  noise?: NoiseResult;
}

/** All metrics of one pair, and whether any of the gated ones regressed beyond the noise. */
export interface CellComparison {
  pair: CellPair;
  metrics: MetricComparison[];
  /** The gated metrics, judged by the noise test. */
  gated: MetricComparison[];
  regressions: MetricComparison[];
  inconclusive: MetricComparison[];
}

/** Options of {@link compareResults}. */
export interface CompareOptions {
  /** Metrics shown, default {@link DEFAULT_COMPARE_METRICS}. */
  metrics?: readonly string[];
  /** Metrics whose noise verdict counts as a regression, default {@link DEFAULT_GATED_METRICS}. */
  gated?: readonly string[];
  /** Smallest relative change that counts (0.10 = 10%), default 0.10. */
  minEffect?: number;
  seed?: number;
}

/** Metrics `compare` shows per cell. */
export const DEFAULT_COMPARE_METRICS: readonly string[] = [
  'cold.init.p50',
  'cold.init.p99',
  'cold.latency.p50',
  'cold.latency.p99',
  'warm.latency.p50',
  'warm.latency.p99',
  'cold_ratio',
  'throttled',
  'errors',
];

/**
 * Metrics whose regression fails `check --baseline` without explicit thresholds: medians, because they are
 * the only percentiles a typical CI burst has enough samples to judge (p99 needs 500 per side).
 */
export const DEFAULT_GATED_METRICS: readonly string[] = ['cold.init.p50', 'cold.latency.p50', 'warm.latency.p50'];

const specKey = (cell: CellResult): string =>
  [cell.spec.functionName, cell.spec.runtime, cell.spec.memoryMb, cell.spec.provisioned].join('|');

/** Pair current cells with baseline cells: by id first, then by function/runtime/memory/provisioned. */
export function matchCells(baseline: readonly CellResult[], current: readonly CellResult[]): CellPair[] {
  const unused = new Set(baseline);
  const pairs: CellPair[] = [];
  const pending: CellResult[] = [];
  for (const cell of current) {
    const byId = [...unused].find((b) => b.spec.id === cell.spec.id);
    if (byId) {
      unused.delete(byId);
      pairs.push({ id: cell.spec.id, label: cell.spec.label, baseline: byId, current: cell, matchedBy: 'id' });
    } else {
      pending.push(cell);
    }
  }
  for (const cell of pending) {
    const bySpec = [...unused].find((b) => specKey(b) === specKey(cell));
    if (bySpec) {
      unused.delete(bySpec);
      pairs.push({ id: cell.spec.id, label: cell.spec.label, baseline: bySpec, current: cell, matchedBy: 'spec' });
    } else {
      pairs.push({ id: cell.spec.id, label: cell.spec.label, current: cell, matchedBy: 'unmatched' });
    }
  }
  for (const b of unused) pairs.push({ id: b.spec.id, label: b.spec.label, baseline: b, matchedBy: 'unmatched' });
  return pairs;
}

function resolve(name: string): Metric {
  const metric = resolveMetric(name);
  // Metric lists here are ours, not user input: an unknown name is a programming error.
  if (!metric) throw new Error(`compare: unknown metric ${name}`);
  return metric;
}

function compareMetric(name: string, pair: CellPair, options: CompareOptions): MetricComparison {
  const metric = resolve(name);
  const base = pair.baseline ? metricValue(pair.baseline, metric) : undefined;
  const cur = pair.current ? metricValue(pair.current, metric) : undefined;
  const out: MetricComparison = { metric: name, kind: metricKind(metric) };
  if (base !== undefined) out.baseline = base;
  if (cur !== undefined) out.current = cur;
  if (base !== undefined && cur !== undefined && base > 0) out.delta = (cur - base) / base;
  const quantile = metric.type === 'time' ? statQuantile(metric.stat) : undefined;
  if (metric.type === 'time' && quantile !== undefined && pair.baseline && pair.current) {
    const a = familyWaves(pair.baseline, metric.family);
    const b = familyWaves(pair.current, metric.family);
    // A family absent on both sides (no warm starts in an all-cold burst) has nothing to judge.
    if (a.length > 0 || b.length > 0) {
      const noise = { quantile, minEffect: options.minEffect ?? 0.1, ...(options.seed === undefined ? {} : { seed: options.seed }) };
      out.noise = judgedByWave(metric.family) ? compareWaves(a, b, noise) : compareSamples(a.flat(), b.flat(), noise);
    }
  }
  return out;
}

/** Compare every matched cell of `current` against `baseline`. */
export function compareResults(baseline: ResultsFile, current: ResultsFile, options: CompareOptions = {}): CellComparison[] {
  const names = options.metrics ?? DEFAULT_COMPARE_METRICS;
  const gated = new Set(options.gated ?? DEFAULT_GATED_METRICS);
  const allNames = [...names, ...[...gated].filter((g) => !names.includes(g))];
  return matchCells(baseline.cells, current.cells).map((pair) => {
    const metrics = allNames.map((name) => compareMetric(name, pair, options));
    const gatedMetrics = metrics.filter((m) => gated.has(m.metric));
    return {
      pair,
      metrics: metrics.filter((m) => names.includes(m.metric)),
      gated: gatedMetrics,
      regressions: gatedMetrics.filter((m) => m.noise?.verdict === 'regression'),
      inconclusive: gatedMetrics.filter((m) => m.noise?.verdict === 'cannot-judge'),
    };
  });
}
