/**
 * The environment timeline of one cell as inline SVG, with a time axis. Up to {@link TIMELINE_MAX_LANES}
 * environments it draws one lane per environment: the wait before init (thin), init (amber), then each
 * invocation (cold, pre-initialized or warm). Beyond that, or without environment ids (AWS), it draws density instead: how many
 * environments were initialising and how many were invoking over time, which stays readable at 1,000
 * environments and more. Throttles and errors get a strip of their own with their Reason or error type.
 *
 * Where init sits in time is derived from the REPORT line: the invocation ends at `finishedUs`, its Duration
 * before that, and Init Duration before the Duration. The client's own overheads are not subtracted, so a
 * segment can sit up to a few milliseconds early; the lengths are Lambda's own.
 */
import type { CellResult } from '../core/results.js';
import type { InvocationRecord } from '../core/types.js';
import { COLORS, escapeHtml, fmtMs, kindOf, niceTicks } from './svg.js';

/** Most environments drawn as lanes; above it the timeline draws density. */
export const TIMELINE_MAX_LANES = 150;
/** Time bins of the density view. */
const DENSITY_BINS = 160;

const WIDTH = 900;
const PAD = { left: 110, right: 12, top: 8, bottom: 36 };
const PLOT_W = WIDTH - PAD.left - PAD.right;
const STRIP_H = 14;

/** Phases of one invocation in µs since the cell's start: wait (queue for an init slot), init, invoke. */
interface Phases {
  sentUs: number;
  initStartUs?: number;
  invokeStartUs: number;
  endUs: number;
}

function phasesOf(r: InvocationRecord): Phases {
  const endUs = r.finishedUs;
  const durationUs = r.report ? r.report.durationMs * 1000 : 0;
  const invokeStartUs = Math.max(r.sentUs, endUs - durationUs);
  // A pre-initialized invocation's init ran before the request was sent (core/classify.ts): not in its path.
  const initUs = r.report?.initDurationMs !== undefined && r.classification !== 'pre-initialized' ? r.report.initDurationMs * 1000 : undefined;
  if (initUs === undefined) return { sentUs: r.sentUs, invokeStartUs, endUs };
  return { sentUs: r.sentUs, initStartUs: Math.max(r.sentUs, invokeStartUs - initUs), invokeStartUs, endUs };
}

/** The time axis: round ticks in ms or s since `t0`, labelled, along the bottom of the plot. */
function timeAxis(t0: number, spanUs: number, y: number, xOf: (us: number) => number): string {
  const parts: string[] = [`<line x1="${PAD.left}" y1="${y}" x2="${PAD.left + PLOT_W}" y2="${y}" stroke="${COLORS.axis}"/>`];
  const inSeconds = spanUs >= 2_000_000;
  const unitUs = inSeconds ? 1e6 : 1000;
  for (const tick of niceTicks(spanUs / unitUs, 8)) {
    if (tick * unitUs > spanUs) break;
    const x = xOf(t0 + tick * unitUs);
    parts.push(`<line x1="${x.toFixed(1)}" y1="${y}" x2="${x.toFixed(1)}" y2="${y + 4}" stroke="${COLORS.axis}"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${y + 15}" font-size="10" text-anchor="middle">${tick}${inSeconds ? ' s' : ' ms'}</text>`);
  }
  parts.push(`<text class="axis-label" x="${PAD.left + PLOT_W / 2}" y="${y + 30}" font-size="11" text-anchor="middle">time since the cell's first invocation was sent</text>`);
  return parts.join('');
}

/** Throttles and errors as ticks on one strip, each with its Reason or error type. */
function failureStrip(records: readonly InvocationRecord[], y: number, xOf: (us: number) => number): string {
  const failed = records.filter((r) => r.outcome !== 'ok');
  if (failed.length === 0) return '';
  const throttled = failed.filter((r) => r.outcome === 'throttled').length;
  const label = [throttled > 0 ? `${throttled} throttled` : '', failed.length > throttled ? `${failed.length - throttled} errors` : ''].filter(Boolean).join(', ');
  const parts = [`<text x="${PAD.left - 6}" y="${y + STRIP_H - 4}" font-size="10" text-anchor="end">${label}</text>`];
  for (const r of failed) {
    const kind = kindOf(r);
    const x = xOf(r.sentUs);
    parts.push(
      `<rect class="fail ${kind}" x="${x.toFixed(1)}" y="${y}" width="1.5" height="${STRIP_H - 2}" fill="${COLORS[kind]}"><title>${escapeHtml(`#${r.index} ${r.outcome}${r.errorType ? ` (${r.errorType})` : ''} after ${fmtMs(r.latencyUs)}`)}</title></rect>`,
    );
  }
  return parts.join('');
}

