/**
 * Synthetic cells for the CI gate's unit tests: records drawn from a seeded generator, summarised by the
 * real summarize(), so thresholds and compare see exactly what a run would write.
 */
import { summarize } from '../../src/core/summary.js';
import { seededRandom } from '../../src/core/noise.js';
import type { CellResult, ResultsFile } from '../../src/core/results.js';
import type { InvocationRecord, Outcome } from '../../src/core/types.js';
import { resultsFileOf } from '../fixtures/results-file.js';

/** Log-normal-ish samples around `medianUs` with relative spread `spread`, deterministic for a seed. */
export function samples(n: number, medianUs: number, seed: number, spread = 0.2): number[] {
  const random = seededRandom(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    // Box-Muller: a normal deviate from two uniforms.
    const u = Math.max(random(), 1e-12);
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(Math.round(medianUs * Math.exp(spread * z)));
  }
  return out;
}

export interface CellShape {
  id?: string;
  functionName?: string;
  memoryMb?: number;
  /** Cold latencies, µs; each cold record's init is latency minus 50 ms (at least 1 ms). */
  cold?: number[];
  warm?: number[];
  /** Latencies of pre-initialized invocations, µs; each one's init is latency plus 200 ms (the client never waited for it). */
  preInitialized?: number[];
  throttled?: Array<string>;
  errors?: Array<string>;
  /**
   * Waves the records are released in (default 4): each class's records are dealt round-robin over them, so
   * client latencies, judged wave by wave, have enough waves to judge.
   */
  waves?: number;
}

/** A CellResult built from records the way the engine builds one. */
export function cell(shape: CellShape): CellResult {
  const id = shape.id ?? 'default';
  const functionName = shape.functionName ?? 'node-hello';
  const memoryMb = shape.memoryMb ?? 128;
  const records: InvocationRecord[] = [];
  const waves = shape.waves ?? 4;
  const dealt = { cold: 0, 'pre-initialized': 0, warm: 0, unknown: 0 };
  const push = (latencyUs: number, classification: 'cold' | 'pre-initialized' | 'warm' | 'unknown', outcome: Outcome, errorType?: string): void => {
    const index = records.length;
    const record: InvocationRecord = {
      index,
      cell: id,
      burst: dealt[classification]++ % waves,
      scheduledUs: 0,
      sentUs: 10,
      finishedUs: 10 + latencyUs,
      latencyUs,
      prepareUs: 5,
      outcome,
      classification,
    };
    if (errorType !== undefined) record.errorType = errorType;
    if (classification !== 'unknown') {
      record.report = {
        durationMs: 1,
        billedDurationMs: 1,
        memorySizeMb: memoryMb,
        maxMemoryUsedMb: 50,
        ...(classification === 'cold' ? { initDurationMs: Math.max(1, (latencyUs - 50_000) / 1000) } : {}),
        ...(classification === 'pre-initialized' ? { initDurationMs: latencyUs / 1000 + 200 } : {}),
      };
    }
    records.push(record);
  };
  for (const v of shape.cold ?? []) push(v, 'cold', 'ok');
  for (const v of shape.warm ?? []) push(v, 'warm', 'ok');
  for (const v of shape.preInitialized ?? []) push(v, 'pre-initialized', 'ok');
  for (const reason of shape.throttled ?? []) push(300, 'unknown', 'throttled', reason);
  for (const type of shape.errors ?? []) push(2000, 'warm', 'function-error', type);
  const bursts = Array.from({ length: waves }, (_, index) => ({
    index,
    n: records.filter((r) => r.burst === index).length,
    releaseSpreadUs: 1500,
    prepareUs: 100,
    startedUs: index * 1_000_000,
    notSent: 0,
  }));
  const { summary, histograms } = summarize(records, bursts, { functionName, runtime: 'nodejs20.x', memoryMb });
  return {
    spec: { id, label: id, functionName, runtime: 'nodejs20.x', memoryMb, provisioned: 0 },
    bursts,
    records,
    histograms,
    summary,
  };
}

/** A results file holding `cells`. */
export function resultsFile(cells: CellResult[]): ResultsFile {
  return resultsFileOf(cells);
}
