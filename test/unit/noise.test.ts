import { describe, expect, it } from 'vitest';
import { compareProportions, compareSamples, compareWaves, MIN_WAVES, mannWhitneyU, quantileSorted, samplesNeeded, seededRandom } from '../../src/core/noise.js';
import { samples } from './gate-fixtures.js';

describe('seededRandom', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe('quantileSorted', () => {
  it.each([
    [[1, 2, 3, 4, 5], 0.5, 3],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10], 0.99, 10],
    [[0, 100], 0.99, 99],
  ])('%j q=%s → %s', (xs, q, expected) => {
    expect(quantileSorted(xs, q)).toBeCloseTo(expected, 9);
  });
});

describe('mannWhitneyU', () => {
  it('identical samples give p = 1', () => {
    expect(mannWhitneyU([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]).pValue).toBeCloseTo(1, 5);
  });
  it('fully separated samples give a small p and U = n1*n2 when b is larger', () => {
    const a = Array.from({ length: 20 }, (_, i) => i);
    const b = Array.from({ length: 20 }, (_, i) => 100 + i);
    const r = mannWhitneyU(a, b);
    expect(r.u).toBe(400);
    expect(r.pValue).toBeLessThan(1e-6);
  });
});

describe('samplesNeeded', () => {
  it.each([
    [0.5, 20],
    [0.9, 50],
    [0.99, 500],
  ])('q=%s → %s', (q, n) => expect(samplesNeeded(q)).toBe(n));
});

describe('compareSamples', () => {
  const base = samples(100, 200_000, 1);

  it('same distribution → within the noise, for many seeds of the data', () => {
    for (let seed = 2; seed < 22; seed++) {
      const r = compareSamples(base, samples(100, 200_000, seed), { quantile: 0.5 });
      expect(r.verdict, `data seed ${seed}: ${r.reason}`).toBe('within-noise');
    }
  });

  it('a 30% shift with 100 samples each → regression, and the CI excludes 1', () => {
    const r = compareSamples(base, samples(100, 260_000, 99), { quantile: 0.5 });
    expect(r.verdict).toBe('regression');
    expect(r.ciLow).toBeGreaterThan(1);
    expect(r.ratio).toBeGreaterThan(1.2);
    expect(r.pValue).toBeLessThan(0.05);
    expect(r.reason).toMatch(/^\+\d+\.\d%, larger than the noise/);
  });

  it('a 30% shift down → improvement', () => {
    expect(compareSamples(base, samples(100, 140_000, 98), { quantile: 0.5 }).verdict).toBe('improvement');
  });

  it('too few samples → cannot judge, saying how many are needed', () => {
    const r = compareSamples(base, samples(10, 400_000, 3), { quantile: 0.5 });
    expect(r.verdict).toBe('cannot-judge');
    expect(r.needed).toBe(20);
    expect(r.reason).toMatch(/current 10; need at least 20 on each side/);
    const p99 = compareSamples(base, samples(100, 400_000, 3), { quantile: 0.99 });
    expect(p99.verdict).toBe('cannot-judge');
    expect(p99.reason).toMatch(/need at least 500/);
  });

  it('a significant change smaller than minEffect is within the noise', () => {
    const big = samples(1000, 200_000, 5, 0.05);
    const shifted = samples(1000, 206_000, 6, 0.05); // +3%, tight spread: significant but small
    expect(compareSamples(big, shifted, { quantile: 0.5, minEffect: 0 }).verdict).toBe('regression');
    expect(compareSamples(big, shifted, { quantile: 0.5, minEffect: 0.05 }).verdict).toBe('within-noise');
  });

  it('a reference ratio: +30% against ×1.10 with enough data is a regression, against ×1.5 is not', () => {
    const cur = samples(200, 260_000, 7, 0.1);
    const b = samples(200, 200_000, 8, 0.1);
    expect(compareSamples(b, cur, { quantile: 0.5, minEffect: 0, reference: 1.1 }).verdict).toBe('regression');
    expect(compareSamples(b, cur, { quantile: 0.5, minEffect: 0, reference: 1.5 }).verdict).toBe('improvement');
  });

  it('is deterministic: the same inputs give the same interval', () => {
    const cur = samples(80, 220_000, 9);
    const r1 = compareSamples(base, cur, { quantile: 0.9 });
    const r2 = compareSamples(base, cur, { quantile: 0.9 });
    expect(r1).toEqual(r2);
    expect(r1.ciLow).toBeLessThan(r1.ciHigh ?? 0);
  });
});

