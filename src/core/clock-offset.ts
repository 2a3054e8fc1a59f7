/**
 * This machine's clock against the target's, from the HTTP `Date` header of its responses. `Date` has a
 * resolution of one second, so one response only says the offset lies in a window about a second wide; the
 * window narrows where requests straddle the target's second boundary. `probeTimes` places the next round of
 * requests so each one splits the window at a different point (m requests cut it into m + 1 pieces, plus each
 * request's round trip); two rounds of 19 take a 1 s window to a few ms plus the round trip. Pure: the requests
 * themselves are sent by src/targets/clock-probe.ts.
 */

/** One response: local wall-clock instants around it (ms since the epoch) and its `Date` header (ms since the epoch). */
export interface DateSample {
  /** Local clock just before the request was written. */
  sentMs: number;
  /** Local clock when the response headers arrived. */
  receivedMs: number;
  /** The `Date` header, a whole second (HTTP dates carry no fraction). */
  dateMs: number;
}

/** The offset (target clock minus local clock) lies in `[lowMs, highMs)`. */
export interface OffsetBounds {
  lowMs: number;
  highMs: number;
}

/** The local clock against the target's, as a results file stores it. */
export interface ClockOffset {
  /** Target clock minus local clock, ms: add it to a local instant to get the target's. */
  offsetMs: number;
  /** Half the width of the window the offset is known to lie in, ms. */
  uncertaintyMs: number;
  /** What was measured against, e.g. `http-date 127.0.0.1:3001`. */
  source: string;
  /** Responses the estimate rests on. */
  samples: number;
}

/**
 * What one response proves. The target stamped `Date` at some instant s of its own clock while the request was
 * in flight, with dateMs ≤ s < dateMs + 1000, and s = t + offset for a local t in [sentMs, receivedMs].
 */
export function boundsOf(sample: DateSample): OffsetBounds {
  return { lowMs: sample.dateMs - sample.receivedMs, highMs: sample.dateMs + 1000 - sample.sentMs };
}

/**
 * The window every sample agrees on, or undefined when they contradict each other (a target whose `Date` lags
 * its clock unevenly, e.g. a cached header refreshed late, or a clock that stepped while probing).
 */
export function intersectBounds(samples: readonly DateSample[]): OffsetBounds | undefined {
  if (samples.length === 0) return undefined;
  let lowMs = Number.NEGATIVE_INFINITY;
  let highMs = Number.POSITIVE_INFINITY;
  for (const s of samples) {
    const b = boundsOf(s);
    if (b.lowMs > lowMs) lowMs = b.lowMs;
    if (b.highMs < highMs) highMs = b.highMs;
  }
  return lowMs <= highMs ? { lowMs, highMs } : undefined;
}

/** The offset at the middle of the agreed window; undefined without samples or when they contradict each other. */
export function estimateOffset(samples: readonly DateSample[], source: string): ClockOffset | undefined {
  const bounds = intersectBounds(samples);
  if (bounds === undefined) return undefined;
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    offsetMs: round((bounds.lowMs + bounds.highMs) / 2),
    uncertaintyMs: round((bounds.highMs - bounds.lowMs) / 2),
    source,
    samples: samples.length,
  };
}

/**
 * Local send instants (ms since the epoch, ascending, none before `notBeforeMs`) for `count` requests that cut
 * `bounds` into `count + 1` equal parts: request j goes out when the local clock is a whole target second minus
 * the j-th cut point, so whether its `Date` shows the new second tells on which side of that cut the offset lies.
 */
export function probeTimes(bounds: OffsetBounds, notBeforeMs: number, count: number): number[] {
  const out: number[] = [];
  const width = bounds.highMs - bounds.lowMs;
  for (let j = 1; j <= count; j += 1) {
    const cut = bounds.lowMs + (width * j) / (count + 1);
    // The first whole target second K (in ms) with K - cut at or after notBeforeMs.
    const k = Math.ceil((notBeforeMs + cut) / 1000) * 1000;
    out.push(k - cut);
  }
  return out.sort((a, b) => a - b);
}
