/**
 * Thresholds: a small expression language, `[cell] <metric> <op> <value>`, parsed before anything runs and
 * evaluated over a cell's results (and optionally its baseline cell). Pure.
 *
 *   cold.init.p99 < 800ms            latency.p99.9 <= 1.2s          cold_ratio <= 20%
 *   errors == 0                      throttled.ReservedFunctionConcurrentInvocationLimitExceeded == 0
 *   [node-512] cold.latency.p50 <= baseline * 1.10                  warm.latency.p99 < baseline + 5ms
 *   cold_ratio[after 30s] < 0.01     latency.p99[10s..60s] < 200ms  throttled[before 20s] == 0
 *
 * A time window after the metric keeps only the invocations written in it, counted from the start of the load
 * (`coldprobe load`) or of the run.
 */
import { formatUs, parseDurationMs, UNIT_US } from './duration.js';
import {
  KNOWN_METRICS,
  METRIC_NAMES,
  STATS,
  familySamples,
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
import type { CellResult } from './results.js';
import { summarize } from './summary.js';

/** Comparison operators. */
export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** The right-hand side: a fixed value, or one derived from the baseline cell's value of the same metric. */
export type Bound =
  | { type: 'absolute'; value: number }
  | { type: 'baseline'; op: '*' | '+' | '-'; operand: number };

/** A parsed threshold; values are in canonical units (µs for times, 0..1 for ratios). */
export interface Threshold {
  /** The expression as written. */
  source: string;
  /** Cell id pattern (`*` matches any run of characters); undefined = every cell. */
  scope?: string;
  metric: Metric;
  /** Only invocations written in [fromUs, toUs) since the load's (or run's) start; undefined = all of them. */
  window?: { fromUs: number; toUs?: number };
  op: Op;
  bound: Bound;
}

/** A threshold that could not be parsed: where and why. */
export class ThresholdSyntaxError extends Error {
  constructor(
    readonly source: string,
    /** 1-based column. */
    readonly column: number,
    readonly reason: string,
  ) {
    super(`threshold '${source}' at column ${column}: ${reason}`);
    this.name = 'ThresholdSyntaxError';
  }
}

const OPS: readonly Op[] = ['<=', '>=', '==', '!=', '<', '>'];
/** Time units of a threshold (µs per unit); minutes and hours make no sense for a latency limit. */
const TIME_UNITS: Record<string, number> = { us: UNIT_US.us!, µs: UNIT_US['µs']!, ms: UNIT_US.ms!, s: UNIT_US.s! };

interface Cursor {
  text: string;
  pos: number;
}

function skipSpace(c: Cursor): void {
  while (c.pos < c.text.length && /\s/.test(c.text[c.pos]!)) c.pos++;
}

function fail(c: Cursor, reason: string, at = c.pos): never {
  throw new ThresholdSyntaxError(c.text, at + 1, reason);
}

/** Edit distance, for "did you mean" on misspelt metric names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggestion(name: string): string {
  const candidates = METRIC_NAMES;
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestD) {
      bestD = d;
      best = candidate;
    }
  }
  return best !== undefined && bestD <= 3 ? `did you mean '${best}'? ` : '';
}

const knownList = (): string =>
  `known metrics: ${KNOWN_METRICS.join(', ')}; <stat> is one of ${STATS.join(', ')}`;

/** Read a number with an optional unit; returns the value in the metric's canonical unit. */
function readValue(c: Cursor, kind: MetricKind, metricName: string): number {
  skipSpace(c);
  const start = c.pos;
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(us|µs|ms|s|%)?/.exec(c.text.slice(c.pos));
  if (!m) fail(c, `expected a value such as 800ms, 0.2, 0 or 'baseline * 1.10'`);
  c.pos += m[0].length;
  const n = Number(m[1]);
  const unit = m[2];
  if (kind === 'time') {
    if (unit === undefined || unit === '%') {
      fail(c, `${metricName} is a time: give a unit (us, ms or s), e.g. ${m[1]}ms`, start);
    }
    return n * TIME_UNITS[unit]!;
  }
  if (kind === 'ratio') {
    if (unit === '%') return n / 100;
    if (unit !== undefined) fail(c, `${metricName} is a ratio: write 0.2 or 20%, not a time`, start);
    if (n > 1) fail(c, `${metricName} is a ratio between 0 and 1 (or a percentage like 20%), got ${m[1]}`, start);
    return n;
  }
  if (unit !== undefined) fail(c, `${metricName} is a count: write a plain number, without '${unit}'`, start);
  return n;
}

function readBound(c: Cursor, kind: MetricKind, metricName: string): Bound {
  skipSpace(c);
  if (!c.text.startsWith('baseline', c.pos)) return { type: 'absolute', value: readValue(c, kind, metricName) };
  c.pos += 'baseline'.length;
  skipSpace(c);
  if (c.pos >= c.text.length) return { type: 'baseline', op: '*', operand: 1 };
  const op = c.text[c.pos];
  if (op === '*') {
    c.pos++;
    skipSpace(c);
    const start = c.pos;
    const m = /^(\d+(?:\.\d+)?|\.\d+)(%)?/.exec(c.text.slice(c.pos));
    if (!m) fail(c, `expected a factor after 'baseline *', e.g. 1.10`);
    c.pos += m[0].length;
    const factor = m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
    if (!(factor > 0)) fail(c, 'the factor must be greater than 0', start);
    return { type: 'baseline', op: '*', operand: factor };
  }
  if (op === '+' || op === '-') {
    c.pos++;
    return { type: 'baseline', op, operand: readValue(c, kind, metricName) };
  }
  return fail(c, `expected '*', '+' or '-' after 'baseline'`);
}

/** Parse one threshold expression; throws {@link ThresholdSyntaxError} pointing at the column. */
export function parseThreshold(source: string): Threshold {
  const c: Cursor = { text: source, pos: 0 };
  skipSpace(c);
  let scope: string | undefined;
  if (c.text[c.pos] === '[') {
    const close = c.text.indexOf(']', c.pos);
    if (close < 0) fail(c, `missing ']' after the cell id`);
    scope = c.text.slice(c.pos + 1, close).trim();
    if (scope === '') fail(c, 'empty cell id between [ and ]');
    c.pos = close + 1;
    skipSpace(c);
  }
  const metricStart = c.pos;
  const name = /^[A-Za-z_][\w.:-]*/.exec(c.text.slice(c.pos))?.[0];
  if (name === undefined) {
    fail(c, `expected a metric name; ${knownList()}`);
  }
  c.pos += name.length;
  const metric = resolveMetric(name);
  if (metric === undefined) fail(c, `unknown metric '${name}'; ${suggestion(name)}${knownList()}`, metricStart);
  const window = c.text[c.pos] === '[' ? readWindow(c) : undefined;
  skipSpace(c);
  const op = OPS.find((o) => c.text.startsWith(o, c.pos));
  if (op === undefined) fail(c, `expected an operator (${OPS.join(' ')}) after ${name}`);
  c.pos += op.length;
  const bound = readBound(c, metricKind(metric), name);
  skipSpace(c);
  if (c.pos < c.text.length) fail(c, `unexpected '${c.text.slice(c.pos)}' after the value`);
  return { source: source.trim(), ...(scope === undefined ? {} : { scope }), metric, ...(window === undefined ? {} : { window }), op, bound };
}

/** `[after 30s]`, `[before 20s]` or `[10s..60s]` right after a metric name; times in µs. */
function readWindow(c: Cursor): { fromUs: number; toUs?: number } {
  const open = c.pos;
  const close = c.text.indexOf(']', open);
  if (close < 0) fail(c, `missing ']' after the time window`);
  const inner = c.text.slice(open + 1, close).trim();
  const time = (text: string): number | undefined => {
    const ms = parseDurationMs(text, { bare: false });
    return ms === undefined ? undefined : ms * 1000;
  };
  let window: { fromUs: number; toUs?: number } | undefined;
  const after = /^after\s+(.+)$/.exec(inner);
  const before = /^before\s+(.+)$/.exec(inner);
  const range = /^(.+?)\.\.(.+)$/.exec(inner);
  if (after) {
    const from = time(after[1] as string);
    if (from !== undefined) window = { fromUs: from };
  } else if (before) {
    const to = time(before[1] as string);
    if (to !== undefined) window = { fromUs: 0, toUs: to };
  } else if (range) {
    const from = time(range[1] as string);
    const to = time(range[2] as string);
    if (from !== undefined && to !== undefined && to > from) window = { fromUs: from, toUs: to };
  }
  if (window === undefined) fail(c, `expected a time window like [after 30s], [before 20s] or [10s..60s], got '[${inner}]'`, open);
  c.pos = close + 1;
  return window;
}

/**
 * The cell as if only the invocations written inside `window` had happened (summary and histograms recomputed
 * from those records), so every metric reads the same way on a window as on the whole cell.
 */
export function windowedCell(cell: CellResult, window: { fromUs: number; toUs?: number }): CellResult {
  const originUs = cell.load?.originUs ?? 0;
  const records = cell.records.filter((r) => {
    const t = r.sentUs - originUs;
    return t >= window.fromUs && (window.toUs === undefined || t < window.toUs);
  });
  const { summary, histograms } = summarize(records, cell.bursts, { functionName: cell.spec.functionName, runtime: cell.spec.runtime, memoryMb: cell.spec.memoryMb });
  return { ...cell, records, summary, histograms };
}

/** Parse many thresholds, collecting every error instead of stopping at the first. */
export function parseThresholds(sources: readonly string[]): { thresholds: Threshold[]; errors: ThresholdSyntaxError[] } {
  const thresholds: Threshold[] = [];
  const errors: ThresholdSyntaxError[] = [];
  for (const source of sources) {
    try {
      thresholds.push(parseThreshold(source));
    } catch (error) {
      if (error instanceof ThresholdSyntaxError) errors.push(error);
      else throw error;
    }
  }
  return { thresholds, errors };
}

/** Does a cell id match a scope pattern (`*` = any run of characters)? */
export function scopeMatches(scope: string | undefined, cellId: string): boolean {
  if (scope === undefined) return true;
  const pattern = scope.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${pattern}$`).test(cellId);
}

/**
 * Status of one threshold on one cell. `inconclusive` does not fail the gate by itself (the CLI's
 * `--strict` makes it fail): no samples behind the metric, or a baseline-relative limit crossed by a
 * difference the noise test cannot judge.
 */
export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';

/** One threshold judged on one cell. */
export interface Verdict {
  expression: string;
  cell: string;
  metric: string;
  status: VerdictStatus;
  /** The cell's value, canonical unit. */
  observed?: number;
  /** The limit it was held to, canonical unit. */
  limit?: number;
  /** One sentence with the numbers. */
  detail: string;
  noise?: NoiseResult;
}

function holds(observed: number, op: Op, limit: number): boolean {
  // Compare in a tolerance of 1e-9 so `cold_ratio <= 0.2` holds for 0.2000000001 from float division.
  const eps = 1e-9 * Math.max(1, Math.abs(limit));
  switch (op) {
    case '<':
      return observed < limit - eps;
    case '<=':
      return observed <= limit + eps;
    case '>':
      return observed > limit + eps;
    case '>=':
      return observed >= limit - eps;
    case '==':
      return Math.abs(observed - limit) <= eps;
    case '!=':
      return Math.abs(observed - limit) > eps;
  }
}

/** Format a value of a metric kind for people: µs/ms/s for times, % for ratios. */
export function formatValue(value: number, kind: MetricKind): string {
  if (kind === 'count') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (kind === 'ratio') return `${(value * 100).toFixed(1)}%`;
  return formatUs(value);
}

/** The value of a baseline-relative bound given the baseline's value. */
function applyBound(bound: Extract<Bound, { type: 'baseline' }>, base: number): number {
  return bound.op === '*' ? base * bound.operand : bound.op === '+' ? base + bound.operand : base - bound.operand;
}

/**
 * Judge a threshold on one cell. Absolute thresholds are hard: crossed means fail. A baseline-relative
 * threshold on a latency percentile fails only when the noise test also says the change is a regression
 * (seeded, so deterministic); when the test cannot judge, the verdict is inconclusive.
 */
export function evaluateThreshold(threshold: Threshold, whole: CellResult, wholeBaseline?: CellResult): Verdict {
  const cell = threshold.window === undefined ? whole : windowedCell(whole, threshold.window);
  const baseline = threshold.window === undefined || wholeBaseline === undefined ? wholeBaseline : windowedCell(wholeBaseline, threshold.window);
  const kind = metricKind(threshold.metric);
  const fmt = (v: number): string => formatValue(v, kind);
  const head = { expression: threshold.source, cell: cell.spec.id, metric: threshold.metric.name };
  const observed = metricValue(cell, threshold.metric);
  if (observed === undefined) {
    return { ...head, status: 'inconclusive', detail: `no samples for ${threshold.metric.name} in cell ${cell.spec.id}` };
  }
  let limit: number;
  if (threshold.bound.type === 'absolute') {
    limit = threshold.bound.value;
  } else {
    if (baseline === undefined) {
      return { ...head, status: 'inconclusive', observed, detail: `no baseline cell matches ${cell.spec.id}` };
    }
    const base = metricValue(baseline, threshold.metric);
    if (base === undefined) {
      return { ...head, status: 'inconclusive', observed, detail: `the baseline has no samples for ${threshold.metric.name}` };
    }
    limit = applyBound(threshold.bound, base);
  }
  const shown = `${threshold.metric.name} ${fmt(observed)} ${threshold.op} ${fmt(limit)}`;
  if (holds(observed, threshold.op, limit)) return { ...head, status: 'pass', observed, limit, detail: shown };
  const metric = threshold.metric;
  const quantile = metric.type === 'time' ? statQuantile(metric.stat) : undefined;
  if (threshold.bound.type === 'absolute' || baseline === undefined || metric.type !== 'time' || quantile === undefined) {
    return { ...head, status: 'fail', observed, limit, detail: `${shown} does not hold` };
  }
  // A relative limit is crossed: only fail when the current value is beyond the limit by more than the
  // noise, i.e. the bootstrap ratio current/baseline clears the factor the limit stands for.
  const baseValue = metricValue(baseline, metric);
  const direction = threshold.op === '<' || threshold.op === '<=' ? 'regression' : threshold.op === '>' || threshold.op === '>=' ? 'improvement' : undefined;
  if (direction === undefined || baseValue === undefined || !(baseValue > 0)) {
    return { ...head, status: 'fail', observed, limit, detail: `${shown} does not hold` };
  }
  const options = { quantile, minEffect: 0, reference: limit / baseValue };
  const noise = judgedByWave(metric.family)
    ? compareWaves(familyWaves(baseline, metric.family), familyWaves(cell, metric.family), options)
    : compareSamples(familySamples(baseline, metric.family), familySamples(cell, metric.family), options);
  if (noise.verdict === direction) {
    return { ...head, status: 'fail', observed, limit, noise, detail: `${shown} does not hold; ${noise.reason}` };
  }
  if (noise.verdict === 'cannot-judge') {
    return { ...head, status: 'inconclusive', observed, limit, noise, detail: `${shown} does not hold, but ${noise.reason}` };
  }
  return { ...head, status: 'pass', observed, limit, noise, detail: `${shown} crossed, but ${noise.reason}` };
}

/** Judge every threshold on every cell in its scope; a scope that matches no cell is a failed verdict. */
export function evaluateThresholds(
  thresholds: readonly Threshold[],
  cells: readonly CellResult[],
  baselineFor: (cell: CellResult) => CellResult | undefined = () => undefined,
): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const threshold of thresholds) {
    const matched = cells.filter((cell) => scopeMatches(threshold.scope, cell.spec.id));
    if (matched.length === 0) {
      verdicts.push({
        expression: threshold.source,
        cell: threshold.scope ?? '*',
        metric: threshold.metric.name,
        status: 'fail',
        detail: `no cell matches [${threshold.scope ?? '*'}]; cells are ${cells.map((c) => c.spec.id).join(', ') || 'none'}`,
      });
      continue;
    }
    for (const cell of matched) verdicts.push(evaluateThreshold(threshold, cell, baselineFor(cell)));
  }
  return verdicts;
}