function svgOf(cell: CellResult, mode: string, height: number, body: string): string {
  return `<svg class="chart timeline ${mode}" data-cell="${escapeHtml(cell.spec.id)}" role="img" aria-label="Environment timeline of ${escapeHtml(cell.spec.label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

/** One lane per environment, ordered by first use. */
function lanes(cell: CellResult, envOrder: Map<string, number>, t0: number, spanUs: number): string {
  const records = cell.records;
  const laneH = Math.max(2, Math.min(12, Math.floor(360 / envOrder.size)));
  const hasFailures = records.some((r) => r.outcome !== 'ok');
  const stripY = PAD.top;
  const lanesTop = PAD.top + (hasFailures ? STRIP_H + 4 : 0);
  const axisY = lanesTop + envOrder.size * laneH + 2;
  const height = Math.max(axisY + PAD.bottom, 150);
  const xOf = (us: number): number => PAD.left + ((us - t0) / spanUs) * PLOT_W;
  const parts: string[] = [];
  parts.push(`<text class="axis-label" transform="translate(${PAD.left - 20} ${lanesTop + (envOrder.size * laneH) / 2}) rotate(-90)" font-size="11" text-anchor="middle">${envOrder.size} environments, one lane each</text>`);
  for (const r of records) {
    if (r.outcome !== 'ok' || !r.env) continue;
    const lane = envOrder.get(r.env.envId) ?? 0;
    const y = lanesTop + lane * laneH;
    const h = Math.max(1, laneH - (laneH > 3 ? 1 : 0));
    const p = phasesOf(r);
    const title = escapeHtml(`${r.env.envId} #${r.index} ${r.classification}: ${fmtMs(r.latencyUs)}${r.report?.initDurationMs !== undefined ? `, init ${r.report.initDurationMs.toFixed(0)} ms` : ''}`);
    if (p.initStartUs !== undefined) {
      if (p.initStartUs > p.sentUs) {
        parts.push(`<rect class="wait" x="${xOf(p.sentUs).toFixed(1)}" y="${(y + h / 2 - 0.5).toFixed(1)}" width="${Math.max(0.5, xOf(p.initStartUs) - xOf(p.sentUs)).toFixed(1)}" height="1" fill="${COLORS.unknown}"/>`);
      }
      parts.push(`<rect class="init" x="${xOf(p.initStartUs).toFixed(1)}" y="${y}" width="${Math.max(0.8, xOf(p.invokeStartUs) - xOf(p.initStartUs)).toFixed(1)}" height="${h}" fill="${COLORS.init}"><title>${title}</title></rect>`);
    }
    parts.push(
      `<rect class="inv ${r.classification}" x="${xOf(p.invokeStartUs).toFixed(1)}" y="${y}" width="${Math.max(0.8, xOf(p.endUs) - xOf(p.invokeStartUs)).toFixed(1)}" height="${h}" fill="${COLORS[r.classification]}"><title>${title}</title></rect>`,
    );
  }
  parts.push(failureStrip(records, stripY, xOf));
  parts.push(timeAxis(t0, spanUs, axisY, xOf));
  return svgOf(cell, 'lanes', height, parts.join(''));
}

