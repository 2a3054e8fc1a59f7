import { describe, expect, it } from 'vitest';
import { toRecord } from '../../src/core/classify.js';
import type { RawInvocationInput } from '../../src/core/classify.js';
import { reportLine } from '../../src/lambda/report.js';
import { decodeHistogram, statsOf } from '../../src/core/stats.js';
import { summarize, SummaryAccumulator } from '../../src/core/summary.js';
import type { BurstInfo, InvocationRecord } from '../../src/core/types.js';

const cell = { functionName: 'sample-node', runtime: 'nodejs20.x', memoryMb: 256 };

/** A deterministic mixed population: cold, warm, throttles, function errors, transport errors, timeouts. */
function population(n: number, seed = 7): InvocationRecord[] {
  let s = seed;
  const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const out: InvocationRecord[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rnd();
    const start = 10 + i * 0.01;
    let raw: RawInvocationInput;
    if (kind < 0.4) {
      const init = 100 + rnd() * 100;
      raw = {
        sentAt: start,
        finishedAt: start + init + 5 + rnd() * 20,
        statusCode: 200,
        logTail: reportLine({ durationMs: 5, billedDurationMs: 6, memorySizeMb: 256, maxMemoryUsedMb: 70, initDurationMs: init }).trimEnd(),
      };
    } else if (kind < 0.8) {
      raw = {
        sentAt: start,
        finishedAt: start + 2 + rnd() * 10,
        statusCode: 200,
        logTail: reportLine({ durationMs: 2, billedDurationMs: 2, memorySizeMb: 256, maxMemoryUsedMb: 70 }).trimEnd(),
      };
    } else if (kind < 0.88) {
      raw = { sentAt: start, finishedAt: start + 1, statusCode: 429, throttleReason: kind < 0.85 ? 'ReservedFunctionConcurrentInvocationLimitExceeded' : 'ConcurrentInvocationLimitExceeded' };
    } else if (kind < 0.94) {
      raw = {
        sentAt: start,
        finishedAt: start + 30,
        statusCode: 200,
        functionError: 'Unhandled',
        errorPayload: '{"errorType":"Error","errorMessage":"boom"}',
        logTail: reportLine({ durationMs: 25, billedDurationMs: 25, memorySizeMb: 256, maxMemoryUsedMb: 70, status: 'error', errorType: 'Error' }).trimEnd(),
      };
    } else if (kind < 0.97) {
      raw = { sentAt: start, finishedAt: start + 3, transportError: 'ECONNRESET' };
    } else {
      raw = { sentAt: start, finishedAt: start + 3000, clientTimeout: true };
    }
    out.push(toRecord(raw, { index: i, cell: 'default', burst: i % 3, scheduledAt: start, runStartAt: 0, prepareMs: 0.3 }));
  }
  return out;
}

const bursts: BurstInfo[] = [0, 1, 2].map((index) => ({
  index,
  n: 200,
  releaseSpreadUs: 3000 + index,
  prepareUs: 80_000,
  startedUs: index * 1_000_000,
  notSent: index === 2 ? 5 : 0,
}));

describe('interrupted invocations', () => {
  it('are counted apart: not errors, not in the latency percentiles, not in a burst error count', () => {
    const base = population(20);
    const given = base.slice(0, 5).map((r) => ({ ...r, outcome: 'interrupted' as const, classification: 'unknown' as const, latencyUs: 5_000_000, report: undefined, errorType: undefined }));
    const rest = base.slice(5);
    const acc = new SummaryAccumulator(cell);
    for (const r of [...given, ...rest]) acc.add(r);
    const s = acc.snapshot();
    expect(s.total).toBe(20);
    expect(s.byOutcome.interrupted).toBe(5);
    expect(acc.counter('errors')).toBe(rest.filter((r) => r.outcome !== 'ok' && r.outcome !== 'throttled').length);
    expect(Object.keys(s.errorsByType)).not.toContain('interrupted');
    expect(s.latency.all.count).toBe(15);
    const perBurst = s.perBurst ?? [];
    expect(perBurst.reduce((n, b) => n + b.interrupted, 0)).toBe(5);
    expect(perBurst.reduce((n, b) => n + b.errors, 0)).toBe(acc.counter('errors'));
    acc.destroy();
  });
});

