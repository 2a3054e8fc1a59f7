import { describe, expect, it } from 'vitest';
import { ARM64_PRICES, billedMs, DEFAULT_PRICES, estimateCellCost, pricesFor, regionOfArn, withOverrides } from '../../src/core/cost.js';
import type { InvocationRecord } from '../../src/core/types.js';

function record(partial: Partial<InvocationRecord> & { billed?: number; init?: number; duration?: number; memory?: number }): InvocationRecord {
  const { billed = 100, init, duration = billed, memory = 1024, ...rest } = partial;
  const report = { durationMs: duration, billedDurationMs: billed, memorySizeMb: memory, maxMemoryUsedMb: 50, ...(init === undefined ? {} : { initDurationMs: init }) };
  return {
    index: 0, cell: 'c', burst: 0, scheduledUs: 0, sentUs: 0, finishedUs: 1, latencyUs: 1, prepareUs: 0,
    outcome: 'ok', classification: init === undefined ? 'warm' : 'cold', report, ...rest,
  };
}

describe('cost estimate', () => {
  it('bills init once, whether or not Billed Duration already includes it', () => {
    expect(billedMs(record({ billed: 10, duration: 9.5, init: 200.2 }))).toBe(210);
    expect(billedMs(record({ billed: 210, duration: 9.5, init: 200.2 }))).toBe(210);
    expect(billedMs(record({ billed: 10 }))).toBe(10);
    expect(billedMs(record({ report: undefined }))).toBe(0);
  });

  it('bills a REPORT without Billed Duration (a sparse JSON platform.report) by Lambda rule, and its memory from the cell', () => {
    const sparse = record({ report: { durationMs: 9.2, initDurationMs: 100.3 } });
    expect(billedMs(sparse)).toBe(110);
    expect(billedMs(record({ report: { durationMs: 0.2 } }))).toBe(1);
    const cost = estimateCellCost([sparse], { memoryMb: 2048, provisioned: 0, provisionedSeconds: 0 });
    expect(cost.totalUsd).toBeCloseTo(DEFAULT_PRICES.perRequest + 0.11 * 2 * DEFAULT_PRICES.perGbSecond, 12);
  });

  it('charges requests and GB-seconds of billable invocations only', () => {
    const records = [record({ billed: 1000, memory: 1024 }), record({ billed: 1000, memory: 1024 }), record({ outcome: 'throttled', report: undefined })];
    const cost = estimateCellCost(records, { memoryMb: 1024, provisioned: 0, provisionedSeconds: 0 });
    const expected = 2 * DEFAULT_PRICES.perRequest + 2 * DEFAULT_PRICES.perGbSecond;
    expect(cost.totalUsd).toBeCloseTo(expected, 12);
    expect(cost.perThousandUsd).toBeCloseTo((expected / 2) * 1000, 10);
    expect(cost.note).toMatch(/estimate/);
    expect(cost.prices.perGbSecond).toBe(DEFAULT_PRICES.perGbSecond);
  });

  it('more memory for the same billed time costs proportionally more', () => {
    const small = estimateCellCost([record({ billed: 100, memory: 128 })], { memoryMb: 128, provisioned: 0, provisionedSeconds: 0 });
    const large = estimateCellCost([record({ billed: 100, memory: 1024 })], { memoryMb: 1024, provisioned: 0, provisionedSeconds: 0 });
    expect(large.totalUsd - DEFAULT_PRICES.perRequest).toBeCloseTo(8 * (small.totalUsd - DEFAULT_PRICES.perRequest), 14);
  });

  it('charges provisioned concurrency allocation in 5-minute blocks and its own duration price', () => {
    const env = { envId: 'e', envSeq: 2, initType: 'provisioned-concurrency' };
    const cost = estimateCellCost([record({ billed: 1000, env })], { memoryMb: 1024, provisioned: 10, provisionedSeconds: 42 });
    const allocation = 10 * 1 * 300 * DEFAULT_PRICES.provisionedPerGbSecond;
    expect(cost.totalUsd).toBeCloseTo(DEFAULT_PRICES.perRequest + DEFAULT_PRICES.provisionedDurationPerGbSecond + allocation, 12);
    const longer = estimateCellCost([record({ billed: 1000, env })], { memoryMb: 1024, provisioned: 10, provisionedSeconds: 301 });
    expect(longer.totalUsd - cost.totalUsd).toBeCloseTo(allocation, 12);
  });

  it('applies profile overrides and says so', () => {
    const prices = withOverrides({ perRequest: 1 });
    expect(prices.perRequest).toBe(1);
    expect(prices.perGbSecond).toBe(DEFAULT_PRICES.perGbSecond);
    expect(prices.takenOn).toContain('override');
    expect(withOverrides(undefined)).toBe(DEFAULT_PRICES);
  });

  it('an arm64 function gets the arm64 list prices, cheaper per GB-second; profile overrides are kept as given', () => {
    expect(pricesFor(DEFAULT_PRICES, { architecture: 'arm64' })).toBe(ARM64_PRICES);
    expect(pricesFor(DEFAULT_PRICES, { architecture: 'x86_64' })).toBe(DEFAULT_PRICES);
    expect(pricesFor(DEFAULT_PRICES, undefined)).toBe(DEFAULT_PRICES);
    const overridden = withOverrides({ perGbSecond: 1 });
    expect(pricesFor(overridden, { architecture: 'arm64' })).toBe(overridden);
    const records = [record({ billed: 1000, memory: 1024 })];
    const x86 = estimateCellCost(records, { memoryMb: 1024, provisioned: 0, provisionedSeconds: 0 }, DEFAULT_PRICES);
    const arm = estimateCellCost(records, { memoryMb: 1024, provisioned: 0, provisionedSeconds: 0 }, ARM64_PRICES);
    expect(arm.totalUsd).toBeLessThan(x86.totalUsd);
    expect(arm.note).toContain('arm64');
  });

  it('takes the region from a function ARN and says when the list prices are for another region', () => {
    expect(regionOfArn('arn:aws:lambda:eu-west-1:123456789012:function:fn:live')).toBe('eu-west-1');
    expect(regionOfArn('fn')).toBeUndefined();
    expect(pricesFor(DEFAULT_PRICES, { functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn' })).toBe(DEFAULT_PRICES);
    const eu = pricesFor(DEFAULT_PRICES, { architecture: 'arm64', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fn' });
    expect(eu.region).toBe('eu-west-1 (arm64)');
    expect(eu.perGbSecond).toBe(ARM64_PRICES.perGbSecond);
    expect(eu.takenOn).toContain('the function is in eu-west-1, whose prices may differ');
  });
});
