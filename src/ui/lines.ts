/**
 * The live view's text, built without ink: every block of the view as finished, pre-coloured lines that already
 * fit the terminal's width. ink's cost per frame is per character it tokenises and per node it lays out
 * (bench/tui.bench.ts), so the TUI hands it one string of finished lines: no nested <Text> colouring, no wrapping
 * or truncation for ink to measure. Colour comes from chalk's default instance, the one ink uses, so
 * `startTui`'s colour switch governs both. Every glyph used here is one column wide, so `length` is the width.
 */
import chalk from 'chalk';
import { fit, type Piece } from './fit.js';
import type { HistogramView } from './live-histogram.js';
import { loadPanelHeight, loadPanelLines, MAX_PANEL_WINDOWS } from './load-panel.js';
import type { CounterFacts, HeaderFacts, LivePercentiles, ProgressFacts, UiSnapshot } from './store.js';
import { Cell, GLYPH, MAX_LANES_PER_ROW, THROTTLE_GLYPH, layoutTimeline, type Run, type TimelineLayout, type TimelineRow } from './timeline-layout.js';
import { elapsed, shortUs } from './units.js';

/** The header line: target, cell k of N (several cells), function, runtime, memory, burst size, wave k of K, elapsed time. */
export function headerLine(header: HeaderFacts, width: number): string {
  const state = header.phase === 'ended' ? (header.interrupted ? ' · interrupted' : ' · done') : '';
  const line = (runtime: string): string =>
    [
      header.targetKind || 'starting',
      header.cells > 1 && header.cell > 0 ? `cell ${header.cell} of ${header.cells}` : '',
      header.functionName || '…',
      runtime,
      header.memoryMb ? `${header.memoryMb} MB` : '',
      header.burstN ? `n=${header.burstN}` : '',
      header.waves ? `wave ${header.wave}/${header.waves}` : '',
      elapsed(header.elapsedUs),
    ]
      .filter((p) => p !== '')
      .join(' · ') + state;
  // The runtime goes first when the line does not fit: the wave and the clock matter more while it runs.
  const full = line(header.runtime);
  return fit(width, [chalk.bold.cyan, 'coldprobe'], ` ${full.length + 10 <= width ? full : line('')}`);
}

/** What is happening now, so no second of the run is a blank screen; while stopping, what it waits for. */
export function statusLine(header: HeaderFacts, progress: ProgressFacts, width: number, stopping = false): string {
  if (stopping && header.phase !== 'ended') {
    const waiting = progress.inFlight > 0 ? `waiting for ${progress.inFlight} in flight (then interrupted)` : 'putting back changes, writing results';
    return fit(width, [chalk.yellow, `stopping… ${waiting} · Ctrl-C again: quit now`]);
  }
  return fit(width, [chalk.dim, header.step]);
}

/** `[####==----] done 45/60 · sent 50 · in flight 5` (# done, = in flight). */
export function progressLine(progress: ProgressFacts, width: number): string {
  const planned = Math.max(progress.planned, 1);
  const text = ` done ${progress.done}/${progress.planned} · sent ${progress.sent} · in flight ${progress.inFlight}`;
  const barWidth = Math.max(10, Math.min(40, width - text.length - 3));
  const doneCols = Math.min(barWidth, Math.round((progress.done / planned) * barWidth));
  const sentCols = Math.max(0, Math.min(barWidth - doneCols, Math.round(((progress.sent - progress.done) / planned) * barWidth)));
  return fit(
    width,
    '[',
    [chalk.green, '#'.repeat(doneCols)],
    [chalk.yellow, '='.repeat(sentCols)],
    [chalk.dim, '-'.repeat(Math.max(0, barWidth - doneCols - sentCols))],
    ']',
    text,
  );
}

function byKey(entries: CounterFacts['throttlesByReason']): string {
  return entries.map(([key, n]) => `${key} ${n}`).join(', ');
}

/** One line of counts, and a second naming throttle reasons and error types when there are any. */
export function counterLines(counters: CounterFacts, width: number): string[] {
  const lines = [
    fit(
      width,
      [chalk.yellow, `cold ${counters.cold}`],
      ...(counters.preInitialized > 0 ? (['  ', [chalk.cyan, `pre-initialized ${counters.preInitialized}`]] as const) : []),
      '  ',
      [chalk.green, `warm ${counters.warm}`],
      `  unknown ${counters.unknown}  `,
      [counters.throttled > 0 ? chalk.magenta : undefined, `throttled ${counters.throttled}`],
      '  ',
      [counters.errors > 0 ? chalk.red : undefined, `errors ${counters.errors}`],
      ...(counters.interrupted > 0 ? ['  ', [chalk.yellow, `interrupted ${counters.interrupted}`] as const] : []),
    ),
  ];
  const detail = [
    counters.throttlesByReason.length > 0 ? `throttled: ${byKey(counters.throttlesByReason)}` : '',
    counters.errorsByType.length > 0 ? `errors: ${byKey(counters.errorsByType)}` : '',
  ].filter((d) => d !== '');
  if (detail.length > 0) lines.push(fit(width, [chalk.dim, detail.join(' · ')]));
  return lines;
}

