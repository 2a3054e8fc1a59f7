/**
 * The flags that make a run one shard of several (`--shard i/N`, `--start-at`, `--start-in`, `--run-id`), shared
 * by `burst`, `run` and `load`: parsed and checked before anything runs, then turned into what the engine and the results
 * file need (src/cli/execute.ts).
 */
import type { HelpSection } from './help.js';
import { createHash } from 'node:crypto';
import { usageError } from '../core/errors.js';
import type { RunPlan } from '../core/plan.js';
import { parseShard, shardPlan, WHOLE, type IndexSegment, type Shard } from '../core/shard.js';
import { durationMs } from './args.js';

/** parseArgs options of the shard flags. */
export const SHARD_FLAGS = {
  shard: { type: 'string' },
  'start-at': { type: 'string' },
  'start-in': { type: 'string' },
  'run-id': { type: 'string' },
} as const;

/** The help text of the shard flags. */
export const SHARD_SECTION: HelpSection = {
  title: 'Shards (several machines as one run; see docs/scale.md)',
  options: [
    ['--shard i/N', "send shard i of N (from 1) of every burst and load; 'coldprobe merge' joins the N files"],
    [
      '--start-at TIME',
      "prepare and open every connection, then release the first burst (or start the first load's schedule) at this RFC 3339 instant, e.g. 2026-12-01T10:00:00Z (give every shard the same one)",
    ],
    ['--start-in DURATION', 'the same, DURATION after this process started, e.g. 30s (shards started together)'],
    ['--run-id ID', "the id every shard of one run shares (default: the plan's fingerprint, plus --start-at's instant); give each run its own when they share a plan"],
  ],
};

/** Values of the shard flags as parseArgs gives them. */
export interface ShardFlagValues {
  shard?: string;
  'start-at'?: string;
  'start-in'?: string;
  'run-id'?: string;
}

/** What the shard flags asked for, before the plan is known. */
export interface ShardRequest {
  shard: Shard;
  /** The release instant, ms since the epoch. */
  releaseAtMs?: number;
  runId?: string;
  /** How the release instant was given, for the default run id (`at <instant>` or `in <ms>`). */
  startSpec?: string;
}

/**
 * What a shard released late should change next time: it was ready `readyAfterMs` after its process started, so
 * give the shards twice that (rounded up to 5 s): start-up and preparing slow down on a loaded machine, and on
 * one machine an early shard's cold starts take CPU from the shards still starting.
 */
export function releaseAdvice(request: Pick<ShardRequest, 'startSpec'>, readyAfterMs: number): string {
  const s = Math.max(5, Math.ceil((2 * readyAfterMs) / 5000) * 5);
  const ready = `this shard was ready ${(readyAfterMs / 1000).toFixed(1)} s after it started`;
  return request.startSpec?.startsWith('at ') === true
    ? `${ready}, so give a --start-at instant at least ${s} s after the shards start`
    : `${ready}, so give the shards more time, e.g. --start-in ${s}s`;
}

/** A plan cut to one shard, with what its results file records about it. */
export interface ShardRun {
  plan: RunPlan;
  segments: IndexSegment[];
  shard: Shard;
  runId: string;
  planId: string;
  releaseAtMs?: number;
}

/** RFC 3339 date-time with a zone (`Z` or `±hh:mm`), optional fraction. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Read the shard flags; undefined when none was given (an ordinary run). `processStartMs` is when this process
 * started (for `--start-in`: shards launched together then agree to within their launch skew, not their start-up
 * time), `nowMs` the wall clock now (an instant already past is refused).
 */
export function resolveShardFlags(values: ShardFlagValues, processStartMs: number, nowMs: number): ShardRequest | undefined {
  const { shard: rawShard, 'start-at': startAt, 'start-in': startIn, 'run-id': runId } = values;
  if (rawShard === undefined && startAt === undefined && startIn === undefined && runId === undefined) return undefined;
  const request: ShardRequest = { shard: rawShard === undefined ? WHOLE : parseShard(rawShard) };
  if (startAt !== undefined && startIn !== undefined) throw usageError('give --start-at or --start-in, not both.');
  if (startAt !== undefined) {
    const ms = RFC3339.test(startAt.trim()) ? Date.parse(startAt.trim()) : Number.NaN;
    if (!Number.isFinite(ms)) throw usageError(`--start-at must be an RFC 3339 time with a zone, like 2026-12-01T10:00:00Z, got '${startAt}'.`);
    if (ms <= nowMs) throw usageError(`--start-at ${startAt} is ${formatAgo(nowMs - ms)} in the past; give a later instant.`);
    request.releaseAtMs = ms;
    request.startSpec = `at ${new Date(ms).toISOString()}`;
  }
  if (startIn !== undefined) {
    const ms = durationMs('start-in', startIn, 0);
    request.releaseAtMs = processStartMs + ms;
    request.startSpec = `in ${ms}`;
  }
  if (runId !== undefined) {
    if (!/^[A-Za-z0-9._:-]{1,128}$/.test(runId)) throw usageError(`--run-id must be 1 to 128 letters, digits or . _ : -, got '${runId}'.`);
    request.runId = runId;
  }
  return request;
}

/** `3.2 s`, `2 min`. */
function formatAgo(ms: number): string {
  return ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/**
 * Fingerprint of a plan: the same for the same cells, steps, payload and target kind on every machine (sha256,
 * first 16 hex digits), whatever the shard.
 */
export function planIdOf(plan: RunPlan, command: string, targetKind: string): string {
  return fingerprint({ command, targetKind, cells: plan.cells, payload: Buffer.from(plan.payload).toString('base64') });
}

/** sha256 of a plan's canonical JSON, first 16 hex digits (`load --url` fingerprints its request this way). */
export function fingerprint(plan: unknown): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

/** The run id every shard of one run shares: `--run-id`, else the plan's id plus how the release was given. */
export function runIdOf(request: ShardRequest, planId: string): string {
  return request.runId ?? (request.startSpec !== undefined ? `${planId}-${createHash('sha256').update(request.startSpec).digest('hex').slice(0, 8)}` : planId);
}

/** Cut `plan` to the requested shard; throws a usage error when a burst or load cannot be split that many ways. */
export function shardRun(plan: RunPlan, request: ShardRequest, command: string, targetKind: string): ShardRun {
  const planId = planIdOf(plan, command, targetKind);
  const { plan: sharded, segments } = shardPlan(plan, request.shard);
  const runId = runIdOf(request, planId);
  const run: ShardRun = { plan: sharded, segments, shard: request.shard, runId, planId };
  if (request.releaseAtMs !== undefined) run.releaseAtMs = request.releaseAtMs;
  return run;
}
