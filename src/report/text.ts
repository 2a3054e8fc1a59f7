/**
 * The text summary of a run (data in, string out): a per-group latency table that fits the terminal width,
 * counts, throttles, errors and burst release facts, then log-scale text histograms of cold, pre-initialized and
 * warm latency.
 */
import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';
import type { CellResult, HistogramName, ResultsFile } from '../core/results.js';
import { decodeHistogram, recordedValues } from '../core/stats.js';
import { summarize } from '../core/summary.js';
import type { RecordedValue } from '../core/stats.js';
import type { BurstInfo, BurstSummary, CellSummary, Classification, LatencyStats } from '../core/types.js';
import { formatCount, formatMb, formatPercent, formatUs, truncate } from './format.js';

/**
 * Rendering options: `color` turns ANSI colour on; `width` is the terminal width in columns (80 when unknown).
 * `clip` (default true) cuts long names and lines to the width with `…`; off a terminal nothing is cut, so a log
 * or a file keeps every name whole.
 */
export interface TextOptions {
  color: boolean;
  width: number;
  clip?: boolean;
}

/** How a long text is fitted: cut with `…` on a terminal, kept whole elsewhere. */
type Cut = (text: string, width: number) => string;
const keep: Cut = (text) => text;

/** At most this many bursts are listed one per line; the rest are folded into one line. */
const MAX_BURST_LINES = 8;

/** Histogram bucket ratio: 10^(1/4) ≈ 1.78, four buckets per decade (readable labels, enough resolution). */
const BUCKETS_PER_DECADE = 4;

const STAT_COLS = ['p50', 'p90', 'p99', 'p99.9', 'max'] as const;
const STAT_WIDTH = 6;
const MEM_WIDTH = 7;
const CLASS_WIDTH = 8;

/** A classification as the latency table's class column names it (`pre-initialized` is too wide for it). */
const classLabel = (cls: Classification | 'init'): string => (cls === 'pre-initialized' ? 'pre-init' : cls);
const COUNT_WIDTH = 7;

function classColor(c: ChalkInstance, cls: Classification | 'init'): ChalkInstance {
  return cls === 'cold' ? c.cyan : cls === 'warm' ? c.green : cls === 'init' ? c.blue : cls === 'pre-initialized' ? c.magenta : c.yellow;
}

function statCells(s: LatencyStats): string[] {
  return [s.p50Us, s.p90Us, s.p99Us, s.p999Us, s.maxUs].map((v) => formatUs(v).padStart(STAT_WIDTH));
}

/** The latency table: one row per group, plus an `init` row (Init Duration) under each cold and pre-initialized group. */
function table(summary: CellSummary, c: ChalkInstance, width: number, cut: Cut): string[] {
  const fixed = MEM_WIDTH + CLASS_WIDTH + COUNT_WIDTH + STAT_COLS.length * STAT_WIDTH + 8; // 8 separating spaces
  const longest = Math.max(0, ...summary.groups.map((g) => `${g.key.functionName}/${g.key.runtime}`.length));
  const nameWidth = cut === keep ? Math.max(8, width - fixed, longest) : Math.max(8, width - fixed);
  const header = [
    'function/runtime'.padEnd(nameWidth),
    'memory'.padStart(MEM_WIDTH),
    'class'.padEnd(CLASS_WIDTH),
    'count'.padStart(COUNT_WIDTH),
    ...STAT_COLS.map((h) => h.padStart(STAT_WIDTH)),
  ].join(' ');
  const lines = [c.bold(cut(header, width))];
  let previousName = '';
  for (const g of summary.groups) {
    const name = `${g.key.functionName}/${g.key.runtime}@${g.key.memoryMb}`;
    const first = name !== previousName;
    previousName = name;
    const label = first ? cut(`${g.key.functionName}/${g.key.runtime}`, nameWidth) : '';
    const row = (cls: Classification | 'init', stats: LatencyStats, showName: boolean): string =>
      [
        (showName ? label : '').padEnd(nameWidth),
        (showName ? formatMb(g.key.memoryMb) : '').padStart(MEM_WIDTH),
        classColor(c, cls)(classLabel(cls).padEnd(CLASS_WIDTH)),
        formatCount(stats.count).padStart(COUNT_WIDTH),
        ...statCells(stats),
      ].join(' ');
    lines.push(row(g.key.classification, g.latency, first));
    if (g.initDuration) lines.push(row('init', g.initDuration, false));
  }
  if (summary.groups.length === 0) lines.push('(no invocations)');
  return lines;
}

