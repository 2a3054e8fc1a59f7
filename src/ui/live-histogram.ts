/**
 * A small log-scale latency histogram for the live view: four bins per decade from 100 µs to 1000 s,
 * one counter increment per record. The HDR histograms stay the source of the final numbers.
 */

const BINS_PER_DECADE = 4;
const FIRST_EDGE_EXP = 2; // 10^2 µs = 100 µs
const BIN_COUNT = (9 - FIRST_EDGE_EXP) * BINS_PER_DECADE; // up to 10^9 µs = 1000 s

/** Lower edge of bin `i`, µs. */
export function binEdgeUs(i: number): number {
  return 10 ** (FIRST_EDGE_EXP + i / BINS_PER_DECADE);
}

/** Bin index of a latency in µs (values outside the range fall in the first or last bin). */
export function binOf(latencyUs: number): number {
  if (!(latencyUs > 0)) return 0;
  const i = Math.floor((Math.log10(latencyUs) - FIRST_EDGE_EXP) * BINS_PER_DECADE);
  return Math.min(BIN_COUNT - 1, Math.max(0, i));
}

/** The visible part of the live histogram: bins from the first to the last non-empty one. */
export interface HistogramView {
  /** Lower edges of the shown bins, µs; one more entry than the counts (the last upper edge). */
  edgesUs: readonly number[];
  cold: readonly number[];
  warm: readonly number[];
}

/**
 * Mutable cold/warm bin counters; owned by the store. The shown range is whole decades and only ever grows:
 * a frame never moves or shrinks the axis the previous one drew, so bars do not jump about as responses arrive.
 */
export class LiveHistogram {
  private readonly cold = new Array<number>(BIN_COUNT).fill(0);
  private readonly warm = new Array<number>(BIN_COUNT).fill(0);
  private shownLo = BIN_COUNT;
  private shownHi = -1;

  /** Counts one latency (µs) in the cold or warm row. */
  add(latencyUs: number, cold: boolean): void {
    const row = cold ? this.cold : this.warm;
    const i = binOf(latencyUs);
    row[i] = (row[i] ?? 0) + 1;
  }

  /** The range shown so far widened to the filled span, in whole decades, at least `minBins` wide; as copies. */
  view(minBins = 8): HistogramView {
    let lo = BIN_COUNT;
    let hi = -1;
    for (let i = 0; i < BIN_COUNT; i += 1) {
      if ((this.cold[i] ?? 0) + (this.warm[i] ?? 0) > 0) {
        lo = Math.min(lo, i);
        hi = Math.max(hi, i);
      }
    }
    if (hi < 0) return { edgesUs: [], cold: [], warm: [] };
    lo = Math.min(this.shownLo, Math.floor(lo / BINS_PER_DECADE) * BINS_PER_DECADE);
    hi = Math.max(this.shownHi, Math.min(BIN_COUNT, Math.ceil((hi + 1) / BINS_PER_DECADE) * BINS_PER_DECADE) - 1);
    while (hi - lo + 1 < minBins && (lo > 0 || hi < BIN_COUNT - 1)) {
      if (hi < BIN_COUNT - 1) hi = Math.min(BIN_COUNT - 1, hi + BINS_PER_DECADE);
      else lo = Math.max(0, lo - BINS_PER_DECADE);
    }
    this.shownLo = lo;
    this.shownHi = hi;
    const edgesUs: number[] = [];
    for (let i = lo; i <= hi + 1; i += 1) edgesUs.push(binEdgeUs(i));
    return { edgesUs, cold: this.cold.slice(lo, hi + 1), warm: this.warm.slice(lo, hi + 1) };
  }
}