const COL = 9;

function latencyRow(label: string, p: LivePercentiles): string {
  const cells = p.count === 0 ? ['-', '-', '-', '-'] : [p.p50Us, p.p90Us, p.p99Us, p.maxUs].map(shortUs);
  return label.padEnd(8) + cells.map((c) => c.padStart(COL)).join('') + String(p.count).padStart(COL);
}

/** A heading and one row each for cold and warm. */
export function latencyLines(latency: { cold: LivePercentiles; warm: LivePercentiles }, width: number): string[] {
  return [
    fit(width, [chalk.dim, 'latency'.padEnd(8) + ['p50', 'p90', 'p99', 'max', 'n'].map((h) => h.padStart(COL)).join('')]),
    fit(width, [chalk.yellow, latencyRow('cold', latency.cold)]),
    fit(width, [chalk.green, latencyRow('warm', latency.warm)]),
  ];
}

const LEVELS = ' ▁▂▃▄▅▆▇█';

function bars(counts: readonly number[], max: number, cellWidth: number): string {
  return counts.map((n) => (n === 0 ? ' ' : (LEVELS[Math.max(1, Math.round((n / max) * 8))] ?? '█')).repeat(cellWidth)).join('');
}

/** Cold bars, warm bars and the axis's first and last edges; one waiting line before any response. */
export function histogramLines(histogram: HistogramView, width: number): string[] {
  const bins = histogram.cold.length;
  if (bins === 0) return [fit(width, [chalk.dim, 'histogram: waiting for responses…'])];
  const max = Math.max(1, ...histogram.cold, ...histogram.warm);
  const cellWidth = Math.max(1, Math.min(3, Math.floor((width - 10) / bins)));
  return [
    fit(width, 'hist cold│', [chalk.yellow, bars(histogram.cold, max, cellWidth)], '│'),
    fit(width, '     warm│', [chalk.green, bars(histogram.warm, max, cellWidth)], '│'),
    fit(width, [chalk.dim, `          ${axisLabels(histogram.edgesUs, cellWidth)}`]),
  ];
}

/** The decade edges (every 4th bin edge: the view's range is whole decades) under the bars, as many as fit apart. */
function axisLabels(edgesUs: readonly number[], cellWidth: number): string {
  let line = '';
  for (let k = 0; k < edgesUs.length; k += 4) {
    const label = shortUs(edgesUs[k] ?? 0);
    const at = k * cellWidth;
    if (line.length > 0 && at < line.length + 1) continue;
    line = line.padEnd(at) + label;
  }
  return line;
}

const PAINT: Partial<Record<Run['style'], (text: string) => string>> = {
  init: chalk.yellow,
  failed: chalk.red,
  throttled: chalk.magenta,
  level: chalk.cyan,
  cold: chalk.yellow,
};

function isGap(run: Run): boolean {
  return run.style === 'empty' || run.style === 'idle';
}

/** One timeline row, its trailing gaps dropped. */
function rowLine(row: TimelineRow, labelWidth: number, width: number): string {
  let end = row.runs.length;
  while (end > 0 && isGap(row.runs[end - 1] as Run)) end -= 1;
  const pieces: Piece[] = [`${row.label.padStart(labelWidth)} `];
  for (let i = 0; i < end; i += 1) {
    const run = row.runs[i] as Run;
    pieces.push(isGap(run) ? ' '.repeat(run.text.length) : [PAINT[run.style], run.text]);
  }
  return fit(width, ...pieces);
}

function timelineHeading(layout: TimelineLayout): string {
  if (layout.mode === 'aggregate') {
    // Fits 80 columns: why there are no lanes, and what is drawn instead.
    return 'no env ids from this target (Lambda does not name them): in flight, cold starts';
  }
  if (layout.totalEnvs === 0) return 'environments: waiting for responses…';
  const fold = layout.lanesPerRow > 1 ? `, ${layout.lanesPerRow} per row` : '';
  const legend = `${GLYPH[Cell.init]} init  ${GLYPH[Cell.invoke]} invoke  ${GLYPH[Cell.failed]} error  ${THROTTLE_GLYPH} throttled  (gaps: idle)`;
  return `environments ${layout.totalEnvs}${fold}  ${legend}`;
}

