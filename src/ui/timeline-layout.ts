/**
 * Lays the timeline model out on a character grid of a given size: pure, no ink, so the TUI
 * only prints rows and a frame at 300 environments stays cheap. Time runs left to right; one column is
 * (end - start) / width µs.
 */
import type { ActivityView } from './activity.js';
import type { TimelineModel } from './store.js';

/** What one character cell shows; larger wins when several things share a cell. */
export const Cell = { empty: 0, idle: 1, invoke: 2, failed: 3, init: 4 } as const;
/** A cell kind's number. */
export type Cell = (typeof Cell)[keyof typeof Cell];

/**
 * Glyphs per cell kind: distinct without colour so a plain capture still reads, and ASCII on purpose:
 * ink measures every non-ASCII line through a grapheme segmenter, which made a 300-environment frame ~3×
 * slower (measured in bench/tui.bench.ts).
 */
export const GLYPH: Record<Cell, string> = {
  [Cell.empty]: ' ',
  [Cell.idle]: '.',
  [Cell.invoke]: '=',
  [Cell.failed]: '!',
  [Cell.init]: '#',
};

/** Glyph for a throttled invocation's mark. */
export const THROTTLE_GLYPH = 'x';

const LEVELS = ' ▁▂▃▄▅▆▇█';

/** A stretch of one row drawn in one style. */
export interface Run {
  style: 'empty' | 'idle' | 'invoke' | 'failed' | 'init' | 'throttled' | 'level' | 'cold';
  text: string;
}

/** One row of the timeline. */
export interface TimelineRow {
  label: string;
  runs: Run[];
}

/** The laid-out timeline. */
export interface TimelineLayout {
  mode: TimelineModel['mode'];
  rows: TimelineRow[];
  /** Environments per lane row (1 = unfolded). */
  lanesPerRow: number;
  /** Environments that did not fit even folded. */
  hiddenEnvs: number;
  totalEnvs: number;
  /** Width of the label column (rows' labels are padded to it). */
  labelWidth: number;
}

/** Most environments folded into one row before the view scrolls instead (and counts the hidden ones). */
export const MAX_LANES_PER_ROW = 16;

const STYLE_OF: Record<Cell, Run['style']> = {
  [Cell.empty]: 'empty',
  [Cell.idle]: 'idle',
  [Cell.invoke]: 'invoke',
  [Cell.failed]: 'failed',
  [Cell.init]: 'init',
};

function runsOf(cells: Uint8Array): Run[] {
  const runs: Run[] = [];
  let start = 0;
  for (let i = 1; i <= cells.length; i += 1) {
    if (i === cells.length || cells[i] !== cells[start]) {
      const cell = (cells[start] ?? Cell.empty) as Cell;
      runs.push({ style: STYLE_OF[cell], text: GLYPH[cell].repeat(i - start) });
      start = i;
    }
  }
  return runs;
}

function markRun(marks: Uint8Array, style: Run['style'], glyph: string): Run[] {
  const runs: Run[] = [];
  let start = 0;
  for (let i = 1; i <= marks.length; i += 1) {
    if (i === marks.length || (marks[i] ?? 0) > 0 !== (marks[start] ?? 0) > 0) {
      const on = (marks[start] ?? 0) > 0;
      runs.push({ style: on ? style : 'empty', text: (on ? glyph : ' ').repeat(i - start) });
      start = i;
    }
  }
  return runs;
}

/** Per column, the activity counts of `series` whose bins fall in it. */
function countsPerColumn(activity: ActivityView, series: readonly number[], startUs: number, colUs: number, width: number): Float64Array {
  const out = new Float64Array(width);
  for (let b = 0; b < series.length; b += 1) {
    const v = series[b] ?? 0;
    if (v === 0) continue;
    const centreUs = activity.originUs + (b + 0.5) * activity.binUs;
    const c = Math.min(width - 1, Math.max(0, Math.floor((centreUs - startUs) / colUs)));
    out[c] = (out[c] ?? 0) + v;
  }
  return out;
}