/** `label: a 3, b 2`, wrapped to the width with continuation lines indented. */
function countsLine(label: string, counts: Record<string, number>, width: number, paint: ChalkInstance, cut: Cut): string[] {
  const entries = Object.entries(counts);
  if (entries.length === 0) return [];
  const lines: string[] = [];
  let line = `${label}:`;
  for (const [k, v] of entries) {
    const item = ` ${cut(k, width - 12)} ${formatCount(v)}`;
    if (line.length + item.length + 1 > width) {
      lines.push(line);
      line = ' '.repeat(label.length + 1);
    }
    line += line.trim().endsWith(':') || line.trim() === '' ? item : `,${item}`;
  }
  lines.push(line);
  return lines.map((l) => paint(l));
}

/** Columns of the burst table: header and width; 77 columns in all, so it fits 80. */
const BURST_COLS: ReadonlyArray<readonly [string, number]> = [
  ['burst', 5],
  ['sent', 7],
  ['cold', 7],
  ['throttled', 9],
  ['errors', 7],
  ['p50', 6],
  ['p99', 6],
  ['spread', 6],
  ['prepare', 7],
  ['not sent', 8],
];

function burstRow(b: BurstInfo, stats: BurstSummary | undefined): string {
  const has = stats !== undefined && stats.total > 0;
  const cells = [
    String(b.index + 1),
    formatCount(b.n - b.notSent),
    has ? formatCount(stats.cold) : '–',
    has ? formatCount(stats.throttled) : '–',
    has ? formatCount(stats.errors) : '–',
    // A burst whose every invocation was given up (interrupted) has no latency to show.
    has && stats.latency.count > 0 ? formatUs(stats.latency.p50Us) : '–',
    has && stats.latency.count > 0 ? formatUs(stats.latency.p99Us) : '–',
    formatUs(b.releaseSpreadUs),
    formatUs(b.prepareUs),
    formatCount(b.notSent),
  ];
  return cells.map((text, i) => text.padStart(BURST_COLS[i]?.[1] ?? 0)).join(' ');
}

/** The burst table (release spread = first to last send); long runs fold the tail into one line. */
function burstLines(bursts: readonly BurstInfo[], perBurst: readonly BurstSummary[], c: ChalkInstance, width: number, cut: Cut): string[] {
  if (bursts.length === 0) return [];
  const statsOf = new Map(perBurst.map((p) => [p.index, p]));
  const shown = bursts.length > MAX_BURST_LINES ? bursts.slice(0, MAX_BURST_LINES - 1) : bursts;
  const header = BURST_COLS.map(([h, w]) => h.padStart(w)).join(' ');
  const lines = [c.bold(cut(header, width)), ...shown.map((b) => cut(burstRow(b, statsOf.get(b.index)), width))];
  if (shown.length < bursts.length) {
    const rest = bursts.slice(shown.length);
    const maxSpread = Math.max(...rest.map((b) => b.releaseSpreadUs));
    const notSent = rest.reduce((sum, b) => sum + b.notSent, 0);
    const cold = rest.reduce((sum, b) => sum + (statsOf.get(b.index)?.cold ?? 0), 0);
    lines.push(
      cut(
        `… ${rest.length} more bursts: ${formatCount(cold)} cold, max spread ${formatUs(maxSpread)}, ${formatCount(notSent)} not sent`,
        width,
      ),
    );
  }
  return lines;
}

/** Bucket lower edge k (µs): 10^(k/4). */
const edgeUs = (k: number): number => Math.pow(10, k / BUCKETS_PER_DECADE);
const bucketOf = (valueUs: number): number => Math.floor(Math.log10(Math.max(1, valueUs)) * BUCKETS_PER_DECADE + 1e-9);

