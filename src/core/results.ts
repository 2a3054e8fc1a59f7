/**
 * The results file: the saved artifact of every run. Records are the truth; summaries and histograms
 * are recomputable from them and stored so later commands (report, check, compare) need not re-run.
 */
import type { LoadSection } from './load-windows.js';
import type { MergedShards, ShardInfo } from './shard.js';
import type { BurstInfo, CellSpec, CellSummary, InvocationRecord } from './types.js';

export const RESULTS_SCHEMA_VERSION = 1;

/** Names of the encoded HDR histograms stored per cell (values in µs). */
export type HistogramName = 'latency.all' | 'latency.cold' | 'latency.pre-initialized' | 'latency.warm' | 'init';

export interface CellResult {
  spec: CellSpec;
  bursts: BurstInfo[];
  records: InvocationRecord[];
  /** HDR histograms, `encodeIntoCompressedBase64` form. */
  histograms: Partial<Record<HistogramName, string>>;
  summary: CellSummary;
  /** Cost estimate (matrix runs), clearly an estimate. */
  cost?: { perThousandUsd: number; totalUsd: number; prices: Record<string, number>; note: string };
  /** Free-form notes about this cell (e.g. "CPU quota unavailable"). */
  notes?: string[];
  /** `coldprobe load`: the schedule and its time windows. */
  load?: LoadSection;
}

/** The run's invocations against its plan. */
export interface InvocationCounts {
  planned: number;
  sent: number;
  notSent: number;
}

export interface ResultsFile {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: 'coldprobe'; version: string };
  /** `burst` or `run`. */
  command: string;
  startedAt: string;
  finishedAt: string;
  /** True when Ctrl-C (or a lost threshold with abort) ended the run early: the records are partial. */
  interrupted: boolean;
  /** `endpoint`: where invocations went, when not the SDK's default for the region (--endpoint-url, AWS_ENDPOINT_URL_LAMBDA). */
  target: { kind: 'aws' | 'emulator'; description: string; endpoint?: string };
  /** The resolved options the run used (never credentials). */
  options: Record<string, unknown>;
  cells: CellResult[];
  /**
   * Every invocation the plan held: `sent` (each has exactly one record) plus `notSent` (never written: stopped
   * before its release, its wave or its cell) is `planned`. Absent in files written before it existed.
   */
  invocations?: InvocationCounts;
  /** Set when the run was one shard of several (`--shard i/N`); additive, so schemaVersion stays 1. */
  shard?: ShardInfo;
  /** Set by `coldprobe merge` on the file it merged from every shard of one run. */
  shards?: MergedShards;
  /** Threshold verdicts when thresholds were given. */
  thresholds?: Array<{ expression: string; cell: string; passed: boolean; detail: string }>;
}
