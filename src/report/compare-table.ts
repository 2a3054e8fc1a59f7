/**
 * `coldprobe compare` as text: one block per cell pair, one row per metric with both values, the delta and
 * the noise verdict. Fits 80 columns. Data in, string out.
 */
import type { CellComparison, MetricComparison } from '../core/compare.js';
import type { NoiseResult } from '../core/noise.js';
import { formatValue } from '../core/threshold.js';

/** Terminal width the table is laid out for, in columns. */
export const TABLE_WIDTH = 80;

const W = { metric: 18, value: 10, delta: 8 } as const;

/** A short verdict for a table cell: `regression`, `within noise`, `need 20/side`… */
export function shortVerdict(noise: NoiseResult | undefined): string {
  if (!noise) return '';
  switch (noise.verdict) {
    case 'regression':
      return `REGRESSION (CI ${noise.ciLow?.toFixed(2)}–${noise.ciHigh?.toFixed(2)})`;
    case 'improvement':
      return `improvement (CI ${noise.ciLow?.toFixed(2)}–${noise.ciHigh?.toFixed(2)})`;
    case 'within-noise':
      return 'within noise';
    case 'cannot-judge':
      return `cannot judge: n<${noise.needed}`;
  }
}

/** Relative delta as `+12.3%`, or empty when there is none. */
export function formatDelta(delta: number | undefined): string {
  if (delta === undefined) return '';
  const pct = delta * 100;
  return `${pct >= 0 ? '+' : ''}${Math.abs(pct) >= 1000 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

const cutTo = (text: string, width: number): string => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

function row(m: MetricComparison, clip: boolean): string {
  const fit = clip ? cutTo : (text: string): string => text;
  const value = (v: number | undefined): string => (v === undefined ? '—' : formatValue(v, m.kind));
  const left = [
    fit(m.metric, W.metric).padEnd(W.metric),
    value(m.baseline).padStart(W.value),
    value(m.current).padStart(W.value),
    formatDelta(m.delta).padStart(W.delta),
  ].join(' ');
  const rest = TABLE_WIDTH - 2 - left.length - 2;
  return `  ${left}  ${fit(shortVerdict(m.noise), rest)}`.trimEnd();
}

/** The comparison table; `names` label the two sides (e.g. the file names); `clip` cuts long lines to 80 columns with `…` (a terminal). */
export function renderCompareTable(comparisons: readonly CellComparison[], names: { baseline: string; current: string }, clip = true): string {
  const fit = clip ? cutTo : (text: string): string => text;
  const lines: string[] = [`baseline: ${names.baseline}`, `current:  ${names.current}`, ''];
  const header = [
    'metric'.padEnd(W.metric),
    'baseline'.padStart(W.value),
    'current'.padStart(W.value),
    'delta'.padStart(W.delta),
  ].join(' ');
  for (const c of comparisons) {
    const { pair } = c;
    const how = pair.matchedBy === 'spec' ? ' (matched by function/runtime/memory)' : '';
    const side = !pair.baseline ? ' — only in current' : !pair.current ? ' — only in baseline' : '';
    // The suffix says which side is missing: keep it whole and shorten the name instead.
    const suffix = `${how}${side}`;
    const name = `${pair.id}${pair.label !== pair.id ? ` (${pair.label})` : ''}`;
    lines.push(`cell ${fit(name, TABLE_WIDTH - 5 - suffix.length)}${suffix}`);
    lines.push(`  ${header}  verdict`);
    for (const m of c.metrics) lines.push(row(m, clip));
    const judged = c.gated.filter((m) => m.noise !== undefined);
    if (c.regressions.length > 0) {
      lines.push(fit(`  => regression beyond the noise: ${c.regressions.map((m) => m.metric).join(', ')}`, TABLE_WIDTH));
    } else if (judged.length > 0 && c.inconclusive.length === 0) {
      lines.push('  => no regression beyond the noise');
    }
    for (const m of c.inconclusive) {
      const n = m.noise;
      if (n) lines.push(fit(`  => ${m.metric}: ${n.baselineN} vs ${n.currentN} samples, need ${n.needed} on each side`, TABLE_WIDTH));
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd() + '\n';
}
