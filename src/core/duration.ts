/**
 * Durations for people, both ways, in one place: parsing what users write (`500ms`, `5s`, `2m`, `1.5h`; a bare
 * number is ms) and formatting what coldprobe measured, compact (no space before the unit, so table columns
 * stay narrow): `850µs`, `12.3ms`, `1.23s`, `2m05s`, `1h02m`. Pure.
 */

/** Microseconds per unit, for every unit coldprobe reads (`us` is `µs` for keyboards without µ). */
export const UNIT_US: Readonly<Record<string, number>> = { us: 1, µs: 1, ms: 1000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };

/**
 * Parse a duration such as `500ms`, `5s`, `2m`, `1.5h` (or a bare number of ms unless `bare` is false) into ms;
 * undefined when `raw` is not one of `units` (default ms, s, m, h).
 */
export function parseDurationMs(raw: string, options: { units?: readonly string[]; bare?: boolean } = {}): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zµ]*)\s*$/.exec(raw);
  if (!match) return undefined;
  const unit = match[2] === '' ? (options.bare === false ? undefined : 'ms') : match[2];
  const units = options.units ?? ['ms', 's', 'm', 'h'];
  if (unit === undefined || (match[2] !== '' && !units.includes(unit))) return undefined;
  const perUs = UNIT_US[unit];
  return perUs === undefined ? undefined : (Number(match[1]) * perUs) / 1000;
}

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

/** A whole duration in ms as users write it: `1h`, `2m`, `30s`, `500ms` (the largest unit that divides it). */
export function formatWholeMs(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
