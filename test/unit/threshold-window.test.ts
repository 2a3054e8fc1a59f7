import { describe, expect, it } from 'vitest';
import type { CellResult } from '../../src/core/results.js';
import { summarize } from '../../src/core/summary.js';
import { evaluateThreshold, parseThreshold, ThresholdSyntaxError } from '../../src/core/threshold.js';
import type { InvocationRecord } from '../../src/core/types.js';

const rec = (index: number, sentMs: number, classification: 'cold' | 'warm', outcome: InvocationRecord['outcome'] = 'ok'): InvocationRecord => ({
  index,
  cell: 'default',
  burst: 0,
  scheduledUs: sentMs * 1000,
  sentUs: sentMs * 1000,
  finishedUs: sentMs * 1000 + 5000,
  latencyUs: 5000,
  prepareUs: 0,
  outcome,
  classification,
  ...(classification === 'cold' ? { report: { durationMs: 3, billedDurationMs: 200, memorySizeMb: 128, maxMemoryUsedMb: 60, initDurationMs: 190 } } : { report: { durationMs: 3, billedDurationMs: 3, memorySizeMb: 128, maxMemoryUsedMb: 60 } }),
  ...(outcome === 'throttled' ? { errorType: 'ReservedFunctionConcurrentInvocationLimitExceeded', statusCode: 429, classification: 'unknown' as const } : {}),
});

/** A load that started 2 s into its run: 10 cold starts in its first 10 s, then 90 warm ones; throttles at 5 s. */
function cell(): CellResult {
  const origin = 2000;
  const records = [
    ...Array.from({ length: 10 }, (_, i) => rec(i, origin + i * 1000, 'cold')),
    ...Array.from({ length: 90 }, (_, i) => rec(10 + i, origin + 10_000 + i * 500, 'warm')),
    rec(100, origin + 5000, 'warm', 'throttled'),
  ];
  const bursts = [{ index: 0, n: records.length, releaseSpreadUs: 0, prepareUs: 0, startedUs: 0, notSent: 0 }];
  const info = { functionName: 'fn', runtime: 'nodejs20.x', memoryMb: 128 };
  const { summary, histograms } = summarize(records, bursts, info);
  return {
    spec: { id: 'default', label: 'fn', ...info, provisioned: 0 },
    bursts,
    records,
    histograms,
    summary,
    load: { stages: '55s:2', windowMs: 1000, maxInFlight: 10, originUs: origin * 1000, durationUs: 55_000_000, scheduled: 101, notSent: 0, startedFromBacklog: 0, windows: [] },
  };
}

describe('thresholds over a time window of the load', () => {
  it.each([
    ['cold_ratio < 0.05', 'fail'], // 10 of 100 over the whole load
    ['cold_ratio[after 10s] < 0.01', 'pass'],
    ['cold_ratio[before 10s] == 1', 'pass'],
    ['cold[5s..15s] == 5', 'pass'],
    ['throttled[after 6s] == 0', 'pass'],
    ['throttled[4s..6s] == 1', 'pass'],
    ['cold.init.p99[after 10s] < 100ms', 'inconclusive'],
  ])('%s → %s', (expression, status) => {
    expect(evaluateThreshold(parseThreshold(expression), cell()).status).toBe(status);
  });

  it.each([
    ['cold_ratio[after] < 0.1', 11],
    ['cold_ratio[after 30x] < 0.1', 11],
    ['cold_ratio[20s..10s] < 0.1', 11],
    ['cold_ratio[after 30s < 0.1', 11],
  ])('rejects %j at column %i', (expression, column) => {
    try {
      parseThreshold(expression);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ThresholdSyntaxError);
      expect((error as ThresholdSyntaxError).column).toBe(column);
    }
  });
});