/** Per column, mean invocations in flight (busy µs over the time covered). */
function concurrencyPerColumn(activity: ActivityView, startUs: number, colUs: number, width: number): Float64Array {
  const out = new Float64Array(width);
  if (activity.binUs >= colUs) {
    // Bins wider than columns: sample the bin under each column's centre.
    for (let c = 0; c < width; c += 1) {
      const b = Math.floor((startUs + (c + 0.5) * colUs - activity.originUs) / activity.binUs);
      out[c] = (activity.busyUs[b] ?? 0) / activity.binUs;
    }
    return out;
  }
  const busy = countsPerColumn(activity, activity.busyUs, startUs, colUs, width);
  for (let c = 0; c < width; c += 1) out[c] = (busy[c] ?? 0) / colUs;
  return out;
}

function sparkline(values: Float64Array, style: Run['style']): Run[] {
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  let text = '';
  for (const v of values) {
    text += v <= 0 || max === 0 ? ' ' : (LEVELS[Math.max(1, Math.round((v / max) * 8))] ?? '█');
  }
  return [{ style, text }];
}

/** Lays out `model` in `width` timeline columns and at most `maxRows` rows (throttle and activity rows included). */
export function layoutTimeline(model: TimelineModel, width: number, maxRows: number): TimelineLayout {
  const cols = Math.max(1, Math.floor(width));
  const rowsAvailable = Math.max(1, Math.floor(maxRows));
  const spanUs = Math.max(1, model.endUs - model.startUs);
  const colUs = spanUs / cols;
  const activity = model.activity;
  const anyThrottle = activity.throttled.some((v) => v > 0);
  const throttleMarks = (): Uint8Array => {
    const counts = countsPerColumn(activity, activity.throttled, model.startUs, colUs, cols);
    return Uint8Array.from(counts, (v) => (v > 0 ? 1 : 0));
  };

  if (model.mode === 'aggregate') {
    const rows: TimelineRow[] = [
      { label: 'in flight', runs: sparkline(concurrencyPerColumn(activity, model.startUs, colUs, cols), 'level') },
      { label: 'cold', runs: sparkline(countsPerColumn(activity, activity.cold, model.startUs, colUs, cols), 'cold') },
    ];
    if (anyThrottle) rows.push({ label: 'throttled', runs: markRun(throttleMarks(), 'throttled', THROTTLE_GLYPH) });
    return { mode: 'aggregate', rows: rows.slice(0, rowsAvailable), lanesPerRow: 1, hiddenEnvs: 0, totalEnvs: 0, labelWidth: 9 };
  }

  const laneRows = Math.max(1, rowsAvailable - (anyThrottle ? 1 : 0));
  const total = model.lanes.length;
  const lanesPerRow = Math.min(MAX_LANES_PER_ROW, Math.max(1, Math.ceil(total / laneRows)));
  const shownLanes = Math.min(total, laneRows * lanesPerRow);
  const rows: TimelineRow[] = [];
  const cells = new Uint8Array(cols);
  for (let first = 0; first < shownLanes; first += lanesPerRow) {
    cells.fill(Cell.empty);
    const last = Math.min(shownLanes, first + lanesPerRow) - 1;
    for (let i = first; i <= last; i += 1) {
      const lane = model.lanes[i];
      if (!lane) continue;
      let firstCol = cols;
      for (const segment of lane.segments) {
        const c0 = Math.min(cols - 1, Math.max(0, Math.floor((segment.startUs - model.startUs) / colUs)));
        const c1 = Math.min(cols - 1, Math.max(c0, Math.floor((segment.endUs - model.startUs) / colUs)));
        const cell: Cell = segment.kind === 'init' ? Cell.init : segment.kind === 'failed' ? Cell.failed : Cell.invoke;
        for (let c = c0; c <= c1; c += 1) if ((cells[c] ?? 0) < cell) cells[c] = cell;
        if (c0 < firstCol) firstCol = c0;
      }
      // After its first invocation the environment exists: empty time from then on is idle.
      for (let c = firstCol; c < cols; c += 1) if (cells[c] === Cell.empty) cells[c] = Cell.idle;
    }
    const a = model.lanes[first]?.ordinal ?? first + 1;
    const b = model.lanes[last]?.ordinal ?? last + 1;
    rows.push({ label: a === b ? `#${a}` : `#${a}-${b}`, runs: runsOf(cells) });
  }
  if (anyThrottle) rows.push({ label: 'throttled', runs: markRun(throttleMarks(), 'throttled', THROTTLE_GLYPH) });
  const labelWidth = Math.max(4, ...rows.map((r) => r.label.length));
  return { mode: 'lanes', rows, lanesPerRow, hiddenEnvs: total - shownLanes, totalEnvs: total, labelWidth };
}
