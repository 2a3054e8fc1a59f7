/**
 * Human units for reports and live views: durations from µs, counts, ratios and memory. Pure and compact
 * (no space before the unit) so table columns stay narrow: `850µs`, `12.3ms`, `1.2s`, `2m05s`.
 */

/** Three significant digits with trailing zeros dropped (`12.30` → `12.3`, `5.00` → `5`). */
function sig3(v: number): string {
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  const text = v.toFixed(digits);
  return digits === 0 ? text : text.replace(/\.?0+$/, '');
}

/** A duration given in µs, in the largest unit that keeps it ≥ 1: `850µs`, `12.3ms`, `1.23s`, `2m05s`, `1h02m`. */
export function formatUs(us: number): string {
  if (!Number.isFinite(us)) return '–';
  if (us < 0) return `-${formatUs(-us)}`;
  if (us < 999.5) return `${Math.round(us)}µs`;
  const ms = us / 1000;
  if (ms < 999.5) return `${sig3(ms)}ms`;
  const s = ms / 1000;
  if (s < 59.95) return `${sig3(s)}s`;
  const totalS = Math.round(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
  const totalM = Math.round(totalS / 60);
  return `${Math.floor(totalM / 60)}h${String(totalM % 60).padStart(2, '0')}m`;
}

/** A duration given in ms (as REPORT lines give them), formatted like {@link formatUs}. */
export function formatMs(ms: number): string {
  return formatUs(ms * 1000);
}

/** A count with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A ratio 0..1 as a percentage with one decimal: `62.4%`. */
export function formatPercent(ratio: number, decimals = 1): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(decimals)}%`;
}

/** A memory size in MB: `128MB`, `10240MB`. */
export function formatMb(mb: number): string {
  return `${Math.round(mb)}MB`;
}

/** Cut `text` to at most `width` characters, marking the cut with `…`. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}
