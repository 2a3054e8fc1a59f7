import { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  EMPTY_STATS,
  HIGHEST_TRACKABLE_US,
  mergeEncoded,
  recordedValues,
  recordUs,
  statsOf,
  statsOfEncoded,
} from '../../src/core/stats.js';

/** Values 1,000..1,000,000 µs in steps of 1,000 (1 ms .. 1 s). */
function filled(): ReturnType<typeof createHistogram> {
  const h = createHistogram();
  for (let i = 1; i <= 1000; i++) recordUs(h, i * 1000);
  return h;
}

describe('stats', () => {
  it('percentiles are within 0.1 % of the exact values', () => {
    const h = filled();
    const s = statsOf(h);
    expect(s.count).toBe(1000);
    const near = (got: number, want: number): void => expect(Math.abs(got - want) / want).toBeLessThan(0.001);
    near(s.p50Us, 500_000);
    near(s.p90Us, 900_000);
    near(s.p99Us, 990_000);
    near(s.p999Us, 999_000);
    near(s.maxUs, 1_000_000);
    near(s.minUs, 1000);
    near(s.meanUs, 500_500);
    h.destroy();
  });

  it('the one-pass stats equal the library percentile and mean calls', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (const n of [1, 2, 7, 1000, 20_000]) {
      const h = createHistogram();
      for (let i = 0; i < n; i++) recordUs(h, Math.exp(rnd() * 16));
      const s = statsOf(h);
      expect(s).toEqual({
        count: n,
        minUs: h.getValueAtPercentile(0),
        meanUs: Math.round(h.mean * 10) / 10,
        p50Us: h.getValueAtPercentile(50),
        p90Us: h.getValueAtPercentile(90),
        p99Us: h.getValueAtPercentile(99),
        p999Us: h.getValueAtPercentile(99.9),
        maxUs: h.getValueAtPercentile(100),
      });
      h.destroy();
    }
  });

  it('builds plain-JS histograms (nothing outside the garbage collector to free)', () => {
    const h = createHistogram();
    expect(h).toBeInstanceOf(JsHistogram);
    h.destroy();
  });

  it('empty histogram gives all-zero stats', () => {
    const h = createHistogram();
    expect(statsOf(h)).toEqual(EMPTY_STATS);
    expect(statsOfEncoded(undefined)).toEqual(EMPTY_STATS);
    h.destroy();
  });

  it('encode/decode round-trips to identical stats and values', () => {
    const h = filled();
    const encoded = encodeHistogram(h);
    expect(encoded.startsWith('HIST')).toBe(true);
    const d = decodeHistogram(encoded);
    expect(statsOf(d)).toEqual(statsOf(h));
    expect(recordedValues(d)).toEqual(recordedValues(h));
    expect(statsOfEncoded(encoded)).toEqual(statsOf(h));
    h.destroy();
    d.destroy();
  });

  it('merges encoded histograms (counts add up, percentiles of the union)', () => {
    const a = createHistogram();
    const b = createHistogram();
    for (let i = 0; i < 100; i++) recordUs(a, 1000);
    for (let i = 0; i < 100; i++) recordUs(b, 9000);
    const m = mergeEncoded([encodeHistogram(a), encodeHistogram(b)]);
    const s = statsOf(m);
    expect(s.count).toBe(200);
    expect(s.p50Us).toBeLessThan(1100);
    expect(s.p90Us).toBeGreaterThan(8900);
    for (const h of [a, b, m]) h.destroy();
  });

  it('clamps out-of-range and non-finite values instead of throwing or growing', () => {
    const h = createHistogram();
    recordUs(h, -5);
    recordUs(h, Number.NaN);
    recordUs(h, HIGHEST_TRACKABLE_US * 10);
    recordUs(h, 2.6);
    const s = statsOf(h);
    expect(s.count).toBe(4);
    expect(s.minUs).toBe(0);
    expect(s.maxUs).toBeLessThanOrEqual(HIGHEST_TRACKABLE_US * 1.001);
    expect(s.maxUs).toBeGreaterThanOrEqual(HIGHEST_TRACKABLE_US);
    expect(recordedValues(h).map((v) => v.valueUs)).toContain(3);
    h.destroy();
  });

  it('decodeHistogram rejects text that is not a histogram', () => {
    expect(() => decodeHistogram('not a histogram')).toThrow();
  });

  it('recordedValues lists distinct values ascending with their counts', () => {
    const h = createHistogram();
    recordUs(h, 10);
    recordUs(h, 10);
    recordUs(h, 20_000);
    const values = recordedValues(h);
    expect(values).toHaveLength(2);
    expect(values[0]).toEqual({ valueUs: 10, count: 2 });
    expect(values[1]?.count).toBe(1);
    expect(values[1]?.valueUs).toBeGreaterThanOrEqual(20_000);
    expect(values[1]?.valueUs).toBeLessThan(20_020);
    h.destroy();
  });
});