/** How many environments were initialising and invoking, averaged over each time bin, stacked. */
function density(cell: CellResult, t0: number, spanUs: number): string {
  const records = cell.records;
  const binUs = spanUs / DENSITY_BINS;
  // Stacked from the axis up: initialising, invoking after a cold start, pre-initialized, invoking warm.
  const layers = [
    { name: 'init', color: COLORS.init, label: 'initialising', counts: new Float64Array(DENSITY_BINS) },
    { name: 'cold', color: COLORS.cold, label: 'invoking (cold)', counts: new Float64Array(DENSITY_BINS) },
    { name: 'pre-initialized', color: COLORS['pre-initialized'], label: 'invoking (pre-initialized)', counts: new Float64Array(DENSITY_BINS) },
    { name: 'warm', color: COLORS.warm, label: 'invoking (warm)', counts: new Float64Array(DENSITY_BINS) },
  ] as const;
  const [initing, cold, preInitialized, warm] = layers;
  const spread = (from: number, to: number, into: Float64Array): void => {
    // Adds the overlap of [from, to) with each bin, as a fraction of the bin: the mean count over the bin.
    const first = Math.max(0, Math.floor((from - t0) / binUs));
    const last = Math.min(DENSITY_BINS - 1, Math.floor((to - t0) / binUs));
    for (let b = first; b <= last; b++) {
      const lo = t0 + b * binUs;
      const overlap = Math.min(to, lo + binUs) - Math.max(from, lo);
      if (overlap > 0) into[b] = (into[b] ?? 0) + overlap / binUs;
    }
  };
  for (const r of records) {
    if (r.outcome !== 'ok') continue;
    const p = phasesOf(r);
    if (p.initStartUs !== undefined) spread(p.initStartUs, p.invokeStartUs, initing.counts);
    spread(p.invokeStartUs, p.endUs, r.classification === 'warm' ? warm.counts : r.classification === 'pre-initialized' ? preInitialized.counts : cold.counts);
  }
  let peak = 1;
  for (let b = 0; b < DENSITY_BINS; b++) peak = Math.max(peak, layers.reduce((sum, l) => sum + (l.counts[b] ?? 0), 0));
  const ticks = niceTicks(peak, 4);
  const top = ticks[ticks.length - 1] || 1;
  const hasFailures = records.some((r) => r.outcome !== 'ok');
  const plotTop = PAD.top + (hasFailures ? STRIP_H + 8 : 0);
  const plotH = 200;
  const axisY = plotTop + plotH;
  const height = axisY + PAD.bottom;
  const xOf = (us: number): number => PAD.left + ((us - t0) / spanUs) * PLOT_W;
  const yOf = (count: number): number => axisY - (count / top) * plotH;
  const parts: string[] = [];
  for (const tick of ticks) {
    const y = yOf(tick);
    parts.push(`<line x1="${PAD.left}" y1="${y.toFixed(1)}" x2="${PAD.left + PLOT_W}" y2="${y.toFixed(1)}" stroke="${COLORS.grid}"/>`);
    parts.push(`<text x="${PAD.left - 4}" y="${(y + 3).toFixed(1)}" font-size="10" text-anchor="end">${tick}</text>`);
  }
  const barW = PLOT_W / DENSITY_BINS;
  for (let b = 0; b < DENSITY_BINS; b++) {
    const x = PAD.left + b * barW;
    const at = `${fmtMs(b * binUs)}–${fmtMs((b + 1) * binUs)}`;
    let below = 0;
    for (const layer of layers) {
      const count = layer.counts[b] ?? 0;
      if (count <= 0) continue;
      parts.push(
        `<rect class="density ${layer.name}" x="${x.toFixed(1)}" y="${yOf(below + count).toFixed(1)}" width="${barW.toFixed(2)}" height="${(yOf(below) - yOf(below + count)).toFixed(1)}" fill="${layer.color}"><title>${escapeHtml(`${at}: ${count.toFixed(1)} ${layer.label}`)}</title></rect>`,
      );
      below += count;
    }
  }
  parts.push(`<text class="axis-label" transform="translate(${PAD.left - 34} ${plotTop + plotH / 2}) rotate(-90)" font-size="11" text-anchor="middle">environments (mean per bin)</text>`);
  parts.push(failureStrip(records, PAD.top, xOf));
  parts.push(timeAxis(t0, spanUs, axisY, xOf));
  return svgOf(cell, 'density', height, parts.join(''));
}

/** The timeline of one cell, and one sentence on how to read it. */
export function timelineSvg(cell: CellResult): { svg: string; note: string } {
  const records = cell.records;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const r of records) {
    if (r.sentUs < t0) t0 = r.sentUs;
    if (r.finishedUs > t1) t1 = r.finishedUs;
  }
  if (records.length === 0) return { svg: '', note: 'No invocations.' };
  const spanUs = Math.max(1000, t1 - t0);
  const envOrder = new Map<string, number>();
  for (const r of [...records].sort((a, b) => a.sentUs - b.sentUs)) if (r.env && !envOrder.has(r.env.envId)) envOrder.set(r.env.envId, envOrder.size);
  if (envOrder.size > 0 && envOrder.size <= TIMELINE_MAX_LANES) {
    return { svg: lanes(cell, envOrder, t0, spanUs), note: `${envOrder.size} environments, one lane each (emulator ground truth).` };
  }
  const why =
    envOrder.size === 0
      ? 'No environment ids in these results (real Lambda does not say which environment served a request)'
      : `${envOrder.size} environments, more than ${TIMELINE_MAX_LANES} lanes can show`;
  return { svg: density(cell, t0, spanUs), note: `${why}: how many environments were initialising and invoking over time.` };
}
