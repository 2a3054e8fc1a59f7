/**
 * The metric catalogue shared by thresholds and compare: which names exist, what kind of value each one
 * holds, how to read it from a cell, and which recorded samples stand behind it for the noise test.
 * Pure: data in, numbers out.
 */
import type { CellResult } from './results.js';
import { classifiedCount } from './summary.js';
import type { InvocationRecord, LatencyStats } from './types.js';

/** What a metric measures: a time (µs), a count, or a ratio in [0, 1]. */
export type MetricKind = 'time' | 'count' | 'ratio';

/** Latency-like families whose percentiles come from a histogram and whose samples come from records. */
export type TimeFamily = 'latency' | 'cold.latency' | 'warm.latency' | 'cold.init';

/** Percentile-like statistics of a time family. */
export type Stat = 'min' | 'mean' | 'p50' | 'p90' | 'p99' | 'p99.9' | 'max';

export const STATS: readonly Stat[] = ['min', 'mean', 'p50', 'p90', 'p99', 'p99.9', 'max'];
export const TIME_FAMILIES: readonly TimeFamily[] = ['latency', 'cold.latency', 'warm.latency', 'cold.init'];

/** Counters: plain names, and the two that take a `.<key>` suffix. */
const COUNTERS = ['invocations', 'cold', 'pre_initialized', 'warm', 'unknown', 'throttled', 'errors'] as const;
type Counter = (typeof COUNTERS)[number];

/** A resolved metric name. */
export type Metric =
  | { type: 'time'; name: string; family: TimeFamily; stat: Stat }
  | { type: 'count'; name: string; counter: Counter; key?: string }
  | { type: 'ratio'; name: 'cold_ratio' | 'pre_initialized_ratio' }
  | { type: 'spread'; name: 'release_spread' };

/** Human list of known metric names, for error messages and docs. */
export const KNOWN_METRICS: readonly string[] = [
  'latency.<stat>',
  'cold.latency.<stat>',
  'warm.latency.<stat>',
  'cold.init.<stat>',
  'cold_ratio',
  'pre_initialized_ratio',
  'invocations',
  'cold',
  'pre_initialized',
  'warm',
  'unknown',
  'throttled',
  'throttled.<Reason>',
  'errors',
  'errors.<Type>',
  'release_spread',
];

/** Every metric name without a placeholder (keyed counters aside), e.g. for "did you mean" suggestions. */
export const METRIC_NAMES: readonly string[] = [
  'cold_ratio',
  'pre_initialized_ratio',
  ...COUNTERS,
  'release_spread',
  ...TIME_FAMILIES.flatMap((family) => STATS.map((stat) => `${family}.${stat}`)),
];

/** Kind of value a metric holds, which decides the units its threshold values may use. */
export function metricKind(metric: Metric): MetricKind {
  switch (metric.type) {
    case 'time':
    case 'spread':
      return 'time';
    case 'count':
      return 'count';
    case 'ratio':
      return 'ratio';
  }
}

/** Resolve a metric name (`cold.init.p99`, `init.p99` alias, `throttled.<Reason>`); undefined when unknown. */
export function resolveMetric(name: string): Metric | undefined {
  if (name === 'cold_ratio' || name === 'pre_initialized_ratio') return { type: 'ratio', name };
  if (name === 'release_spread') return { type: 'spread', name };
  // Aliases: `init.*` (init duration only exists for cold starts), and `cold.p99`/`warm.p99` for latency.
  const short = /^(cold|warm)\.(min|mean|p50|p90|p99|p99\.9|max)$/.exec(name);
  const normalised = name.startsWith('init.') ? `cold.${name}` : short ? `${short[1]}.latency.${short[2]}` : name;
  for (const family of TIME_FAMILIES) {
    if (normalised.startsWith(`${family}.`)) {
      const stat = normalised.slice(family.length + 1);
      if ((STATS as readonly string[]).includes(stat)) return { type: 'time', name: normalised, family, stat: stat as Stat };
      return undefined;
    }
  }
  if ((COUNTERS as readonly string[]).includes(name)) return { type: 'count', name, counter: name as Counter };
  for (const counter of ['throttled', 'errors'] as const) {
    if (name.startsWith(`${counter}.`) && name.length > counter.length + 1) {
      return { type: 'count', name, counter, key: name.slice(counter.length + 1) };
    }
  }
  return undefined;
}

function statsOf(cell: CellResult, family: TimeFamily): LatencyStats {
  const s = cell.summary;
  switch (family) {
    case 'latency':
      return s.latency.all;
    case 'cold.latency':
      return s.latency.cold;
    case 'warm.latency':
      return s.latency.warm;
    case 'cold.init':
      return s.initDuration;
  }
}

