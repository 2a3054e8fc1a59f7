/**
 * The plain-text event sink for non-TTY output (CI logs, pipes): one line per finished burst, a progress line at
 * most every few seconds while a long burst runs, and notices. Per-record work is a few counter bumps and one
 * histogram record, so the sink stays cheap on the burst path.
 */
import { Chalk } from 'chalk';
import type { EventSink, RunEvent } from '../core/events.js';
import { createHistogram, recordUs } from '../core/stats.js';
import type { Histogram } from '../core/stats.js';
import type { InvocationRecord } from '../core/types.js';
import { formatCount, formatMb, formatUs } from '../report/format.js';

/** Options of the plain sink: `color` for ANSI colour, `now()` in ms (injected so tests control progress pacing). */
export interface PlainSinkOptions {
  color: boolean;
  now: () => number;
  /** Minimum gap between progress lines, ms (default 5,000). */
  progressEveryMs?: number;
}

/** Counters of the burst in progress. */
class BurstTally {
  done = 0;
  ok = 0;
  cold = 0;
  warm = 0;
  throttled = 0;
  errors = 0;
  readonly latency: Histogram = createHistogram();

  constructor(
    readonly burst: number,
    readonly n: number,
    readonly waves: number,
  ) {}

  add(r: InvocationRecord): void {
    this.done++;
    if (r.outcome === 'ok') this.ok++;
    else if (r.outcome === 'throttled') this.throttled++;
    else this.errors++;
    if (r.classification === 'cold') this.cold++;
    else if (r.classification === 'warm') this.warm++;
    recordUs(this.latency, r.latencyUs);
  }
}

/** Create a plain-text sink writing whole lines (each ending in `\n`) through `write`. */
export function createPlainSink(write: (s: string) => void, options: PlainSinkOptions): EventSink {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const every = options.progressEveryMs ?? 5_000;
  const tallies = new Map<string, BurstTally>();
  let lastProgressAt = options.now();
  const line = (s: string): void => write(`${s}\n`);

  const key = (cell: string, burst: number): string => `${cell}#${burst}`;

  return (event: RunEvent): void => {
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
        tallies.set(key(event.cell, event.burst), new BurstTally(event.burst, event.n, event.waves));
        lastProgressAt = options.now();
        return;
      case 'burst-released':
        return;
      case 'record': {
        const t = tallies.get(key(event.record.cell, event.record.burst));
        if (!t) return;
        t.add(event.record);
        const at = options.now();
        if (at - lastProgressAt >= every && t.done < t.n) {
          lastProgressAt = at;
          line(c.dim(`  burst ${t.burst + 1}/${t.waves}: ${formatCount(t.done)}/${formatCount(t.n)} done, ${formatCount(t.ok)} ok, ${formatCount(t.cold)} cold`));
        }
        return;
      }
      case 'burst-end': {
        const k = key(event.cell, event.burst);
        const t = tallies.get(k);
        const info = event.info;
        const sent = info.n - info.notSent;
        const parts = [`${formatCount(sent)} sent`];
        if (t) {
          parts.push(c.green(`${formatCount(t.ok)} ok`), c.cyan(`${formatCount(t.cold)} cold`));
          if (t.throttled > 0) parts.push(c.yellow(`${formatCount(t.throttled)} throttled`));
          if (t.errors > 0) parts.push(c.red(`${formatCount(t.errors)} ${t.errors === 1 ? 'error' : 'errors'}`));
        }
        if (info.notSent > 0) parts.push(c.yellow(`${formatCount(info.notSent)} not sent`));
        parts.push(`spread ${formatUs(info.releaseSpreadUs)}`);
        if (t && t.latency.totalCount > 0) {
          parts.push(`p50 ${formatUs(t.latency.getValueAtPercentile(50))}`, `p99 ${formatUs(t.latency.getValueAtPercentile(99))}`);
        }
        const waves = t ? `/${t.waves}` : '';
        line(`burst ${info.index + 1}${waves}: ${parts.join(', ')}`);
        if (t) {
          t.latency.destroy();
          tallies.delete(k);
        }
        return;
      }
      case 'cell-end':
        return;
      case 'notice':
        line(event.level === 'warn' ? c.yellow(`warning: ${event.message}`) : `note: ${event.message}`);
        return;
      case 'run-end':
        for (const t of tallies.values()) t.latency.destroy();
        tallies.clear();
        if (event.interrupted) line(c.yellow('interrupted: results are partial'));
        return;
    }
  };
}
