/**
 * Inline SVG building blocks for the HTML report: escaping, colours, axis ticks, and the two small charts
 * (latency histograms on one shared scale, cold ratio against provisioned concurrency). The timeline and the
 * memory-size view live in their own files. Data in, SVG string out; no scripts, no fonts, nothing fetched.
 */
import { formatUs } from '../core/duration.js';
import type { CellResult } from '../core/results.js';
import { classifiedCount } from '../core/summary.js';
import type { InvocationRecord } from '../core/types.js';

/** Escape text for HTML/SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A decade tick: `1 ms`, `10 ms`, `100 ms`, `1 s`, `10 s`. */
function decadeLabel(us: number): string {
  if (us < 1000) return `${Number((us / 1000).toPrecision(2))} ms`;
  if (us < 1_000_000) return `${Math.round(us / 1000)} ms`;
  return `${Number((us / 1e6).toPrecision(2))} s`;
}

/** One colour per kind of thing, the same in every chart and legend. Throttles are not grey: grey is "unknown". */
export const COLORS = {
  cold: '#d9480f',
  /** An init the client did not wait for (provisioned concurrency, proactive initialisation). */
  'pre-initialized': '#0c8599',
  warm: '#1971c2',
  init: '#f59f00',
  throttled: '#862e9c',
  error: '#c92a2a',
  unknown: '#868e96',
  axis: '#495057',
  grid: '#e9ecef',
} as const;

/** What a record is drawn as: its outcome first (throttled, error), then its classification. */
export type RecordKind = 'cold' | 'pre-initialized' | 'warm' | 'throttled' | 'error' | 'unknown';

export function kindOf(record: InvocationRecord): RecordKind {
  if (record.outcome === 'throttled') return 'throttled';
  if (record.outcome !== 'ok') return 'error';
  return record.classification;
}

/** Durations in titles, as everywhere else in coldprobe: `840µs`, `12.3ms`, `1.2s`. */
export const fmtMs = formatUs;

/** About `count` round tick values from 0 to at least `max`: steps of 1, 2 or 5 × 10^k. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  // The last tick is at or above max, so an axis drawn to it holds every value.
  const ticks: number[] = [];
  for (let v = 0; ticks.length === 0 || (ticks[ticks.length - 1] ?? 0) < max * (1 - 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** A colour swatch and its label, for legends above charts. */
export function legendHtml(kinds: ReadonlyArray<{ label: string; color: string }>): string {
  return `<p class="legend note">${kinds.map((k) => `<span style="background:${k.color}"></span>${escapeHtml(k.label)}`).join('')}</p>`;
}

/** The bins and the count range every histogram of one report shares, so cells can be compared by eye. */
export interface HistogramScale {
  /** Log-spaced bin edges in µs, 5 per decade. */
  edges: number[];
  /** Largest bin count over every cell. */
  maxCount: number;
}

const STACK: readonly RecordKind[] = ['cold', 'pre-initialized', 'warm', 'throttled', 'error', 'unknown'];

function binIndex(edges: readonly number[], us: number): number {
  // Edges are log-spaced: the index is arithmetic, not a search (a cell may hold 100,000 records).
  const first = edges[0] ?? 1;
  const i = Math.floor(Math.log10(Math.max(us, first) / first) * 5 + 1e-9);
  return Math.min(edges.length - 2, Math.max(0, i));
}

function binCounts(cell: CellResult, edges: readonly number[]): Array<Record<RecordKind, number>> {
  const bins = edges.slice(0, -1).map(() => ({ cold: 0, 'pre-initialized': 0, warm: 0, throttled: 0, error: 0, unknown: 0 }));
  for (const r of cell.records) {
    const bin = bins[binIndex(edges, r.latencyUs)];
    if (bin) bin[kindOf(r)] += 1;
  }
  return bins;
}

/** One scale for all `cells`: from the decade below the fastest invocation to the decade above the slowest. */
export function histogramScale(cells: readonly CellResult[]): HistogramScale {
  let min = Infinity;
  let max = 0;
  for (const cell of cells) {
    for (const r of cell.records) {
      if (r.latencyUs <= 0) continue;
      if (r.latencyUs < min) min = r.latencyUs;
      if (r.latencyUs > max) max = r.latencyUs;
    }
  }
  const lo = max === 0 ? 2 : Math.floor(Math.log10(min));
  const hi = max === 0 ? 3 : Math.max(lo + 1, Math.ceil(Math.log10(max + 1)));
  const edges: number[] = [];
  for (let e = lo * 5; e <= hi * 5; e++) edges.push(10 ** (e / 5));
  let maxCount = 1;
  for (const cell of cells) for (const bin of binCounts(cell, edges)) maxCount = Math.max(maxCount, STACK.reduce((sum, k) => sum + bin[k], 0));
  return { edges, maxCount };
}

