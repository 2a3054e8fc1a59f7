/**
 * Human units for reports and live views: durations from µs, counts, ratios and memory. Pure and compact
 * (no space before the unit) so table columns stay narrow: `850µs`, `12.3ms`, `1.2s`, `2m05s`.
 */

/** Durations are formatted in one place for every view: src/core/duration.ts. */
export { formatMs, formatUs } from '../core/duration.js';

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