describe('summarize', () => {
  const records = population(600);
  const { summary, histograms } = summarize(records, [...bursts].reverse(), cell);

  it('counts agree with a naive count over the records', () => {
    const count = (p: (r: InvocationRecord) => boolean): number => records.filter(p).length;
    expect(summary.total).toBe(600);
    expect(summary.cold).toBe(count((r) => r.classification === 'cold'));
    expect(summary.warm).toBe(count((r) => r.classification === 'warm'));
    expect(summary.unknown).toBe(count((r) => r.classification === 'unknown'));
    expect(summary.cold + summary.warm + summary.unknown).toBe(600);
    for (const o of ['ok', 'function-error', 'throttled', 'service-error', 'client-timeout', 'transport-error'] as const) {
      expect(summary.byOutcome[o]).toBe(count((r) => r.outcome === o));
    }
    expect(summary.coldRatio).toBeCloseTo(summary.cold / (summary.cold + summary.warm), 12);
    expect(summary.throttlesByReason).toEqual({
      ReservedFunctionConcurrentInvocationLimitExceeded: count((r) => r.errorType === 'ReservedFunctionConcurrentInvocationLimitExceeded'),
      ConcurrentInvocationLimitExceeded: count((r) => r.errorType === 'ConcurrentInvocationLimitExceeded'),
    });
    expect(summary.errorsByType).toEqual({
      Error: count((r) => r.outcome === 'function-error'),
      ECONNRESET: count((r) => r.outcome === 'transport-error'),
      'client-timeout': count((r) => r.outcome === 'client-timeout'),
    });
    // Sorted by count, largest first.
    const errorCounts = Object.values(summary.errorsByType);
    expect([...errorCounts].sort((a, b) => b - a)).toEqual(errorCounts);
  });

  it('latency and init percentiles come from the right records', () => {
    const cold = records.filter((r) => r.classification === 'cold');
    const warm = records.filter((r) => r.classification === 'warm');
    expect(summary.latency.all.count).toBe(600);
    expect(summary.latency.cold.count).toBe(cold.length);
    expect(summary.latency.warm.count).toBe(warm.length);
    const maxCold = Math.max(...cold.map((r) => r.latencyUs));
    expect(summary.latency.cold.maxUs).toBeGreaterThanOrEqual(maxCold);
    expect(summary.latency.cold.maxUs).toBeLessThan(maxCold * 1.001);
    // Init Duration is in µs: REPORT said 100–200 ms.
    expect(summary.initDuration.count).toBe(cold.length);
    expect(summary.initDuration.minUs).toBeGreaterThanOrEqual(99_900);
    expect(summary.initDuration.maxUs).toBeLessThanOrEqual(200_200);
    expect(summary.latency.cold.p50Us).toBeGreaterThan(summary.latency.warm.p99Us);
  });

  it('groups are function × runtime × memory × classification, init only on cold', () => {
    expect(summary.groups.map((g) => g.key)).toEqual([
      { ...cell, classification: 'cold' },
      { ...cell, classification: 'warm' },
      { ...cell, classification: 'unknown' },
    ]);
    expect(summary.groups[0]?.initDuration).toEqual(summary.initDuration);
    expect(summary.groups[1]?.initDuration).toBeUndefined();
    expect(summary.groups[2]?.latency.count).toBe(summary.unknown);
  });

  it('bursts are passed through, ordered by index', () => {
    expect(summary.bursts).toEqual(bursts);
  });

  it('per-burst counts and latency come from that burst only', () => {
    expect(summary.perBurst?.map((p) => p.index)).toEqual([0, 1, 2]);
    for (const p of summary.perBurst ?? []) {
      const mine = records.filter((r) => r.burst === p.index);
      expect(p.total).toBe(mine.length);
      expect(p.cold).toBe(mine.filter((r) => r.classification === 'cold').length);
      expect(p.warm).toBe(mine.filter((r) => r.classification === 'warm').length);
      expect(p.unknown).toBe(mine.filter((r) => r.classification === 'unknown').length);
      expect(p.throttled).toBe(mine.filter((r) => r.outcome === 'throttled').length);
      expect(p.errors).toBe(mine.filter((r) => r.outcome !== 'ok' && r.outcome !== 'throttled').length);
      expect(p.latency.count).toBe(mine.length);
      // Two significant digits: within 1 % of the exact maximum.
      const max = Math.max(...mine.map((r) => r.latencyUs));
      expect(p.latency.maxUs).toBeGreaterThanOrEqual(max);
      expect(p.latency.maxUs).toBeLessThanOrEqual(max * 1.01);
    }
  });

  it('stored histograms decode to the summary numbers', () => {
    const all = decodeHistogram(histograms['latency.all'] ?? '');
    const init = decodeHistogram(histograms.init ?? '');
    expect(statsOf(all)).toEqual(summary.latency.all);
    expect(statsOf(init)).toEqual(summary.initDuration);
    all.destroy();
    init.destroy();
  });

  it('an empty cell has zero counts, no groups and no histograms', () => {
    const empty = summarize([], [], cell);
    expect(empty.summary.total).toBe(0);
    expect(empty.summary.coldRatio).toBe(0);
    expect(empty.summary.groups).toEqual([]);
    expect(empty.summary.perBurst).toEqual([]);
    expect(empty.histograms).toEqual({});
  });
});