describe('compareProportions', () => {
  it('needs 20 trials a side, and calls a clear gap beyond the noise and a small one within', () => {
    expect(compareProportions({ hits: 1, trials: 6 }, { hits: 6, trials: 6 }).verdict).toBe('cannot-judge');
    expect(compareProportions({ hits: 5, trials: 40 }, { hits: 40, trials: 40 }).verdict).toBe('regression');
    expect(compareProportions({ hits: 40, trials: 40 }, { hits: 5, trials: 40 }).verdict).toBe('improvement');
    expect(compareProportions({ hits: 20, trials: 40 }, { hits: 24, trials: 40 }).verdict).toBe('within-noise');
    expect(compareProportions({ hits: 20, trials: 40 }, { hits: 20, trials: 40 }).verdict).toBe('within-noise');
  });
});

describe('compareWaves (client latencies: invocations released together share one state)', () => {
  /** `count` waves of `n`, each wave's samples around `medianUs` times its own factor (the machine's state then). */
  const waves = (count: number, n: number, medianUs: number, seed: number, waveFactors: readonly number[] = []): number[][] =>
    Array.from({ length: count }, (_, w) => samples(n, medianUs * (waveFactors[w] ?? 1), seed * 100 + w, 0.05));

  it('one tight wave per side cannot judge a shift, however large: it is one draw of the machine each', () => {
    // The demo's python warm wave: 39 ms in the baseline, 477 ms in a rerun of the same code, each within 1%.
    const base = waves(1, 25, 39_000, 1);
    const cur = waves(1, 25, 477_000, 2);
    expect(compareSamples(base.flat(), cur.flat(), { quantile: 0.5 }).verdict).toBe('regression');
    const r = compareWaves(base, cur, { quantile: 0.5 });
    expect(r.verdict).toBe('cannot-judge');
    expect(r.reason).toMatch(new RegExp(`judged by wave, and there are 1 \\(baseline\\) and 1 \\(current\\); need at least ${MIN_WAVES} on each side`));
  });

  it('a shift inside the spread between waves is within the noise, though every wave is tight', () => {
    const base = waves(4, 25, 100_000, 3, [0.9, 1.1, 1.0, 0.95]);
    const cur = waves(4, 25, 100_000, 4, [1.25, 1.0, 1.3, 1.05]);
    // Taken one by one, the 100 invocations a side say "slower"; the four waves a side do not.
    expect(compareSamples(base.flat(), cur.flat(), { quantile: 0.5 }).verdict).toBe('regression');
    const r = compareWaves(base, cur, { quantile: 0.5 });
    expect(r.verdict).toBe('within-noise');
    expect(r.reason).toMatch(/within the spread between waves \(between waves t=/);
  });

  it('a real slowdown, beyond the spread between waves, is a regression; the same code is not', () => {
    const base = waves(4, 25, 100_000, 5, [0.95, 1.05, 1, 1.02]);
    const slower = waves(4, 25, 160_000, 6, [1.03, 0.97, 1, 0.99]);
    const r = compareWaves(base, slower, { quantile: 0.5 });
    expect(r.verdict).toBe('regression');
    expect(r.reason).toMatch(/larger than the noise .*between waves t=\d/);
    expect(compareWaves(base, waves(4, 25, 100_000, 7, [1.02, 0.98, 1.01, 0.99]), { quantile: 0.5 }).verdict).toBe('within-noise');
  });
});
