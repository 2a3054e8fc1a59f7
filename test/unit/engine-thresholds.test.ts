import { describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import type { InvocationRecord, Outcome } from '../../src/core/types.js';
import { ThresholdWatch, finishThresholds, needsBaseline, parseThresholdsOrThrow } from '../../src/engine/thresholds.js';
import { cell, resultsFile, samples } from './gate-fixtures.js';

function rec(outcome: Outcome, errorType?: string, cellId = 'default'): InvocationRecord {
  return {
    index: 0,
    cell: cellId,
    burst: 0,
    scheduledUs: 0,
    sentUs: 0,
    finishedUs: 1,
    latencyUs: 1,
    prepareUs: 0,
    outcome,
    classification: 'unknown',
    ...(errorType === undefined ? {} : { errorType }),
  };
}

describe('parseThresholdsOrThrow', () => {
  it('returns parsed thresholds', () => {
    expect(parseThresholdsOrThrow(['errors == 0', 'cold.init.p99 < 1s'])).toHaveLength(2);
  });
  it('throws one usage error naming every bad expression with its column', () => {
    let caught: unknown;
    try {
      parseThresholdsOrThrow(['errors == 0', 'cold.inti.p99 < 1s', 'cold_ratio < 3']);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ColdprobeError);
    const e = caught as ColdprobeError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/^bad threshold 'cold.inti.p99 < 1s' at column 1: unknown metric/);
    expect(e.message).toMatch(/Also: threshold 'cold_ratio < 3' at column 14/);
  });
  it('needsBaseline', () => {
    expect(needsBaseline(parseThresholdsOrThrow(['errors == 0']))).toBe(false);
    expect(needsBaseline(parseThresholdsOrThrow(['errors == 0', 'cold.p50 < baseline * 1.1']))).toBe(true);
  });
});

describe('ThresholdWatch', () => {
  it('errors == 0 is lost at the first error, not before', () => {
    const w = new ThresholdWatch(parseThresholdsOrThrow(['errors == 0']));
    expect(w.active).toBe(true);
    expect(w.observe(rec('ok'))).toBeUndefined();
    expect(w.observe(rec('throttled', 'X'))).toBeUndefined();
    const lost = w.observe(rec('function-error', 'Unhandled'));
    expect(lost?.expression).toBe('errors == 0');
    expect(lost?.detail).toMatch(/already lost in cell default: errors reached 1/);
    expect(w.observe(rec('ok'))).toBe(lost);
  });
  it('throttled < 3 is lost at the third throttle; keyed and scoped thresholds count their own', () => {
    const w = new ThresholdWatch(
      parseThresholdsOrThrow(['throttled < 3', '[b] errors.Sandbox.Timedout <= 0', 'errors.Other == 0']),
    );
    expect(w.observe(rec('throttled', 'R'))).toBeUndefined();
    expect(w.observe(rec('function-error', 'Sandbox.Timedout', 'a'))).toBeUndefined(); // out of scope [b]
    expect(w.observe(rec('throttled', 'R'))).toBeUndefined();
    expect(w.observe(rec('throttled', 'R'))?.expression).toBe('throttled < 3');
  });
  it('ignores thresholds that could still recover', () => {
    const w = new ThresholdWatch(parseThresholdsOrThrow(['errors >= 2', 'cold_ratio < 0.1', 'errors <= baseline']));
    expect(w.active).toBe(false);
    expect(w.observe(rec('function-error'))).toBeUndefined();
  });
});

describe('finishThresholds', () => {
  it('exit 10 when a threshold fails, with verdicts for the results file; regression check off', () => {
    const base = resultsFile([cell({ id: 'c', cold: samples(40, 100_000, 1) })]);
    const cur = resultsFile([cell({ id: 'c', cold: samples(40, 400_000, 2) })]);
    const pass = finishThresholds(cur, parseThresholdsOrThrow(['errors == 0']), base);
    expect(pass.exitCode).toBe(0);
    expect(pass.verdicts).toEqual([{ expression: 'errors == 0', cell: 'c', passed: true, detail: 'errors 0 == 0' }]);
    const fail = finishThresholds(cur, parseThresholdsOrThrow(['cold.latency.p50 <= baseline * 1.5']), base);
    expect(fail.exitCode).toBe(10);
    expect(fail.verdicts[0]?.passed).toBe(false);
  });
});
