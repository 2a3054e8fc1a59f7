/**
 * Summaries of one cell: counts by outcome, cold/pre-initialized/warm/unknown, throttles by reason, errors by type and HDR
 * percentiles. One accumulator serves both the live view (add per record, snapshot per frame) and the
 * final summary (summarize = add every record, then snapshot), so the two can never disagree.
 */
import { UNKNOWN_THROTTLE_REASON } from '../lambda/errors.js';
import type { HistogramName } from './results.js';
import { createHistogram, encodeHistogram, recordUs, statsOf } from './stats.js';
import type { Histogram } from './stats.js';
import type {
  BurstInfo,
  BurstSummary,
  CellSummary,
  Classification,
  GroupSummary,
  InvocationRecord,
  LatencyStats,
  Outcome,
} from './types.js';

/** What a cell's groups are keyed by besides classification. */
export interface CellInfo {
  functionName: string;
  runtime: string;
  memoryMb: number;
}

/** A summary and its encoded histograms, ready for a CellResult. */
export interface SummaryResult {
  summary: CellSummary;
  histograms: Partial<Record<HistogramName, string>>;
}

/** Every classification, in the order summaries and reports show them. */
export const CLASSIFICATIONS: readonly Classification[] = ['cold', 'pre-initialized', 'warm', 'unknown'];

/** Invocations a cold ratio is taken over: every one with a REPORT of its own (cold, pre-initialized or warm). */
export function classifiedCount(s: Pick<CellSummary, 'cold' | 'preInitialized' | 'warm'>): number {
  return s.cold + s.preInitialized + s.warm;
}

/** A zero count for every classification. */
function emptyClassCounts(): Record<Classification, number> {
  return { cold: 0, 'pre-initialized': 0, warm: 0, unknown: 0 };
}

/** A zero count for every outcome. */
export function emptyOutcomeCounts(): Record<Outcome, number> {
  return { ok: 0, 'function-error': 0, throttled: 0, 'service-error': 0, 'client-timeout': 0, 'transport-error': 0, interrupted: 0 };
}

/** Counters and a small latency histogram of one burst. */
class BurstTally {
  total = 0;
  readonly byClass = emptyClassCounts();
  throttled = 0;
  errors = 0;
  interrupted = 0;
  // Two significant digits: ~12 KB per burst instead of ~100 KB, so thousands of waves stay cheap.
  readonly latency: Histogram = createHistogram(2);

  // Only the burst in progress changes: finished bursts keep their summary, so a snapshot after 1,000 waves
  // does not recompute 1,000 histograms.
  private cached: BurstSummary | undefined;

  constructor(readonly index: number) {}

  add(r: InvocationRecord): void {
    this.cached = undefined;
    this.total++;
    this.byClass[r.classification]++;
    if (r.outcome === 'throttled') this.throttled++;
    else if (r.outcome === 'interrupted') this.interrupted++;
    else if (r.outcome !== 'ok') this.errors++;
    if (r.outcome !== 'interrupted') recordUs(this.latency, r.latencyUs);
  }

  summary(): BurstSummary {
    if (this.cached) return this.cached;
    const { index, total, throttled, errors, interrupted, byClass } = this;
    this.cached = {
      index,
      total,
      cold: byClass.cold,
      preInitialized: byClass['pre-initialized'],
      warm: byClass.warm,
      unknown: byClass.unknown,
      throttled,
      errors,
      interrupted,
      latency: statsOf(this.latency),
    };
    return this.cached;
  }
}

/**
 * Incremental summary of one cell: `add` is O(1) (a few counters and two or three histogram records);
 * `snapshot` computes percentiles and is cached until the next `add`, so a TUI can call it every frame.
 * Latency `all` covers every record that ended (throttles and errors included, interrupted ones not);
 * `initDuration` holds the REPORT's Init Duration of cold records (SnapStart's Restore Duration is not an init and
 * is left out); pre-initialized records keep theirs apart, in their group, since the client did not wait for it.
 */
export class SummaryAccumulator {
  private readonly byOutcome = emptyOutcomeCounts();
  private readonly byClass = emptyClassCounts();
  private foreignReports = 0;
  private readonly throttles = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly all: Histogram = createHistogram();
  private readonly latency: Record<Classification, Histogram> = {
    cold: createHistogram(),
    'pre-initialized': createHistogram(),
    warm: createHistogram(),
    unknown: createHistogram(),
  };
  private readonly init: Histogram = createHistogram();
  private readonly preInit: Histogram = createHistogram();
  private readonly burstByIndex = new Map<number, BurstInfo>();
  private readonly tallies = new Map<number, BurstTally>();
  private lastTally: BurstTally | undefined;
  private total = 0;
  private cached: CellSummary | undefined;

  constructor(private readonly cell: CellInfo) {}

  /** Count one record. */
  add(record: InvocationRecord): void {
    this.total++;
    this.byOutcome[record.outcome]++;
    this.byClass[record.classification]++;
    if (record.foreignReportRequestId !== undefined) this.foreignReports++;
    if (record.outcome === 'throttled') {
      const reason = record.errorType ?? UNKNOWN_THROTTLE_REASON;
      this.throttles.set(reason, (this.throttles.get(reason) ?? 0) + 1);
    } else if (record.outcome !== 'ok' && record.outcome !== 'interrupted') {
      const type = record.errorType ?? record.outcome;
      this.errors.set(type, (this.errors.get(type) ?? 0) + 1);
    }
    // An interrupted invocation never ended: its "latency" is only how long the run waited before giving up.
    if (record.outcome !== 'interrupted') {
      recordUs(this.all, record.latencyUs);
      recordUs(this.latency[record.classification], record.latencyUs);
    }
    const initMs = record.report?.initDurationMs;
    if (initMs !== undefined) recordUs(record.classification === 'pre-initialized' ? this.preInit : this.init, initMs * 1000);
    // Records of one burst arrive together: remember the last tally to skip the map lookup.
    let tally = this.lastTally;
    if (tally === undefined || tally.index !== record.burst) {
      tally = this.tallies.get(record.burst);
      if (tally === undefined) {
        tally = new BurstTally(record.burst);
        this.tallies.set(record.burst, tally);
      }
      this.lastTally = tally;
    }
    tally.add(record);
    this.cached = undefined;
  }

