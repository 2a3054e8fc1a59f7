/**
 * Shards: one run split over N machines (`--shard i/N`). Shard i takes its share of every burst (a contiguous
 * slice of its invocation indices) and of every load (every N-th arrival, `ownsArrival`; its schedule is built by
 * core/load-schedule.ts), so the N shards together are exactly the whole plan and every invocation index is used
 * by exactly one shard. Pure.
 */
import type { ClockOffset } from './clock-offset.js';
import { usageError } from './errors.js';
import { buildSchedule } from './load-schedule.js';
import type { RunPlan, RunStep } from './plan.js';
import type { CellResult } from './results.js';

/** Shard `index` of `count` (1-based, as `--shard 2/4` is written). */
export interface Shard {
  index: number;
  count: number;
}

/** The whole run as one shard: `--start-at` or `--run-id` without `--shard`. */
export const WHOLE: Shard = Object.freeze({ index: 1, count: 1 });

/** Parse `--shard i/N` (1 ≤ i ≤ N); throws one usage sentence naming what is wrong. */
export function parseShard(raw: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw);
  if (!match) throw usageError(`--shard must be i/N with whole numbers, like 2/4, got '${raw}'.`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw usageError(`--shard needs at least 1 shard, got '${raw}'.`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count) {
    throw usageError(`--shard ${raw.trim()}: shards are numbered from 1 to ${count}.`);
  }
  return { index, count };
}

/** A contiguous slice of `total` items: `offset` is its first item, `size` its length. */
export interface Slice {
  offset: number;
  size: number;
}

/**
 * Shard's contiguous slice of `total` items: sizes differ by at most one, the first `total % N` shards take the
 * extra one, and the slices of shards 1..N tile 0..total-1 in order.
 */
export function sliceOf(total: number, shard: Shard): Slice {
  const base = Math.floor(total / shard.count);
  const extra = total % shard.count;
  const before = shard.index - 1;
  return { offset: before * base + Math.min(before, extra), size: base + (before < extra ? 1 : 0) };
}

/** Number of indices in 0..total-1 that `ownsArrival` gives this shard (every N-th, from index i-1). */
export function arrivalShare(total: number, shard: Shard): number {
  const first = shard.index - 1;
  return total <= first ? 0 : Math.floor((total - 1 - first) / shard.count) + 1;
}

/**
 * Whether this shard sends arrival `globalIndex` of a load schedule. Striding (not slicing) keeps each shard's
 * rate at 1/N of every stage's, ramps included, and the union of the shards' arrivals is the whole schedule.
 */
export function ownsArrival(globalIndex: number, shard: Shard): boolean {
  return globalIndex % shard.count === shard.index - 1;
}

/**
 * Local indices `localStart..localStart+size-1` of a shard are global indices `globalStart`, `globalStart+stride`, …
 * (stride 1 for a burst's slice, N for a load's every N-th arrival).
 */
export interface IndexSegment {
  localStart: number;
  globalStart: number;
  size: number;
  /** Global indices between consecutive local ones; 1 when absent. */
  stride?: number;
}

/** A plan cut down to one shard, and where its invocation indices sit in the whole run's. */
export interface ShardedPlan {
  plan: RunPlan;
  /** One segment per burst or load step, in the order the run performs them. */
  segments: IndexSegment[];
}

/** What a shard sends of one burst step; throws when the step cannot give every shard at least one. */
function shardBurst(step: Extract<RunStep, { kind: 'burst' }>, shard: Shard): Extract<RunStep, { kind: 'burst' }> {
  // Judged on the whole burst, not this shard's slice, so every shard of a plan refuses it alike.
  if (step.n < shard.count) {
    throw usageError(`a burst of ${step.n} cannot be split into ${shard.count} shards: every shard needs at least one invocation of each burst.`);
  }
  const { size } = sliceOf(step.n, shard);
  if (step.concurrency === undefined) return { ...step, n: size };
  // The closed loop's in-flight limit is shared out the same way, so the shards together keep `concurrency` in flight.
  if (step.concurrency < shard.count) {
    throw usageError(`--concurrency ${step.concurrency} cannot be split into ${shard.count} shards: every shard needs at least one invocation in flight.`);
  }
  const limit = sliceOf(step.concurrency, shard).size;
  return limit < size ? { ...step, n: size, concurrency: limit } : { kind: 'burst', burst: step.burst, n: size };
}

/** What a shard sends of one load step; throws when the load cannot give every shard an arrival and a socket. */
export function shardLoad(step: Extract<RunStep, { kind: 'load' }>, shard: Shard): Extract<RunStep, { kind: 'load' }> {
  const total = buildSchedule(step.stages).count;
  if (total < shard.count) throw usageError(`a load of ${total} invocations cannot be split into ${shard.count} shards: every shard needs at least one invocation of each load.`);
  // The in-flight cap is shared out as a closed loop's is, so the shards together keep the whole plan's.
  if (step.maxInFlight < shard.count) {
    throw usageError(`--max-in-flight ${step.maxInFlight} cannot be split into ${shard.count} shards: every shard needs at least one invocation in flight.`);
  }
  return { ...step, maxInFlight: sliceOf(step.maxInFlight, shard).size, shard };
}