/** Log-scale text histograms of the given series over one shared bucket range, so their shapes compare. */
function histograms(series: Array<{ name: Classification; values: RecordedValue[] }>, c: ChalkInstance, width: number): string[] {
  const present = series.filter((s) => s.values.length > 0);
  if (present.length === 0) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of present) {
    lo = Math.min(lo, bucketOf(s.values[0]?.valueUs ?? 1));
    hi = Math.max(hi, bucketOf(s.values[s.values.length - 1]?.valueUs ?? 1));
  }
  const labels: string[] = [];
  for (let k = lo; k <= hi; k++) labels.push(`${formatUs(edgeUs(k))}–${formatUs(edgeUs(k + 1))}`);
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const countWidth = 7;
  const barWidth = Math.max(10, width - 2 - labelWidth - 2 - 1 - countWidth);
  const lines: string[] = [];
  for (const s of present) {
    const counts = new Array<number>(hi - lo + 1).fill(0);
    for (const v of s.values) {
      const i = bucketOf(v.valueUs) - lo;
      counts[i] = (counts[i] ?? 0) + v.count;
    }
    const max = Math.max(...counts);
    const total = counts.reduce((a, b) => a + b, 0);
    const paint = classColor(c, s.name);
    lines.push('', c.bold(`${s.name} latency (${formatCount(total)})`));
    counts.forEach((n, i) => {
      const len = max === 0 ? 0 : Math.round((n / max) * barWidth);
      // A non-empty bucket always shows at least a sliver, so rare slow invocations stay visible.
      const bar = n > 0 && len === 0 ? '▏' : '█'.repeat(len);
      const label = (labels[i] ?? '').padStart(labelWidth);
      lines.push(`  ${label} │${paint(bar)}${' '.repeat(Math.max(0, barWidth - Math.max(bar.length, 0)))} ${formatCount(n).padStart(countWidth)}`);
    });
  }
  return lines;
}

/** Distinct values of one stored histogram, or of the records when the histogram is missing. */
function seriesValues(cell: CellResult, name: HistogramName, cls: Classification): RecordedValue[] {
  const encoded = cell.histograms[name];
  if (encoded !== undefined) {
    try {
      const h = decodeHistogram(encoded);
      const values = recordedValues(h);
      h.destroy();
      return values;
    } catch {
      // fall through to the records, which are the truth anyway
    }
  }
  const byValue = new Map<number, number>();
  for (const r of cell.records) {
    if (r.classification === cls) byValue.set(r.latencyUs, (byValue.get(r.latencyUs) ?? 0) + 1);
  }
  return [...byValue.entries()].sort((a, b) => a[0] - b[0]).map(([valueUs, count]) => ({ valueUs, count }));
}

/** `label: function`, or just the function when the label adds nothing (a plain burst's cell). */
function cellTitle(spec: CellResult['spec']): string {
  const label = spec.label || spec.id;
  return label === spec.functionName || label === 'default' ? spec.functionName : `${label}: ${spec.functionName}`;
}

function renderCell(cell: CellResult, c: ChalkInstance, width: number, cut: Cut): string[] {
  const s = cell.summary;
  const { spec } = cell;
  const lines: string[] = [];
  lines.push(
    c.bold(cut(`${cellTitle(spec)} (${spec.runtime}, ${formatMb(spec.memoryMb)}${spec.provisioned > 0 ? `, provisioned ${spec.provisioned}` : ''})`, width)),
  );
  const outcomes = Object.entries(s.byOutcome)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${formatCount(n)} ${k}`)
    .join(', ');
  lines.push(cut(`${formatCount(s.total)} invocations: ${outcomes || 'none'}`, width));
  const cold = `${formatCount(s.cold)} cold`;
  // Files from before the pre-initialized class read as 0; the count is shown only when there is one.
  const pre = s.preInitialized > 0 ? `${formatCount(s.preInitialized)} pre-initialized` : '';
  const warm = `${formatCount(s.warm)} warm`;
  const rest = `, ${formatCount(s.unknown)} unknown; cold ratio ${formatPercent(s.coldRatio)}`;
  const plain = `${cold}, ${pre ? `${pre}, ` : ''}${warm}${rest}`;
  // Colour only a line that fits: truncating text with escape codes inside could cut one in half.
  lines.push(plain.length <= width ? `${c.cyan(cold)}, ${pre ? `${c.magenta(pre)}, ` : ''}${c.green(warm)}${rest}` : cut(plain, width));
  if (s.preInitialized > 0) {
    lines.push(cut('pre-initialized: the REPORT carried an Init Duration longer than the client waited (an init done ahead of the request: provisioned concurrency, proactive initialisation); not counted cold.', width));
  }
  if (s.foreignReports > 0) {
    lines.push(
      c.yellow(
        cut(`${formatCount(s.foreignReports)} log tails held a REPORT naming another request id than the response's x-amzn-RequestId: left out, those invocations are unknown.`, width),
      ),
    );
  }
  lines.push('');
  lines.push(...table(s, c, width, cut));
  const extra = [
    ...countsLine('throttles', s.throttlesByReason, width, c.yellow, cut),
    ...countsLine('errors', s.errorsByType, width, c.red, cut),
  ];
  if (extra.length > 0) lines.push('', ...extra);
  // Files written before perBurst existed still have their records: recompute rather than show dashes.
  const perBurst = s.perBurst ?? summarize(cell.records, [], cell.spec).summary.perBurst ?? [];
  const bursts = burstLines(cell.bursts.length > 0 ? cell.bursts : s.bursts, perBurst, c, width, cut);
  if (bursts.length > 0) lines.push('', ...bursts);
  lines.push(
    ...histograms(
      [
        { name: 'cold', values: seriesValues(cell, 'latency.cold', 'cold') },
        { name: 'pre-initialized', values: seriesValues(cell, 'latency.pre-initialized', 'pre-initialized') },
        { name: 'warm', values: seriesValues(cell, 'latency.warm', 'warm') },
      ],
      c,
      width,
    ),
  );
  for (const note of cell.notes ?? []) lines.push(cut(`note: ${note}`, width));
  return lines;
}

