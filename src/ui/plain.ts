/**
 * The plain-text event sink for non-TTY output (CI logs, pipes): one line per finished burst, a progress line at
 * most every few seconds while a long burst runs, and notices. Counts and percentiles are read from the run's
 * tally (the accumulator the final summary is made from); per record the sink only compares two clock readings.
 */
import { Chalk } from 'chalk';
import type { EventSink, RunEvent } from '../core/events.js';
import { RunTally } from '../core/tally.js';
import { formatCount, formatMb, formatUs } from '../report/format.js';
import { windowLine } from './load-panel.js';

/** Options of the plain sink: `color` for ANSI colour, `now()` in ms (injected so tests control progress pacing). */
export interface PlainSinkOptions {
  color: boolean;
  now: () => number;
  /** Minimum gap between progress lines, ms (default 5,000). */
  progressEveryMs?: number;
  /** The tally the engine feeds; without one the sink owns a tally and feeds it the events it is given. */
  tally?: RunTally;
}

/** What the sink knows of the burst in progress besides its counts. */
interface BurstFacts {
  burst: number;
  n: number;
  waves: number;
  /** A load step: sent over time, so it has no release spread. */
  load: boolean;
}

/** Create a plain-text sink writing whole lines (each ending in `\n`) through `write`. */
export function createPlainSink(write: (s: string) => void, options: PlainSinkOptions): EventSink {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const every = options.progressEveryMs ?? 5_000;
  const owned = options.tally === undefined;
  const run = options.tally ?? new RunTally();
  const bursts = new Map<string, BurstFacts>();
  let lastProgressAt = options.now();
  const line = (s: string): void => write(`${s}\n`);

  const key = (cell: string, burst: number): string => `${cell}#${burst}`;

  return (event: RunEvent): void => {
    if (owned) run.dispatch(event);
    switch (event.type) {
      case 'run-start':
        line(c.bold(`coldprobe: ${event.cells.length === 1 ? '1 cell' : `${event.cells.length} cells`} on ${event.targetKind}`));
        return;
      case 'cell-start': {
        const s = event.cell;
        const name = s.label || s.id;
        // A plain burst's cell is labelled with the function itself: say it once.
        const title = name === s.functionName || name.startsWith(`${s.functionName}:`) ? c.bold(name) : `${c.bold(name)}: ${s.functionName}`;
        line(`${title} (${s.runtime}, ${formatMb(s.memoryMb)}${s.provisioned > 0 ? `, provisioned ${s.provisioned}` : ''})`);
        return;
      }
      case 'step':
        if (event.step !== 'burst') line(c.dim(`${event.step}: ${event.detail}`));
        return;
      case 'burst-start':
        bursts.set(key(event.cell, event.burst), { burst: event.burst, n: event.n, waves: event.waves, load: event.load === true });
        lastProgressAt = options.now();
        return;
      case 'burst-released':
        return;
      case 'record': {
        const { cell, burst } = event.record;
        const b = bursts.get(key(cell, burst));
        if (!b) return;
        const at = options.now();
        if (at - lastProgressAt < every) return;
        const t = run.cell(cell)?.summary.burst(burst);
        if (t && t.total < b.n) {
          lastProgressAt = at;
          const ok = t.total - t.throttled - t.errors - t.interrupted;
          const what = b.load ? 'load' : `burst ${b.burst + 1}/${b.waves}`;
          line(c.dim(`  ${what}: ${formatCount(t.total)}/${formatCount(b.n)} done, ${formatCount(ok)} ok, ${formatCount(t.cold)} cold`));
        }
        return;
      }
      case 'burst-end': {
        const k = key(event.cell, event.burst);
        const b = bursts.get(k);
        bursts.delete(k);
        const t = run.cell(event.cell)?.summary.burst(event.burst);
        const info = event.info;
        const sent = info.n - info.notSent;
        const parts = [`${formatCount(sent)} sent`];
        if (t) {
          parts.push(c.green(`${formatCount(t.total - t.throttled - t.errors - t.interrupted)} ok`), c.cyan(`${formatCount(t.cold)} cold`));
          if (t.preInitialized > 0) parts.push(c.magenta(`${formatCount(t.preInitialized)} pre-initialized`));
          if (t.throttled > 0) parts.push(c.yellow(`${formatCount(t.throttled)} throttled`));
          if (t.errors > 0) parts.push(c.red(`${formatCount(t.errors)} ${t.errors === 1 ? 'error' : 'errors'}`));
          if (t.interrupted > 0) parts.push(c.yellow(`${formatCount(t.interrupted)} interrupted`));
        }
        if (info.notSent > 0) parts.push(c.yellow(`${formatCount(info.notSent)} not sent`));
        if (!event.load) parts.push(`spread ${formatUs(info.releaseSpreadUs)}`);
        if (t && t.latency.count > 0) parts.push(`p50 ${formatUs(t.latency.p50Us)}`, `p99 ${formatUs(t.latency.p99Us)}`);
        const waves = b ? `/${b.waves}` : '';
        line(event.load ? `load: ${parts.join(', ')}` : `burst ${info.index + 1}${waves}: ${parts.join(', ')}`);
        return;
      }
      case 'cell-end':
        return;
      case 'load-window':
        line(`  window ${windowLine(event.window, event.windowMs)}`);
        return;
      case 'notice':
        line(event.level === 'warn' ? c.yellow(`warning: ${event.message}`) : `note: ${event.message}`);
        return;
      case 'run-end':
        bursts.clear();
        if (event.interrupted) line(c.yellow('interrupted: results are partial'));
        return;
    }
  };
}
