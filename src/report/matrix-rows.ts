/**
 * The comparison data of a matrix: one row per cell, and the best cell per question. Shared by the text table
 * and the HTML report. Pure: data in, data out.
 *
 * A pick is a claim ("node 1024 MB cold-starts fastest"), so it is made only when the data can carry it: every
 * compared cell has enough samples, the winner beats every other cell beyond the noise test the CI gate uses,
 * and cells that were throttled, failed or cut short are left out, because their figures measure something
 * else (fewer environments, error paths, a partial burst). Otherwise the answer is "no significant difference".
 */
import { familySamples, type TimeFamily } from '../core/cell-metrics.js';
import { billedMs } from '../core/cost.js';
import { compareProportions, compareSamples, mannWhitneyU, MIN_SAMPLES } from '../core/noise.js';
import type { CellResult } from '../core/results.js';
import { classifiedCount } from '../core/summary.js';
import type { LatencyStats } from '../core/types.js';

/** One cell's comparison figures; latencies in µs, undefined when the cell had no such invocation. */
export interface MatrixRow {
  id: string;
  label: string;
  functionName: string;
  runtime: string;
  memoryMb: number;
  provisioned: number;
  total: number;
  coldRatio: number | undefined;
  /** Invocations whose REPORT carried an init they did not wait for (provisioned concurrency, proactive init). */
  preInitialized: number;
  coldP50Us: number | undefined;
  coldP99Us: number | undefined;
  warmP50Us: number | undefined;
  warmP99Us: number | undefined;
  initP50Us: number | undefined;
  initP99Us: number | undefined;
  throttles: number;
  errors: number;
  /** Estimated USD per 1,000 invocations, when a cost estimate exists. */
  costPerThousandUsd: number | undefined;
  /** Peak Max Memory Used over the cell's environments, MB. */
  peakMemoryMb: number | undefined;
  /** What the cell sent: bursts, or a load over time (a profile's `load:` cell). */
  workload: 'burst' | 'load';
}

const pick = (stats: LatencyStats | undefined, key: 'p50Us' | 'p99Us'): number | undefined =>
  stats && stats.count > 0 ? stats[key] : undefined;

/** Figures of one cell. */
export function rowOf(cell: CellResult): MatrixRow {
  const s = cell.summary;
  const errors = s.byOutcome['function-error'] + s.byOutcome['service-error'] + s.byOutcome['client-timeout'] + s.byOutcome['transport-error'];
  let peak: number | undefined;
  for (const record of cell.records) {
    const used = record.report?.maxMemoryUsedMb;
    if (used !== undefined && (peak === undefined || used > peak)) peak = used;
  }
  return {
    id: cell.spec.id,
    label: cell.spec.label,
    functionName: cell.spec.functionName,
    runtime: cell.spec.runtime,
    memoryMb: cell.spec.memoryMb,
    provisioned: cell.spec.provisioned,
    total: s.total,
    coldRatio: classifiedCount(s) > 0 ? s.coldRatio : undefined,
    preInitialized: s.preInitialized,
    coldP50Us: pick(s.latency.cold, 'p50Us'),
    coldP99Us: pick(s.latency.cold, 'p99Us'),
    warmP50Us: pick(s.latency.warm, 'p50Us'),
    warmP99Us: pick(s.latency.warm, 'p99Us'),
    initP50Us: pick(s.initDuration, 'p50Us'),
    initP99Us: pick(s.initDuration, 'p99Us'),
    throttles: s.byOutcome.throttled,
    errors,
    costPerThousandUsd: cell.cost?.perThousandUsd,
    peakMemoryMb: peak,
    workload: cell.load !== undefined ? 'load' : 'burst',
  };
}

/** How a question is judged: a median of a sample family, a share, or per-invocation cost. */
type Judge = { kind: 'median'; family: TimeFamily } | { kind: 'cold-share' } | { kind: 'cost' };

/** A question the table answers, the column that shows it and how a winner is tested. */
interface Question {
  question: string;
  column: keyof MatrixRow;
  judge: Judge;
}

const QUESTIONS: readonly Question[] = [
  { question: 'fewest cold starts', column: 'coldRatio', judge: { kind: 'cold-share' } },
  { question: 'fastest cold start (p50)', column: 'coldP50Us', judge: { kind: 'median', family: 'cold.latency' } },
  { question: 'fastest init (p50)', column: 'initP50Us', judge: { kind: 'median', family: 'cold.init' } },
  { question: 'fastest warm (p50)', column: 'warmP50Us', judge: { kind: 'median', family: 'warm.latency' } },
  { question: 'cheapest per 1,000 (estimate)', column: 'costPerThousandUsd', judge: { kind: 'cost' } },
];

/** The answer to one question: a winning cell, or why there is none. */
export interface BestCell {
  question: string;
  /** Column key the question is about. */
  column: keyof MatrixRow;
  /** The winning row, when it beats every other compared row beyond the noise. */
  rowId?: string;
  /** Why there is no winner ("no significant difference", too few samples), one phrase. */
  reason?: string;
}

/** Every answer, and the cells left out of all of them with why. */
export interface BestCells {
  answers: BestCell[];
  excluded: Array<{ rowId: string; label: string; why: string }>;
  /** Set when no question is answered at all (an interrupted run, fewer than two cells to compare). */
  note?: string;
}

