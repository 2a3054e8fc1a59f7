/**
 * HDR histograms in microseconds (hdr-histogram-js, plain JS, no WebAssembly so nothing needs freeing
 * outside the garbage collector), their percentiles, and their encoded form for results files.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, JsHistogram } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencyStats } from './types.js';

export type { Histogram } from 'hdr-histogram-js';

/** Highest value a histogram tracks, µs (one hour: longer than Lambda's 900 s timeout). */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

/** Significant decimal digits kept per value (3 = 0.1 % relative error). */
export const SIGNIFICANT_DIGITS: 2 | 3 = 3;

/** Stats of an empty histogram: all zeros. */
export const EMPTY_STATS: LatencyStats = Object.freeze({
  count: 0,
  minUs: 0,
  meanUs: 0,
  p50Us: 0,
  p90Us: 0,
  p99Us: 0,
  p999Us: 0,
  maxUs: 0,
});

/**
 * A new empty histogram for values in µs (1 µs to one hour). 3 significant digits take ~100 KB;
 * 2 digits (1 % error) take ~12 KB, for the many small per-burst histograms.
 */
export function createHistogram(significantDigits: 2 | 3 = SIGNIFICANT_DIGITS): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: significantDigits,
    useWebAssembly: false,
    // Fixed range: auto-resize would let one absurd value grow the counts array (and the encoded form).
    autoResize: false,
  });
}

/** Record one value in µs, rounded and clamped into the trackable range (never throws). */
export function recordUs(histogram: Histogram, valueUs: number): void {
  const v = Number.isFinite(valueUs) ? Math.round(valueUs) : 0;
  histogram.recordValue(Math.min(HIGHEST_TRACKABLE_US, Math.max(0, v)));
}

/** Percentiles reported by {@link statsOf}, in the order of the single pass below. */
const PERCENTILES = [0, 50, 90, 99, 99.9, 100] as const;

/** hdr-histogram-js's count rank for a percentile (its own rounding, copied so results are identical). */
function rankOf(percentile: number, totalCount: number): number {
  const fp = (percentile / 100) * totalCount;
  const ulp = fp === 0 ? 0 : Math.pow(2, Math.floor(Math.log2(fp)) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}

/**
 * Percentiles of a histogram, µs, in one pass over the counts (a live view calls this every frame; six
 * `getValueAtPercentile` calls would scan the counts six times). Values equal hdr-histogram-js's own
 * `getValueAtPercentile`: min and max are bucket-equivalent values, so a live histogram and its decoded copy
 * give identical stats.
 */
export function statsOf(histogram: Histogram): LatencyStats {
  const count = histogram.totalCount;
  if (count === 0) return { ...EMPTY_STATS };
  if (!(histogram instanceof JsHistogram)) {
    return {
      count,
      minUs: histogram.getValueAtPercentile(0),
      meanUs: Math.round(histogram.mean * 10) / 10,
      p50Us: histogram.getValueAtPercentile(50),
      p90Us: histogram.getValueAtPercentile(90),
      p99Us: histogram.getValueAtPercentile(99),
      p999Us: histogram.getValueAtPercentile(99.9),
      maxUs: histogram.getValueAtPercentile(100),
    };
  }
  const ranks = PERCENTILES.map((p) => rankOf(p, count));
  const values = [0, 0, 0, 0, 0, 0];
  let next = 0;
  let seen = 0;
  let sum = 0;
  const length = histogram.countsArrayLength;
  for (let i = 0; i < length && seen < count; i++) {
    const c = histogram.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    const value = histogram.valueFromIndex(i);
    sum += histogram.medianEquivalentValue(value) * c;
    while (next < ranks.length && seen >= (ranks[next] ?? Infinity)) {
      values[next] = next === 0 ? histogram.lowestEquivalentValue(value) : histogram.highestEquivalentValue(value);
      next++;
    }
  }
  return {
    count,
    minUs: values[0] ?? 0,
    meanUs: Math.round((sum / count) * 10) / 10,
    p50Us: values[1] ?? 0,
    p90Us: values[2] ?? 0,
    p99Us: values[3] ?? 0,
    p999Us: values[4] ?? 0,
    maxUs: values[5] ?? 0,
  };
}

/** The compressed base64 form stored in results files (`HISTFAAA…`). */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/**
 * Decode a stored histogram; throws an Error when the text is not an encoded histogram (callers at the
 * I/O boundary turn it into a usage error naming the file).
 */
export function decodeHistogram(encoded: string): Histogram {
  const decoded = decodeFromCompressedBase64(encoded, 32, false, HIGHEST_TRACKABLE_US);
  // Re-home into our fixed layout so merges and iteration never depend on the encoder's settings.
  const h = createHistogram();
  h.add(decoded);
  decoded.destroy();
  return h;
}

/** Merge encoded histograms (e.g. several cells or runs) into one new histogram. */
export function mergeEncoded(encoded: Iterable<string>): Histogram {
  const out = createHistogram();
  for (const e of encoded) {
    const h = decodeHistogram(e);
    out.add(h);
    h.destroy();
  }
  return out;
}

/** Percentiles of an encoded histogram, µs; empty stats for undefined. */
export function statsOfEncoded(encoded: string | undefined): LatencyStats {
  if (encoded === undefined) return { ...EMPTY_STATS };
  const h = decodeHistogram(encoded);
  const s = statsOf(h);
  h.destroy();
  return s;
}

/** One distinct recorded value (bucket-equivalent, µs) and how many records fell on it. */
export interface RecordedValue {
  valueUs: number;
  count: number;
}

/** Every distinct recorded value in ascending order (for text histograms); cost is linear in the bucket count. */
export function recordedValues(histogram: Histogram): RecordedValue[] {
  const out: RecordedValue[] = [];
  if (!(histogram instanceof JsHistogram) || histogram.totalCount === 0) return out;
  const it = histogram.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    out.push({ valueUs: histogram.highestEquivalentValue(v.valueIteratedTo), count: v.countAtValueIteratedTo });
  }
  return out;
}
