import { describe, expect, it } from 'vitest';
import { formatCount, formatMb, formatMs, formatPercent, formatUs, truncate } from '../../src/report/format.js';

describe('formatUs', () => {
  it.each([
    [0, '0µs'],
    [7.4, '7µs'],
    [850, '850µs'],
    [999.4, '999µs'],
    [999.6, '1ms'],
    [1_000, '1ms'],
    [1_234, '1.23ms'],
    [12_340, '12.3ms'],
    [12_000, '12ms'],
    [123_400, '123ms'],
    [999_400, '999ms'],
    [1_000_000, '1s'],
    [1_500_000, '1.5s'],
    [59_900_000, '59.9s'],
    [60_000_000, '1m00s'],
    [125_000_000, '2m05s'],
    [3_720_000_000, '1h02m'],
    [-1_500, '-1.5ms'],
    [Number.NaN, '–'],
  ])('%d µs → %s', (us, want) => {
    expect(formatUs(us)).toBe(want);
  });

  it('never needs more than 6 columns below one hour', () => {
    for (let us = 1; us < 3_600_000_000; us *= 1.37) expect(formatUs(us).length).toBeLessThanOrEqual(6);
  });
});

describe('other formats', () => {
  it('formats ms, counts, percentages, memory and truncation', () => {
    expect(formatMs(150.2)).toBe('150ms');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatPercent(0.6234)).toBe('62.3%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatMb(128)).toBe('128MB');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('abc', 0)).toBe('');
  });
});
