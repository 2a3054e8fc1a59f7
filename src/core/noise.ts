/**
 * Is a difference larger than the noise? A seeded percentile bootstrap of the ratio current/baseline of a
 * quantile, plus a Mann-Whitney U rank test for medians. Pure and deterministic: the same samples and seed
 * always give the same verdict, so a CI gate never flips on a re-run of the check alone.
 */

/** The outcome of one noise test. */
export type NoiseVerdict = 'regression' | 'improvement' | 'within-noise' | 'cannot-judge';

/** Options of {@link compareSamples}. */
export interface NoiseOptions {
  /** Quantile compared, in (0, 1): 0.5 for the median, 0.99 for p99. */
  quantile: number;
  /** PRNG seed; a fixed default keeps verdicts reproducible. */
  seed?: number;
  /** Bootstrap resamples; default adapts to sample size (at most 2000). */
  iterations?: number;
  /** Two-sided confidence level of the interval, default 0.99: a CI gate's false alarm costs more than a late catch. */
  confidence?: number;
  /** Smallest relative change that counts (0.10 = 10%, the default); smaller significant changes count as noise. */
  minEffect?: number;
  /**
   * Ratio tested against, default 1 (no change). A threshold `baseline * 1.10` tests against 1.10: a
   * regression then means current is above 1.10 × baseline by more than the noise.
   */
  reference?: number;
}

/** Verdict with the numbers behind it. */
export interface NoiseResult {
  verdict: NoiseVerdict;
  quantile: number;
  baselineN: number;
  currentN: number;
  /** Samples each side needs before the test will judge this quantile. */
  needed: number;
  /** current quantile / baseline quantile, when judged. */
  ratio?: number;
  /** Confidence interval of the ratio. */
  ciLow?: number;
  ciHigh?: number;
  /** Two-sided Mann-Whitney U p-value (medians only). */
  pValue?: number;
  /** One sentence saying why. */
  reason: string;
}

/** Fewest samples per side the test ever judges on. */
export const MIN_SAMPLES = 20;
const DEFAULT_SEED = 0xc01d;

/**
 * Samples per side needed to judge a quantile: at least {@link MIN_SAMPLES}, and enough that about five
 * samples lie above the quantile (p99 needs 500), because a bootstrap of a tail with fewer is just the max.
 */
export function samplesNeeded(quantile: number): number {
  const tail = Math.min(quantile, 1 - quantile);
  return Math.max(MIN_SAMPLES, Math.ceil(5 / tail - 1e-9));
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Quantile of ascending-sorted values with linear interpolation (Hyndman-Fan type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (h - lo);
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, error under 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Mann-Whitney U test of two samples: U of `b` over `a`, z, and the two-sided p-value (normal approx, ties corrected). */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): { u: number; z: number; pValue: number } {
  const n1 = a.length;
  const n2 = b.length;
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankSumB = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j + 2) / 2; // average 1-based rank of the tie group
    const size = j - i + 1;
    tieTerm += size ** 3 - size;
    for (let k = i; k <= j; k++) if (all[k]!.g === 1) rankSumB += rank;
    i = j + 1;
  }
  const u = rankSumB - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, pValue: 1 };
  // Continuity correction toward the mean.
  const diff = u - mean;
  const z = (diff - Math.sign(diff) * 0.5) / Math.sqrt(variance);
  return { u, z, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))) };
}

/**
 * The q-quantile of one bootstrap resample of `sorted`, in O(n): draw n indices with replacement and count
 * them; because `sorted` is ascending, the k-th smallest resampled value is the value at the index where
 * the running count passes k. No resample is ever materialised or sorted.
 */
function resampleQuantile(sorted: Float64Array, q: number, random: () => number, counts: Uint32Array): number {
  const n = sorted.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[Math.floor(random() * n)]!++;
  const h = (n - 1) * q;
  const loPos = Math.floor(h);
  const hiPos = Math.min(n - 1, loPos + 1);
  let cumulative = 0;
  let lo = Number.NaN;
  for (let j = 0; j < n; j++) {
    cumulative += counts[j]!;
    if (Number.isNaN(lo) && cumulative > loPos) lo = sorted[j]!;
    if (cumulative > hiPos) return lo + (sorted[j]! - lo) * (h - loPos);
  }
  return lo;
}

function bootstrapRatio(
  base: Float64Array,
  cur: Float64Array,
  q: number,
  iterations: number,
  random: () => number,
): Float64Array {
  const ratios = new Float64Array(iterations);
  const countsA = new Uint32Array(base.length);
  const countsB = new Uint32Array(cur.length);
  for (let i = 0; i < iterations; i++) {
    const qa = resampleQuantile(base, q, random, countsA);
    const qb = resampleQuantile(cur, q, random, countsB);
    ratios[i] = qa > 0 ? qb / qa : Number.POSITIVE_INFINITY;
  }
  ratios.sort();
  return ratios;
}

