/**
 * The comparison data of a matrix: one row per cell, and the best cell per question. Shared by the text table
 * and the HTML report. Pure: data in, data out.
 */
import type { CellResult } from '../core/results.js';
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
}

/** A question the table answers and the row that answers it best. */
export interface BestCell {
  question: string;
  /** Column key the question is about. */
  column: keyof MatrixRow;
  /** The winning row; rows that tie for best get one entry each. */
  rowId: string;
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
    coldRatio: s.cold + s.warm > 0 ? s.coldRatio : undefined,
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
  };
}

const QUESTIONS: Array<{ question: string; column: keyof MatrixRow }> = [
  { question: 'fewest cold starts', column: 'coldRatio' },
  { question: 'fastest cold start (p99)', column: 'coldP99Us' },
  { question: 'fastest init (p50)', column: 'initP50Us' },
  { question: 'fastest warm (p99)', column: 'warmP99Us' },
  { question: 'cheapest per 1,000 (estimate)', column: 'costPerThousandUsd' },
];

/** The lowest row(s) per question; questions no row can answer, or where all rows tie, are left out. */
export function bestCells(rows: readonly MatrixRow[]): BestCell[] {
  if (rows.length < 2) return [];
  const best: BestCell[] = [];
  for (const { question, column } of QUESTIONS) {
    const valued = rows.flatMap((row) => {
      const value = row[column];
      return typeof value === 'number' ? [{ row, value }] : [];
    });
    if (valued.length < 2) continue;
    const min = Math.min(...valued.map((v) => v.value));
    if (valued.every((v) => v.value === min)) continue;
    for (const winner of valued.filter((v) => v.value === min)) best.push({ question, column, rowId: winner.row.id });
  }
  return best;
}
