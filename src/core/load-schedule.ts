/**
 * The open-model schedule: when each invocation of a load is due, as a pure function of its index, like vegeta's
 * pacers and k6's ramping-arrival-rate executor. Invocation i is due at the time t where the integral of the rate
 * from the load's start reaches i, so invocation 0 is due at 0 and a steady 100/s puts one every 10 ms. The
 * schedule never looks at responses: a slow target cannot slow the arrivals down (no coordinated omission).
 * A shard's schedule (`--shard i/N`) holds only the arrivals `ownsArrival` gives it, each at its whole-plan time.
 */
import { totalDurationMs, type LoadStage } from './load-stages.js';
import { arrivalShare, type Shard, WHOLE } from './shard.js';

/** Stages with their running totals precomputed; build once with `buildSchedule`. */
export interface LoadSchedule {
  readonly stages: readonly LoadStage[];
  /** Invocations due before each stage starts (length stages + 1; the last entry is the continuous total). */
  readonly before: readonly number[];
  /** Start of each stage, µs since the load's start (length stages + 1). */
  readonly startUs: readonly number[];
  /** Number of invocations this schedule sends (a shard's share of the whole load's). */
  readonly count: number;
  readonly durationUs: number;
  /** Whose arrivals these are: `WHOLE`, or one shard's every N-th arrival of the whole load. */
  readonly shard: Shard;
}

/** Precomputes the schedule of `stages`, or of one shard's share of it. */
export function buildSchedule(stages: readonly LoadStage[], shard: Shard = WHOLE): LoadSchedule {
  const before = [0];
  const startUs = [0];
  let total = 0;
  let atUs = 0;
  for (const stage of stages) {
    // Area under a linear rate: the mean of its ends times its length.
    total += ((stage.fromPerS + stage.toPerS) / 2) * (stage.durationMs / 1000);
    atUs += stage.durationMs * 1000;
    before.push(total);
    startUs.push(atUs);
  }
  // Invocation i exists when it is due strictly before the end; the epsilon absorbs float error on whole totals.
  const count = Math.max(0, Math.ceil(total - 1e-9));
  return { stages, before, startUs, count: arrivalShare(count, shard), durationUs: totalDurationMs(stages) * 1000, shard };
}

/**
 * The whole load's arrival index of this schedule's `index`-th invocation: the inverse of `ownsArrival`
 * (shard i of N sends arrivals i-1, i-1+N, i-1+2N, …), so the shards' indices never collide.
 */
export function arrivalIndex(schedule: LoadSchedule, index: number): number {
  return index * schedule.shard.count + schedule.shard.index - 1;
}

/** When invocation `index` (0-based, < count) is due, µs since the load's start (a shard's at its whole-plan time). */
export function dueUs(schedule: LoadSchedule, index: number): number {
  return wholeDueUs(schedule, arrivalIndex(schedule, index));
}

function wholeDueUs(schedule: LoadSchedule, index: number): number {
  const s = stageOf(schedule, index);
  const stage = schedule.stages[s] as LoadStage;
  const k = index - (schedule.before[s] as number);
  const start = schedule.startUs[s] as number;
  if (k <= 0) return start;
  const a = stage.fromPerS / 1e6; // per µs
  const b = stage.toPerS / 1e6;
  const lengthUs = stage.durationMs * 1000;
  // N(t) = a·t + (b − a)/(2L)·t²; solve N(t) = k. The form 2k / (a + √(a² + 4ck)) stays exact when c → 0 and when a = 0.
  const c = (b - a) / (2 * lengthUs);
  const t = Math.abs(c) < 1e-18 ? k / a : (2 * k) / (a + Math.sqrt(Math.max(0, a * a + 4 * c * k)));
  return start + Math.min(t, lengthUs);
}

/**
 * The continuous number of invocations the stages ask of this schedule by `atUs` (the integral of the rate; a
 * shard's 1/N of it).
 */
export function expectedBy(schedule: LoadSchedule, atUs: number): number {
  return wholeExpectedBy(schedule, atUs) / schedule.shard.count;
}

function wholeExpectedBy(schedule: LoadSchedule, atUs: number): number {
  if (atUs <= 0) return 0;
  if (atUs >= schedule.durationUs) return schedule.before[schedule.before.length - 1] as number;
  let s = 0;
  while ((schedule.startUs[s + 1] as number) <= atUs) s++;
  const stage = schedule.stages[s] as LoadStage;
  const t = atUs - (schedule.startUs[s] as number);
  const a = stage.fromPerS / 1e6;
  const c = (stage.toPerS / 1e6 - a) / (2 * stage.durationMs * 1000);
  return (schedule.before[s] as number) + a * t + c * t * t;
}

/** The rate the stages ask for at `atUs`, invocations per second (the whole load's, also on a shard's schedule). */
export function rateAt(schedule: LoadSchedule, atUs: number): number {
  if (atUs < 0 || atUs >= schedule.durationUs) return 0;
  let s = 0;
  while ((schedule.startUs[s + 1] as number) <= atUs) s++;
  const stage = schedule.stages[s] as LoadStage;
  const f = (atUs - (schedule.startUs[s] as number)) / (stage.durationMs * 1000);
  return stage.fromPerS + (stage.toPerS - stage.fromPerS) * f;
}

/**
 * The stage holding invocation `index`: the last one whose running total is ≤ index. An invocation that falls on
 * the boundary before a stage of rate 0 belongs to the next stage that asks for any, not to the end of the last.
 */
function stageOf(schedule: LoadSchedule, index: number): number {
  let lo = 0;
  let hi = schedule.stages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((schedule.before[mid] as number) <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