/** A step of the time axis: the smallest of these that leaves at least `minCols` columns between ticks. */
const AXIS_STEPS_US = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].map((s) => s * 1_000_000);

/** `0s    5s    10s`: run time under the timeline's columns (`cols` of them from `startUs` to `endUs`, µs). */
export function timeAxis(startUs: number, endUs: number, cols: number, minCols = 8): string {
  const colUs = Math.max(1, endUs - startUs) / Math.max(1, cols);
  const step = AXIS_STEPS_US.find((s) => s / colUs >= minCols) ?? (AXIS_STEPS_US.at(-1) as number);
  let line = '';
  for (let t = 0; t <= endUs - startUs; t += step) {
    const at = Math.round(t / colUs);
    const label = t === 0 ? '0s' : shortUs(t);
    if (at + label.length > cols) break;
    if (line.length > 0 && at < line.length + 1) continue;
    line = line.padEnd(at) + label;
  }
  return line;
}

/** A heading, the rows, a time axis, and a count of hidden environments when even folded lanes do not fit. */
export function timelineLines(layout: TimelineLayout, width: number, axis?: { startUs: number; endUs: number; cols: number }): string[] {
  const lines = [fit(width, [chalk.dim, timelineHeading(layout)])];
  for (const row of layout.rows) lines.push(rowLine(row, layout.labelWidth, width));
  if (axis !== undefined && layout.rows.length > 0) {
    lines.push(fit(width, [chalk.dim, `${'time'.padStart(layout.labelWidth)} ${timeAxis(axis.startUs, axis.endUs, axis.cols)}`]));
  }
  if (layout.hiddenEnvs > 0) {
    lines.push(fit(width, [chalk.dim, `… ${layout.hiddenEnvs} more environments not shown (of ${layout.totalEnvs})`]));
  }
  return lines;
}

/** What the live region is drawn from: the snapshot, the terminal's size in characters, and whether a stop was asked for. */
export interface LiveViewProps {
  snapshot: UiSnapshot;
  columns: number;
  rows: number;
  /** `q` or Ctrl-C was pressed: the run is stopping. */
  stopping?: boolean;
}

/** Lines used by everything but the timeline rows. */
function fixedLines(snapshot: UiSnapshot, status: boolean): number {
  const counterDetail = snapshot.counters.throttlesByReason.length + snapshot.counters.errorsByType.length > 0 ? 1 : 0;
  const histogram = snapshot.histogram.cold.length > 0 ? 3 : 1;
  // Two timeline rows always hold one row of folded lanes: a count of hidden ones needs more lanes than that.
  const hiddenCount = snapshot.timeline.mode === 'lanes' && snapshot.timeline.lanes.length > MAX_LANES_PER_ROW ? 1 : 0;
  // header, status, progress, counters(+detail), latency 3, histogram, timeline heading, time axis, hidden-count line.
  return 1 + (status ? 1 : 0) + 1 + 1 + counterDetail + 3 + histogram + 1 + 1 + hiddenCount;
}

/** Every line of the live region, pre-coloured and fitted to `columns` × `rows`. */
export function liveLines({ snapshot, columns, rows, stopping = false }: LiveViewProps): string[] {
  const width = Math.max(40, columns);
  // Keep one spare line: output as tall as the terminal makes ink clear and redraw everything.
  // A load's window panel says what the run is doing; the status line is kept for a stop.
  const status = snapshot.load !== undefined && !stopping ? '' : statusLine(snapshot.header, snapshot.progress, width, stopping);
  const free = rows - 1 - fixedLines(snapshot, status !== '');
  // A load's window panel takes what the timeline can spare above its two rows, up to MAX_PANEL_WINDOWS windows.
  const panelWindows = snapshot.load === undefined ? 0 : Math.max(0, Math.min(MAX_PANEL_WINDOWS, free - 2 - loadPanelHeight(0)));
  const panel = snapshot.load === undefined ? [] : loadPanelLines(snapshot.load, width, panelWindows);
  const timelineRows = Math.max(2, free - (snapshot.load === undefined ? 0 : loadPanelHeight(panelWindows)));
  const labelWidth = 10;
  const layout = layoutTimeline(snapshot.timeline, width - labelWidth - 1, timelineRows);
  return [
    headerLine(snapshot.header, width),
    ...(status !== '' ? [status] : []),
    progressLine(snapshot.progress, width),
    ...counterLines(snapshot.counters, width),
    ...latencyLines(snapshot.latency, width),
    ...histogramLines(snapshot.histogram, width),
    ...panel,
    ...timelineLines(layout, width, { startUs: snapshot.timeline.startUs, endUs: snapshot.timeline.endUs, cols: width - labelWidth - 1 }),
  ];
}
