/**
 * The live view's window panel for a load: the last few time windows as rows (t, rate asked and achieved, in
 * flight, cold starts, throttles, latency p50/p99, environments in use), a line naming the throttles' Reasons,
 * and the one-line form of a window the plain (non-TTY) output prints. Text in, text out, like lines.ts.
 */
import chalk from 'chalk';
import type { LoadWindow } from '../core/load-windows.js';
import { fit } from './fit.js';
import { shortUs } from './units.js';

/** What the panel draws: the load of the cell running, its window length and the windows shown so far. */
export interface LoadPanelModel {
  cell: string;
  windowMs: number;
  /** The latest windows, oldest first (the store keeps a bounded number). */
  windows: readonly LoadWindow[];
  /** Windows shown since the load started, those dropped from `windows` included. */
  total: number;
}

/** Most windows the panel shows; fewer when the terminal is short. */
export const MAX_PANEL_WINDOWS = 6;

/** Column widths, leading space included: t, asked/s, got/s, flight, cold, thr, p50, p99, envs (62 columns). */
const WIDTHS = [6, 9, 8, 8, 6, 5, 7, 7, 6] as const;
const HEAD = ['t', 'asked/s', 'got/s', 'flight', 'cold', 'thr', 'p50', 'p99', 'envs'] as const;

function seconds(index: number, windowMs: number): string {
  const s = (index * windowMs) / 1000;
  return `${windowMs % 1000 === 0 ? s.toFixed(0) : s.toFixed(1)}s`;
}

function perS(count: number, windowMs: number): string {
  const rate = (count * 1000) / windowMs;
  return rate >= 100 ? rate.toFixed(0) : rate.toFixed(1);
}

function row(w: LoadWindow, windowMs: number): string[] {
  const answered = w.finished > 0 || w.started > 0;
  return [
    seconds(w.index, windowMs),
    perS(w.requested, windowMs),
    perS(w.started, windowMs),
    String(w.inFlight),
    String(w.cold),
    String(w.throttled),
    answered ? shortUs(w.latencyP50Us) : '-',
    answered ? shortUs(w.latencyP99Us) : '-',
    w.environments === undefined ? '-' : String(w.environments),
  ];
}

/** Throttles by Reason over `windows`, largest first: `ReservedFunctionConcurrentInvocationLimitExceeded 12`. */
function reasons(windows: readonly LoadWindow[]): string {
  const counts = new Map<string, number>();
  for (const w of windows) for (const [reason, n] of Object.entries(w.throttlesByReason)) counts.set(reason, (counts.get(reason) ?? 0) + n);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
}

/** Lines the panel takes for at most `maxWindows` rows: heading, column heads, rows, and the Reasons line. */
export function loadPanelHeight(maxWindows: number): number {
  return 2 + maxWindows + 1;
}

/**
 * The panel: a heading, column heads, the last `maxWindows` windows, and (when any shown window was throttled) a
 * line of throttles by Reason. Every line fits `width`; never more than `loadPanelHeight(maxWindows)` lines.
 */
export function loadPanelLines(panel: LoadPanelModel, width: number, maxWindows: number): string[] {
  const shown = panel.windows.slice(-Math.max(0, maxWindows));
  const of = shown.length > 0 && panel.total > shown.length ? ` (last ${shown.length} of ${panel.total})` : '';
  const lines = [fit(width, [chalk.dim, `load windows of ${shortUs(panel.windowMs * 1000)}${of}: a window is shown once it closed`])];
  if (shown.length === 0) {
    lines.push(fit(width, [chalk.dim, 'waiting for the first window to close…']));
    return lines;
  }
  lines.push(fit(width, [chalk.dim, HEAD.map((h, i) => h.padStart(WIDTHS[i] ?? 6)).join('')]));
  for (const w of shown) {
    const cells = row(w, panel.windowMs).map((v, i) => v.padStart(WIDTHS[i] ?? 6));
    lines.push(
      fit(
        width,
        cells.slice(0, 4).join(''),
        [w.cold > 0 ? chalk.yellow : undefined, cells[4] ?? ''],
        [w.throttled > 0 ? chalk.magenta : undefined, cells[5] ?? ''],
        cells.slice(6).join(''),
      ),
    );
  }
  const byReason = reasons(shown);
  if (byReason !== '') lines.push(fit(width, [chalk.magenta, `throttled by Reason: ${byReason}`]));
  return lines;
}

/** One window as one line of the plain output: `t=3s: 100/s asked, 98/s started, 4 in flight, …`. */
export function windowLine(w: LoadWindow, windowMs: number): string {
  const parts = [
    `${perS(w.requested, windowMs)}/s asked`,
    `${perS(w.started, windowMs)}/s started`,
    `${w.inFlight} in flight`,
    `${w.cold} cold`,
    `${w.throttled} throttled${w.throttled > 0 ? ` (${reasons([w])})` : ''}`,
    `p50 ${shortUs(w.latencyP50Us)}`,
    `p99 ${shortUs(w.latencyP99Us)}`,
    `lag p99 ${shortUs(w.scheduleLagP99Us)}`,
  ];
  if (w.environments !== undefined) parts.push(`${w.environments} environments (${w.newEnvironments ?? 0} new)`);
  return `t=${seconds(w.index, windowMs)}: ${parts.join(', ')}`;
}
