/**
 * Invocation activity over time in a fixed number of bins that coarsen as the run grows, so that
 * recording stays O(1)-ish per record and a frame reads a bounded array however long the run is.
 * This is what can honestly be drawn on AWS, where no environment id is known.
 */

/** Number of time bins kept; a frame resamples them to its width. */
export const ACTIVITY_BINS = 240;

/** Read-only copy of the activity bins for one frame. */
export interface ActivityView {
  /** µs since run start where bin 0 begins. */
  originUs: number;
  /** Width of one bin, µs. */
  binUs: number;
  /** Sum of invocation time (sent → finished) falling in each bin, µs; divided by binUs it is mean concurrency. */
  busyUs: readonly number[];
  /** Cold starts by the bin of their send time. */
  cold: readonly number[];
  /** Throttled invocations by the bin of their send time. */
  throttled: readonly number[];
  /** Invocations that failed (not ok, not throttled) by the bin of their send time. */
  failed: readonly number[];
}

/** Mutable, bounded activity bins; owned by the store. */
export class Activity {
  private binUs: number;
  private busyUs = new Array<number>(ACTIVITY_BINS).fill(0);
  private cold = new Array<number>(ACTIVITY_BINS).fill(0);
  private throttled = new Array<number>(ACTIVITY_BINS).fill(0);
  private failed = new Array<number>(ACTIVITY_BINS).fill(0);

  /** `initialBinUs` is the finest resolution (µs per bin) at the start of a run. */
  constructor(
    private readonly originUs = 0,
    initialBinUs = 10_000,
  ) {
    this.binUs = initialBinUs;
  }

  /** Records one invocation's [sentUs, finishedUs] and what it was. */
  add(sentUs: number, finishedUs: number, kind: { cold: boolean; throttled: boolean; failed: boolean }): void {
    const startUs = Math.max(sentUs, this.originUs);
    const endUs = Math.max(finishedUs, startUs);
    this.coverUntil(endUs);
    const first = this.binOf(startUs);
    if (kind.cold) this.cold[first] = (this.cold[first] ?? 0) + 1;
    if (kind.throttled) this.throttled[first] = (this.throttled[first] ?? 0) + 1;
    if (kind.failed) this.failed[first] = (this.failed[first] ?? 0) + 1;
    const last = this.binOf(endUs);
    for (let bin = first; bin <= last; bin += 1) {
      const binStart = this.originUs + bin * this.binUs;
      const overlap = Math.min(endUs, binStart + this.binUs) - Math.max(startUs, binStart);
      if (overlap > 0) this.busyUs[bin] = (this.busyUs[bin] ?? 0) + overlap;
    }
  }

  /** Widens the bins (merging pairs) until `atUs` falls inside the last one. */
  coverUntil(atUs: number): void {
    while (atUs >= this.originUs + ACTIVITY_BINS * this.binUs) {
      for (const series of [this.busyUs, this.cold, this.throttled, this.failed]) {
        for (let i = 0; i < ACTIVITY_BINS; i += 1) {
          series[i] = i < ACTIVITY_BINS / 2 ? (series[2 * i] ?? 0) + (series[2 * i + 1] ?? 0) : 0;
        }
      }
      this.binUs *= 2;
    }
  }

  /** A copy safe to hand to a renderer. */
  view(): ActivityView {
    return {
      originUs: this.originUs,
      binUs: this.binUs,
      busyUs: this.busyUs.slice(),
      cold: this.cold.slice(),
      throttled: this.throttled.slice(),
      failed: this.failed.slice(),
    };
  }

  private binOf(atUs: number): number {
    return Math.min(ACTIVITY_BINS - 1, Math.max(0, Math.floor((atUs - this.originUs) / this.binUs)));
  }
}