/** Why a cell cannot be compared, or undefined when it can. */
function exclusion(cell: CellResult, row: MatrixRow): string | undefined {
  if (cell.bursts.some((b) => b.notSent > 0)) return 'interrupted';
  if (row.throttles > 0) return `${row.throttles} throttled`;
  if (row.errors > 0) return `${row.errors} errors`;
  return undefined;
}

/**
 * Per-invocation cost in USD as samples the noise test can compare: billed GB-s and the request price of each
 * invocation, plus an even share of whatever the cell's estimate adds on top (provisioned concurrency), so the
 * samples add up to the cell's estimated total.
 */
function costSamples(cell: CellResult): number[] {
  const cost = cell.cost;
  if (!cost) return [];
  const perGbS = cost.prices['perGbSecond'] ?? 0;
  const perRequest = cost.prices['perRequest'] ?? 0;
  const own = cell.records.flatMap((r) =>
    r.report && (r.outcome === 'ok' || r.outcome === 'function-error') ? [(billedMs(r) / 1000) * ((r.report.memorySizeMb ?? cell.spec.memoryMb) / 1024) * perGbS + perRequest] : [],
  );
  const extra = own.length === 0 ? 0 : (cost.totalUsd - own.reduce((a, b) => a + b, 0)) / own.length;
  return own.map((usd) => usd + extra);
}

interface Candidate {
  cell: CellResult;
  row: MatrixRow;
  value: number;
}

/** Does `winner` beat `other` beyond the noise for this question? A string says why it cannot be judged. */
function beats(judge: Judge, winner: Candidate, other: Candidate): boolean | string {
  if (judge.kind === 'cold-share') {
    const share = (c: Candidate) => ({ hits: c.cell.summary.cold, trials: classifiedCount(c.cell.summary) });
    const r = compareProportions(share(winner), share(other));
    return r.verdict === 'cannot-judge' ? `too few samples (need ${MIN_SAMPLES} classified per cell)` : r.verdict === 'regression';
  }
  if (judge.kind === 'cost') {
    // Cost per invocation mixes cheap warm and dear cold invocations: its median falls between the two and jumps,
    // so cost is judged on the mean (what the estimate is) with the rank test saying the other cell is dearer.
    const a = costSamples(winner.cell);
    const b = costSamples(other.cell);
    if (a.length < MIN_SAMPLES || b.length < MIN_SAMPLES) return `too few samples (need ${MIN_SAMPLES} per cell)`;
    const mean = (xs: readonly number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
    const rank = mannWhitneyU(a, b);
    return rank.z > 0 && rank.pValue < 0.01 && mean(b) > mean(a) * 1.1;
  }
  // The other cell is the "current" side: a regression means it is slower than the winner beyond the noise.
  const r = compareSamples(familySamples(winner.cell, judge.family), familySamples(other.cell, judge.family), { quantile: 0.5 });
  return r.verdict === 'cannot-judge' ? `too few samples (need ${r.needed} per cell)` : r.verdict === 'regression';
}

function answer(q: Question, candidates: readonly Candidate[]): BestCell {
  const head = { question: q.question, column: q.column };
  if (candidates.length < 2) return { ...head, reason: 'only one cell has this figure' };
  const sorted = [...candidates].sort((a, b) => a.value - b.value);
  const winner = sorted[0]!;
  for (const other of sorted.slice(1)) {
    const verdict = beats(q.judge, winner, other);
    if (typeof verdict === 'string') return { ...head, reason: verdict };
    if (!verdict) return { ...head, reason: 'no significant difference' };
  }
  return { ...head, rowId: winner.row.id };
}

/**
 * The best cell per question, tested for significance. `interrupted` (the results file's flag) withholds
 * every pick: a partial run's cells were not measured alike.
 */
export function bestCells(cells: readonly CellResult[], interrupted = false): BestCells {
  const rows = cells.map(rowOf);
  if (rows.length < 2) return { answers: [], excluded: [] };
  if (interrupted) return { answers: [], excluded: [], note: 'the run was interrupted, so no cell is picked as best' };
  const excluded: BestCells['excluded'] = [];
  const comparable: Array<{ cell: CellResult; row: MatrixRow }> = [];
  cells.forEach((cell, i) => {
    const row = rows[i]!;
    const why = exclusion(cell, row);
    if (why) excluded.push({ rowId: row.id, label: row.label, why });
    else comparable.push({ cell, row });
  });
  if (comparable.length < 2) return { answers: [], excluded, note: 'fewer than two cells to compare, so no cell is picked as best' };
  // A burst and a load ask different things of a function (all at once, or over time): each is compared only
  // with its own kind, and the question says which when a run has both.
  const kinds = [...new Set(comparable.map((c) => c.row.workload))];
  const answers = kinds.flatMap((kind) =>
    QUESTIONS.flatMap((q) => {
      const candidates = comparable.flatMap(({ cell, row }) => {
        const value = row[q.column];
        return row.workload === kind && typeof value === 'number' ? [{ cell, row, value }] : [];
      });
      const asked = kinds.length > 1 ? { ...q, question: `${q.question}, ${kind === 'load' ? 'loads' : 'bursts'}` } : q;
      // A question no cell can answer (no warm starts anywhere, no cost estimate) is left out, not "no difference".
      return candidates.length === 0 ? [] : [answer(asked, candidates)];
    }),
  );
  return { answers, excluded };
}
