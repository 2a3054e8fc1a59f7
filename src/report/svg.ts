/**
 * Inline SVG charts for the HTML report: a log-scale latency histogram (cold and warm stacked), cold ratio
 * against provisioned concurrency, and the environment timeline. Data in, SVG string out; no scripts, no fonts,
 * nothing fetched.
 */
import { formatUs } from '../core/duration.js';
import type { CellResult } from '../core/results.js';
import type { InvocationRecord } from '../core/types.js';

/** Escape text for HTML/SVG content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const COLORS = { cold: '#d9480f', warm: '#1971c2', unknown: '#868e96', error: '#c92a2a', throttled: '#f08c00' } as const;

const fmtMs = formatUs;

/** Log-scale bins: 5 per decade, from the decade below the minimum to the one above the maximum. */
function logBins(values: readonly number[]): number[] {
  let min = Infinity;
  let max = 0;
  for (const v of values) {
    if (v <= 0) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max === 0) return [1, 10];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max + 1));
  const edges: number[] = [];
  for (let e = lo * 5; e <= Math.max(hi, lo + 1) * 5; e++) edges.push(10 ** (e / 5));
  return edges;
}

/** Latency histogram of one cell: log-scale x (ms), cold and warm stacked. */
export function histogramSvg(cell: CellResult): string {
  const width = 420;
  const height = 160;
  const pad = { left: 36, right: 24, top: 8, bottom: 28 };
  const records = cell.records;
  const edges = logBins(records.map((r) => r.latencyUs));
  const bins = edges.slice(0, -1).map(() => ({ cold: 0, warm: 0, other: 0 }));
  for (const r of records) {
    let i = edges.findIndex((edge, k) => k < edges.length - 1 && r.latencyUs < (edges[k + 1] ?? Infinity) && r.latencyUs >= edge);
    if (i < 0) i = r.latencyUs < (edges[0] ?? 0) ? 0 : bins.length - 1;
    const bin = bins[i];
    if (!bin) continue;
    if (r.outcome !== 'ok') bin.other += 1;
    else if (r.classification === 'cold') bin.cold += 1;
    else if (r.classification === 'warm') bin.warm += 1;
    else bin.other += 1;
  }
  const max = Math.max(1, ...bins.map((b) => b.cold + b.warm + b.other));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const barW = plotW / bins.length;
  const parts: string[] = [];
  bins.forEach((bin, i) => {
    const x = pad.left + i * barW;
    let y = pad.top + plotH;
    const lo = edges[i] ?? 0;
    const hi = edges[i + 1] ?? lo;
    for (const [kind, count, color] of [
      ['cold', bin.cold, COLORS.cold],
      ['warm', bin.warm, COLORS.warm],
      ['other', bin.other, COLORS.unknown],
    ] as const) {
      if (count === 0) continue;
      const h = (count / max) * plotH;
      y -= h;
      parts.push(
        `<rect class="bar ${kind}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${count} ${kind} in ${escapeHtml(fmtMs(lo))}–${escapeHtml(fmtMs(hi))}</title></rect>`,
      );
    }
  });
  // Decade ticks.
  edges.forEach((edge, i) => {
    if (i % 5 !== 0) return;
    const x = pad.left + i * barW;
    parts.push(`<line x1="${x.toFixed(1)}" y1="${pad.top + plotH}" x2="${x.toFixed(1)}" y2="${pad.top + plotH + 4}" stroke="#495057"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${height - 12}" font-size="10" text-anchor="middle">${escapeHtml(fmtMs(edge))}</text>`);
  });
  parts.push(`<text x="4" y="${pad.top + 10}" font-size="10">${max}</text>`);
  parts.push(`<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="#495057"/>`);
  parts.push(`<text x="${width - pad.right}" y="${height - 1}" font-size="10" text-anchor="end">client latency (log scale)</text>`);
  return `<svg class="chart histogram" data-cell="${escapeHtml(cell.spec.id)}" role="img" aria-label="Latency histogram of ${escapeHtml(cell.spec.label)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Cold ratio (y, 0–100 %) against provisioned concurrency (x), one line per function × memory. */
export function coldRatioSvg(cells: readonly CellResult[]): string {
  const width = 520;
  const height = 220;
  const pad = { left: 40, right: 150, top: 10, bottom: 30 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const xs = [...new Set(cells.map((c) => c.spec.provisioned))].sort((a, b) => a - b);
  const xOf = (pc: number): number => pad.left + (xs.length === 1 ? plotW / 2 : (xs.indexOf(pc) / (xs.length - 1)) * plotW);
  const yOf = (ratio: number): number => pad.top + (1 - ratio) * plotH;
  const series = new Map<string, CellResult[]>();
  for (const cell of cells) {
    const key = `${cell.spec.functionName} ${cell.spec.memoryMb} MB`;
    series.set(key, [...(series.get(key) ?? []), cell]);
  }
  const palette = ['#1971c2', '#d9480f', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#5c940d', '#a61e4d'];
  const parts: string[] = [];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    const y = yOf(tick);
    parts.push(`<line x1="${pad.left}" y1="${y}" x2="${pad.left + plotW}" y2="${y}" stroke="#dee2e6"/>`);
    parts.push(`<text x="${pad.left - 4}" y="${y + 3}" font-size="10" text-anchor="end">${tick * 100}%</text>`);
  }
  for (const pc of xs) parts.push(`<text x="${xOf(pc)}" y="${height - 14}" font-size="10" text-anchor="middle">${pc}</text>`);
  parts.push(`<text x="${pad.left + plotW / 2}" y="${height - 2}" font-size="10" text-anchor="middle">provisioned concurrency</text>`);
  [...series.entries()].forEach(([name, list], i) => {
    const color = palette[i % palette.length] ?? '#000';
    const points = list
      .filter((c) => c.summary.cold + c.summary.warm > 0)
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

/** Most bars the timeline draws; beyond that it samples evenly (and says so) to keep the page light. */
export const TIMELINE_MAX_BARS = 4000;

function colorOf(record: InvocationRecord): string {
  if (record.outcome === 'throttled') return COLORS.throttled;
  if (record.outcome !== 'ok') return COLORS.error;
  return record.classification === 'cold' ? COLORS.cold : record.classification === 'warm' ? COLORS.warm : COLORS.unknown;
}

/**
 * The environment timeline: one row per environment (emulator ground truth) or, without environment ids (AWS),
 * one row per cell; each invocation a bar from send to finish, coloured cold / warm / throttled / error.
 */
export function timelineSvg(cells: readonly CellResult[]): { svg: string; note?: string } {
  const all = cells.flatMap((c) => c.records);
  const withEnv = all.some((r) => r.env);
  const rowKey = (r: InvocationRecord): string => (withEnv ? (r.env ? `${r.cell} ${r.env.envId}` : `${r.cell} (no environment)`) : r.cell);
  const rows = new Map<string, number>();
  for (const r of all) if (!rows.has(rowKey(r))) rows.set(rowKey(r), rows.size);
  const step = Math.max(1, Math.ceil(all.length / TIMELINE_MAX_BARS));
  const drawn = step === 1 ? all : all.filter((_, i) => i % step === 0);
  // Loops, not Math.min(...spread): a run of 100,000 records would overflow the argument stack.
  let start = 0;
  let end = 1;
  for (const r of all) {
    if (r.sentUs < start) start = r.sentUs;
    if (r.finishedUs > end) end = r.finishedUs;
  }
  const rowH = rows.size > 200 ? 2 : rows.size > 60 ? 4 : 10;
  const width = 900;
  const pad = { left: 8, right: 8, top: 8, bottom: 24 };
  const height = pad.top + pad.bottom + Math.max(1, rows.size) * rowH;
  const plotW = width - pad.left - pad.right;
  const xOf = (us: number): number => pad.left + ((us - start) / (end - start)) * plotW;
  const parts: string[] = [];
  // Cell boundaries as faint bands so the reader sees where each cell starts.
  for (const cell of cells) {
    if (cell.records.length === 0) continue;
    const x = xOf(cell.records.reduce((min, r) => Math.min(min, r.sentUs), Infinity));
    parts.push(`<line class="cell-start" x1="${x.toFixed(1)}" y1="${pad.top}" x2="${x.toFixed(1)}" y2="${height - pad.bottom}" stroke="#ced4da"><title>${escapeHtml(cell.spec.label)}</title></line>`);
  }
  for (const r of drawn) {
    const y = pad.top + (rows.get(rowKey(r)) ?? 0) * rowH;
    const x = xOf(r.sentUs);
    const w = Math.max(0.8, xOf(r.finishedUs) - x);
    parts.push(
      `<rect class="inv ${r.classification}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${Math.max(1, rowH - 1)}" fill="${colorOf(r)}"><title>${escapeHtml(`${r.cell} #${r.index} ${r.classification} ${r.outcome} ${fmtMs(r.latencyUs)}${r.env ? ` ${r.env.envId}` : ''}`)}</title></rect>`,
    );
  }
  parts.push(`<text x="${pad.left}" y="${height - 6}" font-size="10">0 s</text>`);
  parts.push(`<text x="${width - pad.right}" y="${height - 6}" font-size="10" text-anchor="end">${((end - start) / 1e6).toFixed(2)} s</text>`);
  const svg = `<svg class="chart timeline" role="img" aria-label="Environment timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
  const notes: string[] = [];
  notes.push(withEnv ? `${rows.size} rows, one per environment (emulator ground truth).` : 'No environment ids in these results (AWS): one row per cell.');
  if (step > 1) notes.push(`Showing every ${step}th of ${all.length} invocations.`);
  return { svg, note: notes.join(' ') };
}