  /** Set (or replace, by index) the release facts of one burst. */
  setBurst(info: BurstInfo): void {
    this.burstByIndex.set(info.index, info);
    this.cached = undefined;
  }

  /** Number of records added so far. */
  get count(): number {
    return this.total;
  }

  /**
   * Errors (every outcome but ok, throttled and interrupted) or throttles so far, all of them or those of one key (the
   * error type, else the outcome; the throttle reason, else `Unknown`). O(1): for the threshold watch.
   */
  counter(counter: 'errors' | 'throttled', key?: string): number {
    if (counter === 'throttled') return key === undefined ? this.byOutcome.throttled : (this.throttles.get(key) ?? 0);
    if (key !== undefined) return this.errors.get(key) ?? 0;
    return this.total - this.byOutcome.ok - this.byOutcome.throttled - this.byOutcome.interrupted;
  }

  /** Counters and latency of one burst so far (cached until its next record), or undefined before its first. */
  burst(index: number): BurstSummary | undefined {
    return this.tallies.get(index)?.summary();
  }

  /** The summary of everything added so far; the returned object is shared until the next change, do not mutate it. */
  snapshot(): CellSummary {
    if (this.cached) return this.cached;
    const classified = this.byClass.cold + this.byClass['pre-initialized'] + this.byClass.warm;
    const latencyOf: Record<Classification, LatencyStats> = {
      cold: statsOf(this.latency.cold),
      'pre-initialized': statsOf(this.latency['pre-initialized']),
      warm: statsOf(this.latency.warm),
      unknown: statsOf(this.latency.unknown),
    };
    const initDuration = statsOf(this.init);
    const preInitDuration = statsOf(this.preInit);
    const groups: GroupSummary[] = [];
    for (const classification of CLASSIFICATIONS) {
      // Interrupted invocations are unknown but have no latency: a group of them alone has nothing to show.
      if (this.byClass[classification] === 0 || latencyOf[classification].count === 0) continue;
      const group: GroupSummary = {
        key: { ...this.cell, classification },
        latency: latencyOf[classification],
      };
      if (classification === 'cold' && initDuration.count > 0) group.initDuration = initDuration;
      if (classification === 'pre-initialized' && preInitDuration.count > 0) group.initDuration = preInitDuration;
      groups.push(group);
    }
    this.cached = {
      total: this.total,
      byOutcome: { ...this.byOutcome },
      cold: this.byClass.cold,
      preInitialized: this.byClass['pre-initialized'],
      warm: this.byClass.warm,
      unknown: this.byClass.unknown,
      foreignReports: this.foreignReports,
      coldRatio: classified === 0 ? 0 : this.byClass.cold / classified,
      throttlesByReason: sortedRecord(this.throttles),
      errorsByType: sortedRecord(this.errors),
      latency: { all: statsOf(this.all), cold: latencyOf.cold, warm: latencyOf.warm, preInitialized: latencyOf['pre-initialized'] },
      initDuration,
      groups,
      bursts: [...this.burstByIndex.values()].sort((a, b) => a.index - b.index),
      perBurst: [...this.tallies.values()].sort((a, b) => a.index - b.index).map((t) => t.summary()),
    };
    return this.cached;
  }

  /** Encoded histograms of the non-empty series, for the results file. */
  encodedHistograms(): Partial<Record<HistogramName, string>> {
    const out: Partial<Record<HistogramName, string>> = {};
    if (this.all.totalCount > 0) out['latency.all'] = encodeHistogram(this.all);
    if (this.latency.cold.totalCount > 0) out['latency.cold'] = encodeHistogram(this.latency.cold);
    const pre = this.latency['pre-initialized'];
    if (pre.totalCount > 0) out['latency.pre-initialized'] = encodeHistogram(pre);
    if (this.latency.warm.totalCount > 0) out['latency.warm'] = encodeHistogram(this.latency.warm);
    if (this.init.totalCount > 0) out['init'] = encodeHistogram(this.init);
    return out;
  }

  /** Release the histograms; the accumulator must not be used afterwards. */
  destroy(): void {
    this.all.destroy();
    for (const histogram of Object.values(this.latency)) histogram.destroy();
    this.init.destroy();
    this.preInit.destroy();
    for (const t of this.tallies.values()) t.latency.destroy();
    this.tallies.clear();
    this.lastTally = undefined;
  }
}

/** A plain object from a count map, keys sorted by count (desc) then name, so output is stable. */
function sortedRecord(counts: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** Summarise a cell's records from scratch (the same numbers the accumulator gives when fed the same records). */
export function summarize(records: Iterable<InvocationRecord>, bursts: readonly BurstInfo[], cell: CellInfo): SummaryResult {
  const acc = new SummaryAccumulator(cell);
  try {
    for (const r of records) acc.add(r);
    for (const b of bursts) acc.setBurst(b);
    return { summary: acc.snapshot(), histograms: acc.encodedHistograms() };
  } finally {
    acc.destroy();
  }
}
