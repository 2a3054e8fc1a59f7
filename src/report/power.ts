/**
 * aws-lambda-power-tuning's main view: duration and cost against memory size, one chart per function and
 * runtime, cold and warm apart. Duration is Lambda's own (the REPORT line's Duration, and Init Duration +
 * Duration for cold starts), medians; cost is the estimate per 1,000 invocations from the same price table as
 * the comparison table, billed init included for cold starts. Only cells without provisioned concurrency are
 * drawn (provisioned environments are billed differently), and only functions measured at two sizes or more.
 */
import { billedMs } from '../core/cost.js';
import { quantileSorted } from '../core/noise.js';
import type { CellResult } from '../core/results.js';
import type { InvocationRecord } from '../core/types.js';
import { COLORS, escapeHtml, niceTicks } from './svg.js';

/** One memory size of one function: medians (ms) and cost per 1,000 (USD), cold and warm apart. */
export interface PowerPoint {
  memoryMb: number;
  cellId: string;
  coldMs?: number;
  warmMs?: number;
  coldUsdPer1k?: number;
  warmUsdPer1k?: number;
}

/** A function × runtime measured at several memory sizes. */
export interface PowerSeries {
  name: string;
  points: PowerPoint[];
}

const median = (values: number[]): number | undefined => (values.length === 0 ? undefined : quantileSorted(values.sort((a, b) => a - b), 0.5));
const mean = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length);

function pointOf(cell: CellResult): PowerPoint {
  const ok = cell.records.filter((r): r is InvocationRecord & { report: NonNullable<InvocationRecord['report']> } => r.outcome === 'ok' && r.report !== undefined);
  const cold = ok.filter((r) => r.classification === 'cold');
  const warm = ok.filter((r) => r.classification === 'warm');
  const perGbS = cell.cost?.prices['perGbSecond'];
  const perRequest = cell.cost?.prices['perRequest'];
  const usdPer1k = (records: typeof ok): number | undefined => {
    if (perGbS === undefined || perRequest === undefined) return undefined;
    const perInvocation = mean(records.map((r) => (billedMs(r) / 1000) * ((r.report.memorySizeMb ?? cell.spec.memoryMb) / 1024) * perGbS + perRequest));
    return perInvocation === undefined ? undefined : perInvocation * 1000;
  };
  const point: PowerPoint = { memoryMb: cell.spec.memoryMb, cellId: cell.spec.id };
  const coldMs = median(cold.map((r) => r.report.durationMs + (r.report.initDurationMs ?? 0)));
  const warmMs = median(warm.map((r) => r.report.durationMs));
  const coldUsd = usdPer1k(cold);
  const warmUsd = usdPer1k(warm);
  if (coldMs !== undefined) point.coldMs = coldMs;
  if (warmMs !== undefined) point.warmMs = warmMs;
  if (coldUsd !== undefined) point.coldUsdPer1k = coldUsd;
  if (warmUsd !== undefined) point.warmUsdPer1k = warmUsd;
  return point;
}

/** Series worth drawing: functions with at least two memory sizes among cells without provisioned concurrency. */
export function powerSeries(cells: readonly CellResult[]): PowerSeries[] {
  const groups = new Map<string, Map<number, CellResult>>();
  for (const cell of cells) {
    if (cell.spec.provisioned > 0) continue;
    const name = `${cell.spec.functionName} (${cell.spec.runtime})`;
    const sizes = groups.get(name) ?? new Map<number, CellResult>();
    // Several cells at one size (a reserved-concurrency axis): the first without throttles stands for it.
    const held = sizes.get(cell.spec.memoryMb);
    if (!held || (held.summary.byOutcome.throttled > 0 && cell.summary.byOutcome.throttled === 0)) sizes.set(cell.spec.memoryMb, cell);
    groups.set(name, sizes);
  }
  return [...groups]
    .filter(([, sizes]) => sizes.size >= 2)
    .map(([name, sizes]) => ({ name, points: [...sizes.values()].sort((a, b) => a.spec.memoryMb - b.spec.memoryMb).map(pointOf) }));
}

const PANEL_W = 420;
const PANEL_H = 200;
const PAD = { left: 58, right: 14, top: 30, bottom: 40 };