function statValue(stats: LatencyStats, stat: Stat): number {
  switch (stat) {
    case 'min':
      return stats.minUs;
    case 'mean':
      return stats.meanUs;
    case 'p50':
      return stats.p50Us;
    case 'p90':
      return stats.p90Us;
    case 'p99':
      return stats.p99Us;
    case 'p99.9':
      return stats.p999Us;
    case 'max':
      return stats.maxUs;
  }
}

/** Invocations that failed other than by throttling (function errors, service errors, timeouts, transport). */
export function errorCount(cell: CellResult): number {
  const b = cell.summary.byOutcome;
  return (b['function-error'] ?? 0) + (b['service-error'] ?? 0) + (b['client-timeout'] ?? 0) + (b['transport-error'] ?? 0);
}

/**
 * The metric's value for a cell (µs for times, a count, or a ratio), or undefined when the cell has no
 * sample behind it (a warm percentile in an all-cold burst).
 */
export function metricValue(cell: CellResult, metric: Metric): number | undefined {
  const s = cell.summary;
  switch (metric.type) {
    case 'time': {
      const stats = statsOf(cell, metric.family);
      return stats.count > 0 ? statValue(stats, metric.stat) : undefined;
    }
    case 'ratio': {
      // Both ratios are over every classified invocation (cold + pre-initialized + warm).
      const classified = classifiedCount(s);
      if (classified === 0) return undefined;
      return metric.name === 'cold_ratio' ? s.coldRatio : s.preInitialized / classified;
    }
    case 'spread':
      return cell.bursts.length > 0 ? Math.max(...cell.bursts.map((b) => b.releaseSpreadUs)) : undefined;
    case 'count':
      switch (metric.counter) {
        case 'invocations':
          return s.total;
        case 'cold':
          return s.cold;
        case 'pre_initialized':
          return s.preInitialized;
        case 'warm':
          return s.warm;
        case 'unknown':
          return s.unknown;
        case 'throttled':
          return metric.key === undefined ? (s.byOutcome.throttled ?? 0) : (s.throttlesByReason[metric.key] ?? 0);
        case 'errors':
          return metric.key === undefined ? errorCount(cell) : (s.errorsByType[metric.key] ?? 0);
      }
  }
}

/** Quantile (0..1) a stat stands for, for the noise test; undefined for stats the test does not cover. */
export function statQuantile(stat: Stat): number | undefined {
  switch (stat) {
    case 'p50':
      return 0.5;
    case 'p90':
      return 0.9;
    case 'p99':
      return 0.99;
    case 'p99.9':
      return 0.999;
    default:
      return undefined;
  }
}

function inFamily(record: InvocationRecord, family: TimeFamily): boolean {
  // The same records the summary's histograms hold (every outcome), so a threshold's observed value and
  // the samples its noise test resamples describe one population.
  switch (family) {
    case 'latency':
      // An interrupted invocation never ended: the histograms leave it out, and so do the samples.
      return record.outcome !== 'interrupted';
    case 'cold.latency':
    case 'cold.init':
      return record.classification === 'cold';
    case 'warm.latency':
      return record.classification === 'warm';
  }
}

/**
 * Whether a family's samples are judged wave by wave: client latencies of invocations released together share
 * the state of the machine and the target at that moment (on a shared machine a whole wave moved by 12× between
 * runs of the same code while its 25 latencies stayed within 1%), so they are one draw, not 25. An Init
 * Duration is each environment's own.
 */
export function judgedByWave(family: TimeFamily): boolean {
  return family !== 'cold.init';
}

/** A family's samples grouped by the wave (burst) they were released in, waves in order; empty waves left out. */
export function familyWaves(cell: CellResult, family: TimeFamily): number[][] {
  const byWave = new Map<number, number[]>();
  for (const record of cell.records) {
    if (!inFamily(record, family)) continue;
    const value = family === 'cold.init' ? record.report?.initDurationMs : record.latencyUs;
    if (value === undefined) continue;
    let wave = byWave.get(record.burst);
    if (wave === undefined) byWave.set(record.burst, (wave = []));
    wave.push(family === 'cold.init' ? value * 1000 : value);
  }
  return [...byWave.entries()].sort((a, b) => a[0] - b[0]).map(([, values]) => values);
}

/** The recorded samples (µs) behind a time family: client latency, or the REPORT's Init Duration. */
export function familySamples(cell: CellResult, family: TimeFamily): number[] {
  const out: number[] = [];
  for (const record of cell.records) {
    if (!inFamily(record, family)) continue;
    if (family === 'cold.init') {
      const initMs = record.report?.initDurationMs;
      if (initMs !== undefined) out.push(initMs * 1000);
    } else {
      out.push(record.latencyUs);
    }
  }
  return out;
}