/** Latency histogram of one cell on the report's shared scale: log x (client latency), stacked by kind. */
export function histogramSvg(cell: CellResult, scale: HistogramScale): string {
  const width = 440;
  const height = 190;
  const pad = { left: 44, right: 22, top: 10, bottom: 42 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const { edges, maxCount } = scale;
  const bins = binCounts(cell, edges);
  const barW = plotW / bins.length;
  const yTicks = niceTicks(maxCount, 4);
  const top = yTicks[yTicks.length - 1] ?? maxCount;
  const yOf = (count: number): number => pad.top + plotH - (count / top) * plotH;
  const parts: string[] = [];
  for (const tick of yTicks) {
    const y = yOf(tick);
    parts.push(`<line x1="${pad.left}" y1="${y.toFixed(1)}" x2="${pad.left + plotW}" y2="${y.toFixed(1)}" stroke="${COLORS.grid}"/>`);
    parts.push(`<text x="${pad.left - 4}" y="${(y + 3).toFixed(1)}" font-size="10" text-anchor="end">${tick}</text>`);
  }
  bins.forEach((bin, i) => {
    const x = pad.left + i * barW;
    let below = 0;
    for (const kind of STACK) {
      const count = bin[kind];
      if (count === 0) continue;
      const y = yOf(below + count);
      const h = yOf(below) - y;
      below += count;
      parts.push(
        `<rect class="bar ${kind}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[kind]}"><title>${count} ${kind} in ${escapeHtml(fmtMs(edges[i] ?? 0))}–${escapeHtml(fmtMs(edges[i + 1] ?? 0))}</title></rect>`,
      );
    }
  });
  edges.forEach((edge, i) => {
    if (i % 5 !== 0) return;
    const x = pad.left + i * barW;
    parts.push(`<line x1="${x.toFixed(1)}" y1="${pad.top + plotH}" x2="${x.toFixed(1)}" y2="${pad.top + plotH + 4}" stroke="${COLORS.axis}"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${pad.top + plotH + 15}" font-size="10" text-anchor="middle">${escapeHtml(decadeLabel(edge))}</text>`);
  });
  parts.push(`<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${pad.left + plotW}" y2="${pad.top + plotH}" stroke="${COLORS.axis}"/>`);
  parts.push(`<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + plotH}" stroke="${COLORS.axis}"/>`);
  parts.push(`<text class="axis-label" x="${pad.left + plotW / 2}" y="${height - 4}" font-size="11" text-anchor="middle">client latency (log scale)</text>`);
  parts.push(`<text class="axis-label" transform="translate(11 ${pad.top + plotH / 2}) rotate(-90)" font-size="11" text-anchor="middle">invocations</text>`);
  return `<svg class="chart histogram" data-cell="${escapeHtml(cell.spec.id)}" role="img" aria-label="Latency histogram of ${escapeHtml(cell.spec.label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** A palette for series that are not kinds (functions, memory sizes). */
export const PALETTE = ['#1971c2', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#5c940d', '#a61e4d'] as const;

/**
 * Cold ratio (y, 0–100 %) against provisioned concurrency (x), one line per function × memory. Only worth
 * drawing with at least two provisioned-concurrency values; the caller checks {@link provisionedValues}.
 */
export function coldRatioSvg(cells: readonly CellResult[]): string {
  const width = 560;
  const height = 230;
  const pad = { left: 48, right: 170, top: 10, bottom: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const xs = provisionedValues(cells);
  const xOf = (pc: number): number => pad.left + (xs.length === 1 ? plotW / 2 : (xs.indexOf(pc) / (xs.length - 1)) * plotW);
  const yOf = (ratio: number): number => pad.top + (1 - ratio) * plotH;
  const series = new Map<string, CellResult[]>();
  for (const cell of cells) {
    const key = `${cell.spec.functionName} ${cell.spec.memoryMb} MB`;
    series.set(key, [...(series.get(key) ?? []), cell]);
  }
  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const y = yOf(tick);
    parts.push(`<line x1="${pad.left}" y1="${y}" x2="${pad.left + plotW}" y2="${y}" stroke="${COLORS.grid}"/>`);
    parts.push(`<text x="${pad.left - 4}" y="${y + 3}" font-size="10" text-anchor="end">${tick * 100}%</text>`);
  }
  for (const pc of xs) parts.push(`<text x="${xOf(pc)}" y="${pad.top + plotH + 15}" font-size="10" text-anchor="middle">${pc}</text>`);
  parts.push(`<text class="axis-label" x="${pad.left + plotW / 2}" y="${height - 4}" font-size="11" text-anchor="middle">provisioned concurrency</text>`);
  parts.push(`<text class="axis-label" transform="translate(11 ${pad.top + plotH / 2}) rotate(-90)" font-size="11" text-anchor="middle">cold starts</text>`);
  [...series.entries()].forEach(([name, list], i) => {
    const color = PALETTE[i % PALETTE.length] ?? '#000';
    const points = list
      .filter((c) => classifiedCount(c.summary) > 0)
      .sort((a, b) => a.spec.provisioned - b.spec.provisioned)
      .map((c) => ({ x: xOf(c.spec.provisioned), y: yOf(c.summary.coldRatio), c }));
    if (points.length > 1) {
      parts.push(`<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}"/>`);
    }
    for (const p of points) {
      parts.push(
        `<circle class="point" cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="4" fill="${color}"><title>${escapeHtml(p.c.spec.label)}: ${(p.c.summary.coldRatio * 100).toFixed(1)}% cold</title></circle>`,
      );
    }
    const ly = pad.top + 12 + i * 14;
    parts.push(`<rect x="${pad.left + plotW + 12}" y="${ly - 8}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${pad.left + plotW + 26}" y="${ly}" font-size="11">${escapeHtml(name)}</text>`);
  });
  return `<svg class="chart cold-ratio" role="img" aria-label="Cold ratio against provisioned concurrency" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** The distinct provisioned-concurrency values of `cells`, ascending. */
export function provisionedValues(cells: readonly CellResult[]): number[] {
  return [...new Set(cells.map((c) => c.spec.provisioned))].sort((a, b) => a - b);
}