/** One panel: one figure of one kind (cold or warm) against memory size, on its own y scale. */
function panel(
  series: PowerSeries,
  x0: number,
  y0: number,
  title: string,
  kind: 'cold' | 'warm',
  value: (p: PowerPoint) => number | undefined,
  format: (v: number) => string,
): string {
  const plotW = PANEL_W - PAD.left - PAD.right;
  const plotH = PANEL_H - PAD.top - PAD.bottom;
  const n = series.points.length;
  const xOf = (i: number): number => x0 + PAD.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const pts = series.points.flatMap((p, i) => {
    const v = value(p);
    return v === undefined ? [] : [{ i, v, p }];
  });
  const ticks = niceTicks(Math.max(0, ...pts.map((q) => q.v)), 4);
  const top = ticks[ticks.length - 1] || 1;
  const yOf = (v: number): number => y0 + PAD.top + plotH - (v / top) * plotH;
  const color = kind === 'cold' ? COLORS.cold : COLORS.warm;
  const parts: string[] = [`<text x="${x0 + PAD.left}" y="${y0 + 14}" font-size="12" font-weight="600">${escapeHtml(title)}</text>`];
  for (const tick of ticks) {
    const y = yOf(tick);
    parts.push(`<line x1="${x0 + PAD.left}" y1="${y.toFixed(1)}" x2="${x0 + PAD.left + plotW}" y2="${y.toFixed(1)}" stroke="${COLORS.grid}"/>`);
    parts.push(`<text x="${x0 + PAD.left - 4}" y="${(y + 3).toFixed(1)}" font-size="10" text-anchor="end">${escapeHtml(format(tick))}</text>`);
  }
  series.points.forEach((p, i) => {
    parts.push(`<text x="${xOf(i).toFixed(1)}" y="${y0 + PAD.top + plotH + 15}" font-size="10" text-anchor="middle">${p.memoryMb}</text>`);
  });
  parts.push(`<text class="axis-label" x="${x0 + PAD.left + plotW / 2}" y="${y0 + PANEL_H - 6}" font-size="11" text-anchor="middle">memory size (MB)</text>`);
  if (pts.length === 0) {
    parts.push(`<text x="${x0 + PAD.left + plotW / 2}" y="${y0 + PAD.top + plotH / 2}" font-size="11" text-anchor="middle" fill="${COLORS.axis}">no ${kind} invocations</text>`);
  }
  if (pts.length > 1) {
    parts.push(`<polyline class="series ${kind}" fill="none" stroke="${color}" stroke-width="2" points="${pts.map((q) => `${xOf(q.i).toFixed(1)},${yOf(q.v).toFixed(1)}`).join(' ')}"/>`);
  }
  for (const q of pts) {
    parts.push(`<circle class="point ${kind}" cx="${xOf(q.i).toFixed(1)}" cy="${yOf(q.v).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeHtml(`${q.p.memoryMb} MB ${kind}: ${format(q.v)}`)}</title></circle>`);
  }
  return parts.join('');
}

const fmtMsValue = (v: number): string => `${v >= 100 ? v.toFixed(0) : Number(v.toFixed(v >= 1 ? 1 : 2))} ms`;
const fmtUsd = (v: number): string => (v === 0 ? '$0' : v < 0.01 ? `$${v.toPrecision(2)}` : `$${v.toFixed(3)}`);

/** One chart of one series, four panels: cold and warm (rows) × duration and cost (columns). */
export function powerSvg(series: PowerSeries): string {
  const width = PANEL_W * 2;
  const height = PANEL_H * 2;
  const body =
    panel(series, 0, 0, 'cold start: Init Duration + Duration (median)', 'cold', (p) => p.coldMs, fmtMsValue) +
    panel(series, PANEL_W, 0, 'cold start: cost per 1,000 (estimate)', 'cold', (p) => p.coldUsdPer1k, fmtUsd) +
    panel(series, 0, PANEL_H, 'warm: Duration (median)', 'warm', (p) => p.warmMs, fmtMsValue) +
    panel(series, PANEL_W, PANEL_H, 'warm: cost per 1,000 (estimate)', 'warm', (p) => p.warmUsdPer1k, fmtUsd);
  return `<svg class="chart power" data-series="${escapeHtml(series.name)}" role="img" aria-label="Duration and cost against memory size of ${escapeHtml(series.name)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}