const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

/**
 * Compare a quantile of `current` against `baseline` (same unit, e.g. µs). A regression needs the whole
 * confidence interval above 1, the change to exceed `minEffect`, and for medians the rank test to agree;
 * anything less is within the noise. Too few samples give `cannot-judge` with the number needed.
 */
export function compareSamples(baseline: readonly number[], current: readonly number[], options: NoiseOptions): NoiseResult {
  const q = options.quantile;
  const needed = samplesNeeded(q);
  const head = { quantile: q, baselineN: baseline.length, currentN: current.length, needed };
  if (baseline.length < needed || current.length < needed) {
    return {
      ...head,
      verdict: 'cannot-judge',
      reason: `too few samples to judge (baseline ${baseline.length}, current ${current.length}; need at least ${needed} on each side)`,
    };
  }
  const sortedA = Float64Array.from(baseline).sort();
  const sortedB = Float64Array.from(current).sort();
  const qa = quantileSorted(sortedA, q);
  const qb = quantileSorted(sortedB, q);
  if (!(qa > 0)) {
    return { ...head, verdict: 'cannot-judge', reason: 'the baseline value is zero, so a ratio means nothing' };
  }
  const ratio = qb / qa;
  // Each resample costs O(n); cap the work near 40M draws so a 100k-record cell still judges in about a second.
  const iterations =
    options.iterations ?? Math.max(200, Math.min(2000, Math.floor(40_000_000 / (baseline.length + current.length))));
  const confidence = options.confidence ?? 0.99;
  const ratios = bootstrapRatio(sortedA, sortedB, q, iterations, seededRandom(options.seed ?? DEFAULT_SEED));
  const alpha = 1 - confidence;
  const ciLow = quantileSorted(ratios, alpha / 2);
  const ciHigh = quantileSorted(ratios, 1 - alpha / 2);
  const minEffect = options.minEffect ?? 0.1;
  const ref = options.reference ?? 1;
  // The rank test asks whether current differs from the baseline scaled to the reference.
  const pValue = q === 0.5 ? mannWhitneyU(baseline.map((v) => v * ref), current).pValue : undefined;
  const rankAgrees = pValue === undefined || pValue < alpha;
  const ci = `${(confidence * 100).toFixed(0)}% CI of the ratio ${ciLow.toFixed(2)}–${ciHigh.toFixed(2)}`;
  const against = ref === 1 ? '' : ` against ×${ref.toFixed(2)}`;
  const judged = { ...head, ratio, ciLow, ciHigh, ...(pValue === undefined ? {} : { pValue }) };
  if (ciLow > ref && ratio > ref * (1 + minEffect) && rankAgrees) {
    return { ...judged, verdict: 'regression', reason: `${pct(ratio)}, larger than the noise${against} (${ci})` };
  }
  if (ciHigh < ref && ratio < ref * (1 - minEffect) && rankAgrees) {
    return { ...judged, verdict: 'improvement', reason: `${pct(ratio)}, larger than the noise${against} (${ci})` };
  }
  const why =
    ciLow <= ref && ciHigh >= ref ? ci : !rankAgrees ? `rank test p=${pValue?.toFixed(3)}` : `under ${(minEffect * 100).toFixed(0)}%`;
  return { ...judged, verdict: 'within-noise', reason: `${pct(ratio)}, within the noise${against} (${why})` };
}

/** Fewest waves per side a wave-by-wave comparison judges on: with fewer, the spread between waves is unknown. */
export const MIN_WAVES = 3;

/** Two-sided 99% critical values of Student's t by degrees of freedom (a lower dof's value is used between rows: stricter). */
const T_99: ReadonlyArray<readonly [dof: number, t: number]> = [
  [1, 63.657], [2, 9.925], [3, 5.841], [4, 4.604], [5, 4.032], [6, 3.707], [7, 3.499], [8, 3.355], [9, 3.25], [10, 3.169],
  [12, 3.055], [15, 2.947], [20, 2.845], [30, 2.75], [60, 2.66], [120, 2.617],
];

function tCritical99(dof: number): number {
  let t = T_99[0]?.[1] ?? Number.POSITIVE_INFINITY;
  for (const [d, v] of T_99) if (dof >= d) t = v;
  return t;
}

function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, variance };
}