/**
 * Shard `shard` of `plan`: every burst step keeps only this shard's slice and every load step only this shard's
 * arrivals (other steps are done by every shard: each machine configures, forces cold and waits as the whole run
 * would). The segments map the shard's run-local indices (0, 1, … in the order it sends) back to the whole run's.
 */
export function shardPlan(plan: RunPlan, shard: Shard): ShardedPlan {
  const segments: IndexSegment[] = [];
  let local = 0;
  let global = 0;
  const cells = plan.cells.map((cell) => ({
    ...cell,
    steps: cell.steps.map((step): RunStep => {
      if (step.kind === 'load') {
        if (shard.count === 1) {
          const total = buildSchedule(step.stages).count;
          segments.push({ localStart: local, globalStart: global, size: total });
          local += total;
          global += total;
          return step;
        }
        const sharded = shardLoad(step, shard);
        const size = buildSchedule(step.stages, shard).count;
        // The load's arrivals are sent in order, so the shard's k-th is the whole load's arrival k·N + i − 1.
        segments.push({ localStart: local, globalStart: global + shard.index - 1, size, stride: shard.count });
        local += size;
        global += buildSchedule(step.stages).count;
        return sharded;
      }
      if (step.kind !== 'burst') return step;
      const { offset, size } = sliceOf(step.n, shard);
      const sharded = shardBurst(step, shard);
      segments.push({ localStart: local, globalStart: global + offset, size });
      local += size;
      global += step.n;
      return sharded;
    }),
  }));
  return { plan: { ...plan, cells }, segments };
}

/** The whole run's index of a shard's run-local index; throws when the index is outside every segment. */
export function globalIndexOf(segments: readonly IndexSegment[], localIndex: number): number {
  // Few segments (one per burst or load), so a linear scan is cheapest; bursts run in order, so search from the end.
  for (let s = segments.length - 1; s >= 0; s -= 1) {
    const seg = segments[s] as IndexSegment;
    if (localIndex >= seg.localStart) {
      if (localIndex < seg.localStart + seg.size) return seg.globalStart + (localIndex - seg.localStart) * (seg.stride ?? 1);
      break;
    }
  }
  throw new RangeError(`invocation ${localIndex} is outside this shard's plan`);
}

/** What a shard's results file says about the shard (top-level `shard`). */
export interface ShardInfo {
  /** 1-based shard number. */
  index: number;
  count: number;
  /** Shared by every shard of one run: `--run-id`, or derived from the plan and its start. */
  runId: string;
  /** Fingerprint of the options that shape the plan; the same on every shard of one plan. */
  planId: string;
  /** The instant every shard was told to release at (RFC 3339, UTC), with `--start-at` or `--start-in`. */
  releaseAt?: string;
  /**
   * When this shard released (wrote the first invocation of its first burst, or started its first load's
   * schedule: `releaseOffsetUs` of `cells[0]`), µs since the epoch by this machine's clock; with that offset it
   * places every record time of the file on the clock.
   */
  releasedAtUs?: number;
  /** This machine's clock against the target's, when it could be measured. */
  clockOffset?: ClockOffset;
  /** The machine's host name: shards of one host share a clock and are compared on it. */
  host?: string;
}

/** One shard's release of one burst, as `coldprobe merge` reports it. */
export interface ShardRelease {
  /** 1-based shard number. */
  shard: number;
  /** First send of this shard, µs after the earliest shard's first send of the same burst. */
  startUs: number;
  /** This shard's own release spread (first send to last send of its tight release), µs. */
  releaseSpreadUs: number;
}

/** What a merged results file says about the shards it was merged from (top-level `shards`). */
export interface MergedShards {
  runId: string;
  planId: string;
  count: number;
  /**
   * The clock the shards' instants were compared on: `local` when they all ran on one host (one clock, exact) or
   * when a shard could not measure its offset; else `target`, each shard corrected by its own clock offset.
   */
  timebase: 'target' | 'local';
  /** Each shard as its file described it, in shard order, with how many records it held. */
  shards: Array<ShardInfo & { records: number; interrupted: boolean }>;
  /** Per cell and burst: how far apart the shards released, and each shard's own spread. */
  bursts: Array<{
    cell: string;
    burst: number;
    /** A load, compared by when each shard's schedule started (its first arrival is due later). */
    load?: true;
    /** First send of the earliest shard to first send of the latest, µs. */
    spreadUs: number;
    /** How wrong `spreadUs` can be from the clock offsets' uncertainty (timebase `target` only), µs. */
    uncertaintyUs?: number;
    shards: ShardRelease[];
  }>;
}

/**
 * Where a shard's release lies in its run, µs since the run's start: its first cell's load schedule start, or
 * its first burst's first send. The results file's `releasedAtUs` is this instant on the wall clock.
 */
export function releaseOffsetUs(cell: CellResult): number | undefined {
  return cell.load?.originUs ?? cell.bursts[0]?.startedUs;
}
