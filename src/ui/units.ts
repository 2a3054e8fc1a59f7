/**
 * Compact unit formatting for the live view, where every column counts: the same durations as every report
 * (core/duration.ts), plus the run clock in whole seconds.
 */
import { formatUs } from '../core/duration.js';

/** Formats a duration in µs as `850µs`, `12.3ms`, `245ms`, `1.24s` or `2m05s` (core/duration.ts), `-` when unknown. */
export function shortUs(us: number): string {
  return !Number.isFinite(us) || us < 0 ? '-' : formatUs(us);
}

/** Formats elapsed run time in µs as `3s` or `1m05s` (whole seconds: the idle view redraws once a second). */
export function elapsed(us: number): string {
  if (us < 60_000_000) return `${Math.floor(us / 1_000_000)}s`;
  return shortUs(us);
}
