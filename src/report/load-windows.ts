/**
 * A load's time windows as a text table (data in, string out): one row per window with the rate asked for and
 * achieved, in flight at its end, cold starts (and pre-initialized ones, when there are any), throttles, errors, latency p50/p99, schedule lag p99 and, on the
 * emulator, environments in use and new ones (the scaling rate).
 */
import type { LoadWindow } from '../core/load-windows.js';
import type { CellResult } from '../core/results.js';
import { formatUs, truncate } from './format.js';

/** At most this many rows; a longer load's windows are folded into groups of several windows. */
const MAX_ROWS = 60;
/** Column widths, leading space included: t, asked/s, got/s, flight, cold, thr, err, late, p50, p99, lag99, envs, new. */
const WIDTHS = [4, 8, 8, 7, 6, 5, 5, 6, 7, 7, 7, 5, 5];

/** The windows table of a load cell, or '' when the cell is not a load. */
export function renderLoadWindows(cell: CellResult | undefined, width: number): string {
  const load = cell?.load;
  if (load === undefined || load.windows.length === 0) return '';
  const fold = Math.ceil(load.windows.length / MAX_ROWS);
  const rows = foldWindows(load.windows, fold);
  const windowS = (load.windowMs * fold) / 1000;
  const envs = load.windows.some((w) => w.environments !== undefined);
  // Files from before the pre-initialized class have no such count: the column shows only when one is not 0.
  const pre = load.windows.some((w) => (w.preInitialized ?? 0) > 0);
  const head = ['t', 'asked/s', 'got/s', 'flight', 'cold', 'thr', 'err', 'late', 'p50', 'p99', 'lag99', ...(envs ? ['envs', 'new'] : []), ...(pre ? ['pre-init'] : [])];
  const lines = [
    '',
    `Per ${windowS}s window (stages ${load.stages}; ${load.scheduled} scheduled, ${load.startedFromBacklog} started late, waiting for a socket, ${load.notSent} not sent):`,
    truncate(head.map((h, i) => h.padStart(WIDTHS[i] ?? 9)).join(''), width),
  ];
  for (const w of rows) {
    const values = [
      `${(w.index * windowS).toFixed(windowS < 1 ? 1 : 0)}s`,
      (w.requested / windowS).toFixed(1),
      (w.started / windowS).toFixed(1),
      String(w.inFlight),
      String(w.cold),
      String(w.throttled),
      String(w.errors),
      String(w.late),
      w.finished > 0 || w.started > 0 ? formatUs(w.latencyP50Us) : '–',
      w.finished > 0 || w.started > 0 ? formatUs(w.latencyP99Us) : '–',
      w.started > 0 ? formatUs(w.scheduleLagP99Us) : '–',
      ...(envs ? [String(w.environments ?? 0), String(w.newEnvironments ?? 0)] : []),
      ...(pre ? [String(w.preInitialized ?? 0)] : []),
    ];
    const cells = values.map((v, i) => v.padStart(WIDTHS[i] ?? 9));
    lines.push(truncate(cells.join(''), width));
  }
  const reasons = new Map<string, number>();
  for (const w of load.windows) for (const [reason, n] of Object.entries(w.throttlesByReason)) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
  if (reasons.size > 0) lines.push(`Throttles by Reason: ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}.`);
  if (load.join !== undefined) {
    lines.push(
      'unavailable' in load.join
        ? `Cold/warm unknown for HTTP requests: ${load.join.unavailable}.`
        : `REPORT records joined: ${load.join.joined} of ${load.join.expected}${load.join.missing > 0 ? `, ${load.join.missing} missing after the log timeout (unknown)` : ''}${load.join.withoutRequestId > 0 ? `, ${load.join.withoutRequestId} responses without x-amzn-RequestId (unknown)` : ''}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Sums groups of `size` windows into one row each (percentiles: the group's worst window). */
function foldWindows(windows: readonly LoadWindow[], size: number): LoadWindow[] {
  if (size <= 1) return [...windows];
  const out: LoadWindow[] = [];
  for (let i = 0; i < windows.length; i += size) {
    const group = windows.slice(i, i + size);
    const last = group[group.length - 1] as LoadWindow;
    const sum = (f: (w: LoadWindow) => number): number => group.reduce((n, w) => n + f(w), 0);
    const max = (f: (w: LoadWindow) => number): number => Math.max(...group.map(f));
    const reasons: Record<string, number> = {};
    for (const w of group) for (const [r, n] of Object.entries(w.throttlesByReason)) reasons[r] = (reasons[r] ?? 0) + n;
    const folded: LoadWindow = {
      index: i / size,
      requested: sum((w) => w.requested),
      started: sum((w) => w.started),
      finished: sum((w) => w.finished),
      inFlight: last.inFlight,
      cold: sum((w) => w.cold),
      preInitialized: sum((w) => w.preInitialized ?? 0),
      warm: sum((w) => w.warm),
      unknown: sum((w) => w.unknown),
      throttled: sum((w) => w.throttled),
      throttlesByReason: reasons,
      errors: sum((w) => w.errors),
      latencyP50Us: max((w) => w.latencyP50Us),
      latencyP99Us: max((w) => w.latencyP99Us),
      dueLatencyP99Us: max((w) => w.dueLatencyP99Us),
      scheduleLagP99Us: max((w) => w.scheduleLagP99Us),
      late: sum((w) => w.late),
    };
    if (last.environments !== undefined) {
      folded.environments = max((w) => w.environments ?? 0);
      folded.newEnvironments = sum((w) => w.newEnvironments ?? 0);
    }
    out.push(folded);
  }
  return out;
}
