/**
 * Compact unit formatting for the live view, where every column counts. (The final summary uses the
 * report module's formatting; these strings only live on screen for a frame.)
 */

/** Formats a duration in µs as `850µs`, `12.3ms`, `245ms`, `1.24s` or `2m05s`. */
export function shortUs(us: number): string {
  if (!Number.isFinite(us) || us < 0) return '-';
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 100_000) return `${(us / 1000).toFixed(1)}ms`;
  if (us < 1_000_000) return `${Math.round(us / 1000)}ms`;
  if (us < 60_000_000) return `${(us / 1_000_000).toFixed(2)}s`;
  const totalS = Math.floor(us / 1_000_000);
  return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, '0')}s`;
}

/** Formats elapsed run time in µs as `3s` or `1m05s` (whole seconds: the idle view redraws once a second). */
export function elapsed(us: number): string {
  if (us < 60_000_000) return `${Math.floor(us / 1_000_000)}s`;
  return shortUs(us);
}