/**
 * {@link compareSamples} for samples that come in waves sharing one state: the client latencies of invocations
 * released together. On a shared machine a whole wave moved 12× between two runs of the same code while its 25
 * latencies stayed within 1%: they are one draw of the machine's state, not 25, and a test that takes them as
 * independent finds a "regression" in every rerun. So a change must be beyond the noise between invocations
 * (compareSamples) and also between waves: Welch's t-test at 99% on the log of each wave's quantile, which needs
 * {@link MIN_WAVES} waves per side; with fewer the verdict is `cannot-judge`, with the reason.
 */
export function compareWaves(baseline: readonly (readonly number[])[], current: readonly (readonly number[])[], options: NoiseOptions): NoiseResult {
  const a = baseline.filter((w) => w.length > 0);
  const b = current.filter((w) => w.length > 0);
  const samples = compareSamples(a.flat(), b.flat(), options);
  // Within the noise between invocations, or too few of them: the waves cannot make it a change.
  if (samples.verdict === 'within-noise' || samples.verdict === 'cannot-judge') return samples;
  if (a.length < MIN_WAVES || b.length < MIN_WAVES) {
    return {
      ...samples,
      verdict: 'cannot-judge',
      reason: `${samples.reason.replace(/, larger than the noise.*$/, '')} in one state of the machine: invocations released together are judged by wave, and there are ${a.length} (baseline) and ${b.length} (current); need at least ${MIN_WAVES} on each side`,
    };
  }
  const q = options.quantile;
  const logQuantile = (wave: readonly number[]): number => Math.log(Math.max(1e-9, quantileSorted(Float64Array.from(wave).sort(), q)));
  const x = meanAndVariance(a.map(logQuantile));
  const y = meanAndVariance(b.map(logQuantile));
  const va = x.variance / a.length;
  const vb = y.variance / b.length;
  const se = Math.sqrt(va + vb);
  const diff = y.mean - x.mean - Math.log(options.reference ?? 1);
  // Welch–Satterthwaite degrees of freedom; with no spread between waves on either side, the invocations decide.
  const dof = se > 0 ? (va + vb) ** 2 / ((va * va) / Math.max(1, a.length - 1) + (vb * vb) / Math.max(1, b.length - 1)) : Number.POSITIVE_INFINITY;
  const t = se > 0 ? diff / se : diff === 0 ? 0 : Math.sign(diff) * Number.POSITIVE_INFINITY;
  const critical = tCritical99(dof);
  const waves = `between waves t=${Number.isFinite(t) ? t.toFixed(1) : t > 0 ? '∞' : '-∞'}, ${a.length} and ${b.length} waves`;
  if (Math.abs(t) > critical && (t > 0) === (samples.verdict === 'regression')) return { ...samples, reason: `${samples.reason}; ${waves}` };
  return {
    ...samples,
    verdict: 'within-noise',
    reason: `${samples.reason.replace(/, larger than the noise.*$/, '')}, within the spread between waves (${waves}, needs |t| > ${critical.toFixed(1)})`,
  };
}

/** The outcome of {@link compareProportions}: is `current`'s share larger than `baseline`'s beyond the noise? */
export interface ProportionResult {
  verdict: NoiseVerdict;
  /** Two-sided p-value of the two-proportion z-test, when judged. */
  pValue?: number;
  reason: string;
}

/**
 * Two-proportion z-test (pooled), e.g. cold starts out of classified invocations in two cells. Needs
 * {@link MIN_SAMPLES} trials per side; significant at the same 1% level the quantile test uses.
 */
export function compareProportions(
  baseline: { hits: number; trials: number },
  current: { hits: number; trials: number },
  confidence = 0.99,
): ProportionResult {
  if (baseline.trials < MIN_SAMPLES || current.trials < MIN_SAMPLES) {
    return {
      verdict: 'cannot-judge',
      reason: `too few samples to judge (baseline ${baseline.trials}, current ${current.trials}; need at least ${MIN_SAMPLES} on each side)`,
    };
  }
  const p1 = baseline.hits / baseline.trials;
  const p2 = current.hits / current.trials;
  const pooled = (baseline.hits + current.hits) / (baseline.trials + current.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / baseline.trials + 1 / current.trials));
  if (!(se > 0)) return { verdict: 'within-noise', pValue: 1, reason: 'the same share on both sides' };
  const z = (p2 - p1) / se;
  const pValue = Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
  const shares = `${(p1 * 100).toFixed(0)}% vs ${(p2 * 100).toFixed(0)}%, p=${pValue.toFixed(3)}`;
  if (pValue >= 1 - confidence) return { verdict: 'within-noise', pValue, reason: `${shares}, within the noise` };
  return { verdict: p2 > p1 ? 'regression' : 'improvement', pValue, reason: `${shares}, larger than the noise` };
}
