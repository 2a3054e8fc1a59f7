/**
 * The zod schema of a results file (src/core/results.ts), used when reading one back. Objects are loose
 * (unknown keys kept) so a file written by a later coldprobe with additive fields still reads and round-trips.
 */
import { z } from 'zod';
import { RESULTS_SCHEMA_VERSION } from '../core/results.js';
import type { ResultsFile } from '../core/results.js';

const count = z.number().int().min(0);
const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });

const classification = z.enum(['cold', 'pre-initialized', 'warm', 'unknown']);
const outcome = z.enum(['ok', 'function-error', 'throttled', 'service-error', 'client-timeout', 'transport-error', 'interrupted']);

const reportFields = z.looseObject({
  requestId: z.string().optional(),
  durationMs: finite,
  billedDurationMs: finite.optional(),
  memorySizeMb: finite.optional(),
  maxMemoryUsedMb: finite.optional(),
  initDurationMs: finite.optional(),
  restoreDurationMs: finite.optional(),
  status: z.string().optional(),
  errorType: z.string().optional(),
});

const environmentTruth = z.looseObject({
  envId: z.string(),
  envSeq: count,
  initType: z.string(),
  acceptedUs: z.number().optional(),
  assignedUs: z.number().optional(),
  queueWaitUs: z.number().min(0).optional(),
});

const invocationRecord = z.looseObject({
  index: count,
  cell: z.string(),
  burst: count,
  scheduledUs: finite,
  sentUs: finite,
  finishedUs: finite,
  latencyUs: finite,
  prepareUs: finite,
  outcome,
  errorType: z.string().optional(),
  statusCode: z.number().int().optional(),
  classification,
  report: reportFields.optional(),
  foreignReportRequestId: z.string().optional(),
  requestId: z.string().optional(),
  executedVersion: z.string().optional(),
  env: environmentTruth.optional(),
});

const latencyStats = z.looseObject({
  count,
  minUs: finite,
  meanUs: finite,
  p50Us: finite,
  p90Us: finite,
  p99Us: finite,
  p999Us: finite,
  maxUs: finite,
});

const burstInfo = z.looseObject({
  index: count,
  n: count,
  releaseSpreadUs: finite,
  prepareUs: finite,
  startedUs: finite,
  notSent: count,
});

const groupSummary = z.looseObject({
  key: z.looseObject({ functionName: z.string(), runtime: z.string(), memoryMb: finite, classification }),
  latency: latencyStats,
  initDuration: latencyStats.optional(),
});

const cellSummary = z.looseObject({
  total: count,
  // Files written before `interrupted` existed have no count for it: it was 0 then.
  byOutcome: z.looseObject({
    ok: count,
    'function-error': count,
    throttled: count,
    'service-error': count,
    'client-timeout': count,
    'transport-error': count,
    interrupted: count.default(0),
  }),
  cold: count,
  // Added after schemaVersion 1 shipped: a file from before reads as 0.
  preInitialized: count.default(0),
  warm: count,
  unknown: count,
  foreignReports: count.default(0),
  coldRatio: z.number().min(0).max(1),
  throttlesByReason: z.record(z.string(), count),
  errorsByType: z.record(z.string(), count),
  latency: z.looseObject({ all: latencyStats, cold: latencyStats, warm: latencyStats, preInitialized: latencyStats.optional() }),
  initDuration: latencyStats,
  groups: z.array(groupSummary),
  bursts: z.array(burstInfo),
  perBurst: z
    .array(
      z.looseObject({
        index: count,
        total: count,
        cold: count,
        preInitialized: count.default(0),
        warm: count,
        unknown: count,
        throttled: count,
        errors: count,
        interrupted: count.default(0),
        latency: latencyStats,
      }),
    )
    .optional(),
});

const cellSpec = z.looseObject({
  id: z.string(),
  label: z.string(),
  functionName: z.string(),
  runtime: z.string(),
  memoryMb: finite,
  provisioned: count,
  qualifier: z.string().optional(),
});

/** An encoded HDR histogram (`encodeIntoCompressedBase64`: base64 that starts with `HIST`). */
const encodedHistogram = z.string().regex(/^HIST[A-Za-z0-9+/]*={0,2}$/, { message: 'expected an encoded HDR histogram' });

const cellResult = z.looseObject({
  spec: cellSpec,
  bursts: z.array(burstInfo),
  records: z.array(invocationRecord),
  histograms: z.partialRecord(z.enum(['latency.all', 'latency.cold', 'latency.pre-initialized', 'latency.warm', 'init']), encodedHistogram),
  summary: cellSummary,
  cost: z
    .looseObject({
      perThousandUsd: finite,
      totalUsd: finite,
      prices: z.record(z.string(), finite),
      note: z.string(),
    })
    .optional(),
  notes: z.array(z.string()).optional(),
});

const clockOffset = z.looseObject({ offsetMs: finite, uncertaintyMs: finite.min(0), source: z.string(), samples: count });

const shardInfo = z.looseObject({
  index: z.number().int().min(1),
  count: z.number().int().min(1),
  runId: z.string().min(1),
  planId: z.string().min(1),
  releaseAt: z.string().optional(),
  releasedAtUs: finite.optional(),
  clockOffset: clockOffset.optional(),
  host: z.string().optional(),
});

const mergedShards = z.looseObject({
  runId: z.string().min(1),
  planId: z.string().min(1),
  count: z.number().int().min(1),
  timebase: z.enum(['target', 'local']),
  shards: z.array(shardInfo.extend({ records: count, interrupted: z.boolean() })),
  bursts: z.array(
    z.looseObject({
      cell: z.string(),
      burst: count,
      load: z.literal(true).optional(),
      spreadUs: finite,
      uncertaintyUs: finite.optional(),
      shards: z.array(z.looseObject({ shard: z.number().int().min(1), startUs: finite, releaseSpreadUs: finite })),
    }),
  ),
});

/** The whole results file. */
export const resultsFileSchema = z.looseObject({
  schemaVersion: z.literal(RESULTS_SCHEMA_VERSION),
  tool: z.looseObject({ name: z.literal('coldprobe'), version: z.string() }),
  command: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  interrupted: z.boolean(),
  target: z.looseObject({ kind: z.enum(['aws', 'emulator']), description: z.string(), endpoint: z.string().optional() }),
  options: z.record(z.string(), z.unknown()),
  cells: z.array(cellResult),
  invocations: z.looseObject({ planned: count, sent: count, notSent: count }).optional(),
  shard: shardInfo.optional(),
  shards: mergedShards.optional(),
  thresholds: z
    .array(z.looseObject({ expression: z.string(), cell: z.string(), passed: z.boolean(), detail: z.string() }))
    .optional(),
});

// Compile-time guard: what the schema accepts must be a ResultsFile, so readers get the shared type.
type Parsed = z.infer<typeof resultsFileSchema>;
const _parsedIsResultsFile = (p: Parsed): ResultsFile => p;
void _parsedIsResultsFile;
