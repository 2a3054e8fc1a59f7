/**
 * Small helpers every benchmark shares: a table printer and a JSON writer. Benchmarks measure against a
 * reference in the same run and report ratios; absolute numbers are context, never goals on their own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

export interface BenchRow {
  metric: string;
  value: number | string;
  unit: string;
  reference?: number | string;
  /** The goal as text, e.g. `< 0.5 ms`. */
  goal?: string;
  pass?: boolean;
}

export interface BenchResult {
  name: string;
  rows: BenchRow[];
  notes?: string[];
}

export function printTable(result: BenchResult): void {
  const header = ['metric', 'value', 'unit', 'reference', 'goal', 'pass'];
  const body = result.rows.map((r) => [
    r.metric,
    typeof r.value === 'number' ? fmt(r.value) : r.value,
    r.unit,
    r.reference === undefined ? '' : typeof r.reference === 'number' ? fmt(r.reference) : r.reference,
    r.goal ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n## ${result.name}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row.map(String)));
  for (const note of result.notes ?? []) console.log(`note: ${note}`);
}

export function writeJson(results: BenchResult[], path = 'results/bench.json'): void {
  mkdirSync('results', { recursive: true });
  writeFileSync(path, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2));
  console.log(`\nwrote ${path}`);
}

function fmt(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