describe('pre-initialized and foreign REPORTs in a summary', () => {
  const report = (id: string, init?: number): string =>
    reportLine({ requestId: id, durationMs: 3, billedDurationMs: 4, memorySizeMb: 256, maxMemoryUsedMb: 70, ...(init === undefined ? {} : { initDurationMs: init }) }).trimEnd();
  const record = (i: number, latencyMs: number, tail: string, requestId: string): InvocationRecord =>
    toRecord({ sentAt: 10, finishedAt: 10 + latencyMs, statusCode: 200, requestId, logTail: tail }, { index: i, cell: 'default', burst: 0, scheduledAt: 10, runStartAt: 0, prepareMs: 0 });
  const records = [
    record(0, 320, report('a', 300), 'a'), // cold: waited for its 300 ms init
    record(1, 12, report('b', 400), 'b'), // pre-initialized: 12 ms against a 400 ms init
    record(2, 15, report('c', 410), 'c'),
    record(3, 5, report('d'), 'd'), // warm
    record(4, 6, report('someone-else', 300), 'e'), // a foreign REPORT: unknown, counted
  ];
  const { summary, histograms } = summarize(records, [], cell);

  it('counts each class apart, and the cold ratio is over every classified invocation', () => {
    expect([summary.cold, summary.preInitialized, summary.warm, summary.unknown, summary.foreignReports]).toEqual([1, 2, 1, 1, 1]);
    expect(summary.coldRatio).toBeCloseTo(1 / 4, 12);
    expect(summary.perBurst?.[0]).toMatchObject({ cold: 1, preInitialized: 2, warm: 1, unknown: 1 });
  });

  it('keeps a pre-initialized init out of the cold init percentiles, in its own group', () => {
    expect(summary.initDuration.count).toBe(1);
    expect(summary.initDuration.maxUs).toBeLessThan(301_000);
    const group = summary.groups.find((g) => g.key.classification === 'pre-initialized');
    expect(group?.latency.count).toBe(2);
    expect(group?.initDuration?.count).toBe(2);
    expect(summary.latency.preInitialized?.count).toBe(2);
    expect(summary.groups.map((g) => g.key.classification)).toEqual(['cold', 'pre-initialized', 'warm', 'unknown']);
    expect(histograms['latency.pre-initialized']).toMatch(/^HIST/);
  });
});

describe('SummaryAccumulator', () => {
  it('fed one record at a time, with snapshots in between, ends with the same numbers as summarize', () => {
    const records = population(450, 11);
    const acc = new SummaryAccumulator(cell);
    records.forEach((r, i) => {
      acc.add(r);
      if (i % 37 === 0) {
        const mid = acc.snapshot();
        expect(mid.total).toBe(i + 1);
      }
    });
    for (const b of bursts) acc.setBurst(b);
    const recomputed = summarize(records, bursts, cell);
    expect(acc.snapshot()).toEqual(recomputed.summary);
    expect(acc.encodedHistograms()).toEqual(recomputed.histograms);
    acc.destroy();
  });

  it('caches the snapshot until the next add', () => {
    const acc = new SummaryAccumulator(cell);
    const [r1, r2] = population(2, 3);
    acc.add(r1 as InvocationRecord);
    const a = acc.snapshot();
    expect(acc.snapshot()).toBe(a);
    acc.add(r2 as InvocationRecord);
    const b = acc.snapshot();
    expect(b).not.toBe(a);
    expect(a.total).toBe(1);
    expect(b.total).toBe(2);
    acc.destroy();
  });

  it('setBurst replaces a burst with the same index', () => {
    const acc = new SummaryAccumulator(cell);
    acc.setBurst({ ...bursts[0]!, notSent: 0 });
    acc.setBurst({ ...bursts[0]!, notSent: 9 });
    expect(acc.snapshot().bursts).toEqual([{ ...bursts[0]!, notSent: 9 }]);
    acc.destroy();
  });
});