/** `(8 of 12 sent, 4 not sent; 3 sent and given up unanswered)`, from the run's invocation counts, when the file has them. */
function invocationsNote(result: ResultsFile): string {
  const inv = result.invocations;
  if (inv === undefined) return '';
  const givenUp = result.cells.reduce((n, cell) => n + (cell.summary.byOutcome.interrupted ?? 0), 0);
  const parts = [`${formatCount(inv.sent)} of ${formatCount(inv.planned)} sent`, `${formatCount(inv.notSent)} not sent`];
  return ` (${parts.join(', ')}${givenUp > 0 ? `; ${formatCount(givenUp)} sent and given up unanswered` : ''})`;
}

/**
 * The few lines a reader needs first, for the end of a live view, where a long summary scrolls its top off an
 * 80×24 terminal: cold count, cold and warm p50/p99 (one cell), throttles, errors, interrupted. Several cells
 * get their totals; their percentiles are in the table printed just above.
 */
export function renderGlance(result: ResultsFile, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const width = Math.max(40, Math.floor(options.width));
  const sum = (pick: (s: CellSummary) => number): number => result.cells.reduce((n, cell) => n + pick(cell.summary), 0);
  const total = sum((s) => s.total);
  const throttled = sum((s) => s.byOutcome.throttled);
  const errors = sum((s) => s.total - s.byOutcome.ok - s.byOutcome.throttled - (s.byOutcome.interrupted ?? 0));
  const interrupted = sum((s) => s.byOutcome.interrupted ?? 0);
  const counts = [
    result.cells.length > 1 ? `${result.cells.length} cells` : '',
    `cold ${formatCount(sum((s) => s.cold))} of ${formatCount(total)}`,
    `throttled ${formatCount(throttled)}`,
    `errors ${formatCount(errors)}`,
    interrupted > 0 ? `interrupted ${formatCount(interrupted)}` : '',
  ].filter((p) => p !== '');
  const lines = [c.bold('at a glance'), truncate(counts.join(' · '), width)];
  const only = result.cells.length === 1 ? result.cells[0] : undefined;
  if (only !== undefined) {
    const pair = (s: LatencyStats): string => (s.count === 0 ? '–' : `p50 ${formatUs(s.p50Us)} p99 ${formatUs(s.p99Us)}`);
    const { latency, initDuration } = only.summary;
    const parts = [`cold ${pair(latency.cold)}`, `warm ${pair(latency.warm)}`];
    if (initDuration.count > 0) parts.push(`init ${pair(initDuration)}`);
    lines.push(truncate(parts.join(' · '), width));
  }
  return lines.join('\n') + '\n';
}

/**
 * Render a cell result or a whole results file as text no wider than `width` columns (ANSI colour only when `color`).
 */
export function renderSummary(result: CellResult | ResultsFile, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const width = Math.max(40, Math.floor(options.width));
  const cut: Cut = options.clip === false ? keep : truncate;
  if (!('cells' in result)) return renderCell(result, c, width, cut).join('\n') + '\n';
  const lines: string[] = [];
  lines.push(c.bold(cut(`coldprobe ${result.command}, started ${result.startedAt}`, width)));
  lines.push(cut(`target: ${result.target.description}`, width));
  if (result.interrupted) lines.push(c.yellow(cut(`interrupted: these results are partial${invocationsNote(result)}`, width)));
  for (const cell of result.cells) lines.push('', ...renderCell(cell, c, width, cut));
  if (result.thresholds && result.thresholds.length > 0) {
    lines.push('', c.bold('thresholds'));
    for (const t of result.thresholds) {
      const mark = t.passed ? c.green('pass') : c.red('FAIL');
      lines.push(`  ${mark} ${cut(`${t.expression} [${t.cell}]: ${t.detail}`, width - 7)}`);
    }
  }
  return lines.join('\n') + '\n';
}
