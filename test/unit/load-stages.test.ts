import { describe, expect, it } from 'vitest';
import { formatStages, parseLoadDuration, parseStages, steadyStages, totalDurationMs } from '../../src/core/load-stages.js';

describe('parseStages', () => {
  it.each([
    ['30s:0-200,60s:200,30s:200-0', [[30_000, 0, 200], [60_000, 200, 200], [30_000, 200, 0]]],
    ['500ms:10', [[500, 10, 10]]],
    ['2m:1.5-3', [[120_000, 1.5, 3]]],
    ['1h:5', [[3_600_000, 5, 5]]],
    [' 10s : 0 - 50 , 5s:50 ', [[10_000, 0, 50], [5000, 50, 50]]],
    ['10s:0,10s:100', [[10_000, 0, 0], [10_000, 100, 100]]],
  ])('%s', (text, expected) => {
    const result = parseStages(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.stages.map((s) => [s.durationMs, s.fromPerS, s.toPerS])).toEqual(expected);
  });

  it.each([
    // text, column, words the sentence must hold
    ['', 1, 'empty'],
    ['30s', 1, "':'"],
    ['30x:200', 1, "'30x'"],
    ['30s:abc', 5, "'abc'"],
    ['30s:0-', 7, 'nothing'],
    ['30s:0-20,', 10, 'empty stage'],
    ['30s:0-200,60:200', 11, "'60'"],
    ['30s:200,10s:-5', 13, 'nothing'],
    ['0s:10', 1, 'zero length'],
    ['10s:0,5s:0-0', 1, 'every rate is 0'],
    ['10s:200001', 5, 'highest rate'],
    ['25h:1', 1, '24h'],
  ])('rejects %j at column %i', (text, column, words) => {
    const result = parseStages(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.column).toBe(column);
    expect(result.error.message).toContain(words);
    // One sentence: a single full stop, at the end.
    expect(result.error.message.trimEnd()).toMatch(/\.$/);
  });
});

describe('steadyStages', () => {
  it('is one steady stage', () => {
    expect(steadyStages(100, 120_000)).toEqual({ ok: true, stages: [{ durationMs: 120_000, fromPerS: 100, toPerS: 100 }] });
  });
  it.each([
    [0, 1000, '--rate'],
    [-1, 1000, '--rate'],
    [Number.NaN, 1000, '--rate'],
    [100_001, 1000, 'highest rate'],
    [10, 0, '--duration'],
    [10, 25 * 3_600_000, '24h'],
  ])('rejects rate %d for %d ms', (rate, durationMs, words) => {
    const result = steadyStages(rate, durationMs);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain(words);
  });
});

describe('durations and formatting', () => {
  it.each([
    ['500ms', 500],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['5', undefined],
    ['s', undefined],
    ['-1s', undefined],
  ])('parseLoadDuration(%s)', (text, ms) => expect(parseLoadDuration(text)).toBe(ms));

  it('formats what it parses', () => {
    const text = '30s:0-200,2m:200,1500ms:200-0';
    const result = parseStages(text);
    if (!result.ok) throw new Error(result.error.message);
    expect(formatStages(result.stages)).toBe(text);
    expect(totalDurationMs(result.stages)).toBe(30_000 + 120_000 + 1500);
  });
});
