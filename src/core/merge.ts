/**
 * `coldprobe merge`: the results files of every shard of one run become one results file, as if one machine had
 * sent every invocation. Records are concatenated (in global index order, times moved onto one clock), HDR
 * histograms are merged, summaries are recomputed from the records, a load's time windows are recomputed from
 * the records of every shard on that one clock, and the file says how far apart the shards really released.
 * Pure: the CLI reads and writes the files.
 */
import { usageError } from './errors.js';
import { buildSchedule } from './load-schedule.js';
import { parseStages } from './load-stages.js';
import { loadWindows, type LoadSection } from './load-windows.js';
import type { CellResult, HistogramName, ResultsFile } from './results.js';
import { releaseOffsetUs, type MergedShards, type ShardInfo, type ShardRelease } from './shard.js';
import { encodeHistogram, mergeEncoded } from './stats.js';
import { summarize } from './summary.js';
import type { BurstInfo, CellSpec, InvocationRecord } from './types.js';

/** One input of a merge: a results file and the name to call it by in messages. */
export interface ShardFile {
  name: string;
  file: ResultsFile;
}

/**
 * Shards of one run planned to release further apart than this come from different runs that share a run id
 * (the same command run twice with `--start-in`): one run's shards agree on the instant to within their launch skew.
 */
export const MAX_PLANNED_RELEASE_GAP_MS = 60_000;

const HISTOGRAMS: readonly HistogramName[] = ['latency.all', 'latency.cold', 'latency.pre-initialized', 'latency.warm', 'init'];

/** `3/4`. */
const label = (s: ShardInfo): string => `${s.index}/${s.count}`;

/** `a.json, b.json and c.json`. */
function listOf(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** Every input's shard info; throws naming the first file that is not a shard of one plan with the others. */
function checkShards(inputs: readonly ShardFile[]): Array<ShardFile & { shard: ShardInfo }> {
  if (inputs.length === 0) throw usageError('merge: name the results files of every shard of one run.');
  const shards = inputs.map((input) => {
    if (input.file.shard === undefined) {
      const why = input.file.shards !== undefined ? 'it is already a merged file' : 'it has no shard field; run each shard with --shard i/N';
      throw usageError(`${input.name} is not the results file of one shard (${why}).`);
    }
    return { ...input, shard: input.file.shard };
  });
  const first = shards[0] as (typeof shards)[number];
  for (const other of shards.slice(1)) {
    const a = first.shard;
    const b = other.shard;
    if (a.planId !== b.planId || a.count !== b.count || first.file.target.kind !== other.file.target.kind || first.file.command !== other.file.command) {
      throw usageError(
        `${first.name} (shard ${label(a)} of plan ${a.planId}, ${first.file.command} on ${first.file.target.kind}) and ${other.name} (shard ${label(b)} of plan ${b.planId}, ${other.file.command} on ${other.file.target.kind}) are shards of different plans; merge the shards of one run.`,
      );
    }
    if (a.runId !== b.runId) {
      throw usageError(`${first.name} (run ${a.runId}) and ${other.name} (run ${b.runId}) are shards of different runs; merge the shards of one run.`);
    }
  }
  const count = first.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const seen = byIndex.get(s.shard.index);
    if (seen !== undefined) throw usageError(`shard ${label(s.shard)} is given twice: ${seen} and ${s.name}.`);
    byIndex.set(s.shard.index, s.name);
  }
  const missing: string[] = [];
  for (let i = 1; i <= count; i += 1) if (!byIndex.has(i)) missing.push(`${i}/${count}`);
  if (missing.length > 0) {
    const given = [...byIndex.keys()].sort((x, y) => x - y).join(', ');
    throw usageError(`${missing.length === 1 ? 'shard' : 'shards'} ${listOf(missing)} of run ${first.shard.runId} ${missing.length === 1 ? 'is' : 'are'} missing (given: ${given}).`);
  }
  const planned = shards.filter((s) => s.shard.releaseAt !== undefined).map((s) => ({ name: s.name, ms: Date.parse(s.shard.releaseAt ?? '') }));
  if (planned.length > 1) {
    const early = planned.reduce((x, y) => (y.ms < x.ms ? y : x));
    const late = planned.reduce((x, y) => (y.ms > x.ms ? y : x));
    if (late.ms - early.ms > MAX_PLANNED_RELEASE_GAP_MS) {
      throw usageError(
        `${early.name} and ${late.name} were planned to release ${Math.round((late.ms - early.ms) / 1000)} s apart, so they come from different runs; give each run its own --run-id.`,
      );
    }
  }
  return shards.sort((x, y) => x.shard.index - y.shard.index);
}

/** The specs of one cell must agree on every shard (same function, memory, provisioned concurrency). */
function sameSpec(a: CellSpec, b: CellSpec): boolean {
  return a.id === b.id && a.functionName === b.functionName && a.memoryMb === b.memoryMb && a.provisioned === b.provisioned && a.qualifier === b.qualifier;
}

/**
 * Where a shard's time 0 (its run's start) lies, µs since the epoch on the chosen timebase: its release instant
 * minus the release's offset into the run when it recorded one, else its `startedAt` (ms resolution).
 */
function anchorUs(file: ResultsFile, shard: ShardInfo, timebase: MergedShards['timebase']): number {
  const offset = file.cells[0] === undefined ? undefined : releaseOffsetUs(file.cells[0]);
  const local = shard.releasedAtUs !== undefined && offset !== undefined ? shard.releasedAtUs - offset : Date.parse(file.startedAt) * 1000;
  return timebase === 'target' ? local + Math.round((shard.clockOffset?.offsetMs ?? 0) * 1000) : local;
}

/** Merge the results files of every shard of one run; throws a usage error (one sentence) when they are not that. */
export function mergeShards(inputs: readonly ShardFile[]): ResultsFile {
  const shards = checkShards(inputs);
  const first = shards[0] as (typeof shards)[number];
  // One host has one clock: comparing on it is exact, where each offset estimate would add its uncertainty.
  const oneHost = shards.every((s) => s.shard.host !== undefined && s.shard.host === first.shard.host);
  const timebase: MergedShards['timebase'] = !oneHost && shards.every((s) => s.shard.clockOffset !== undefined) ? 'target' : 'local';
  const anchors = shards.map((s) => anchorUs(s.file, s.shard, timebase));
  const origin = Math.min(...anchors);
  // Each shard's record times move by how much later than the earliest shard its run started.
  const shifts = anchors.map((a) => a - origin);

  const cellIds = first.file.cells.map((c) => c.spec.id);
  for (const s of shards) {
    const ids = s.file.cells.map((c) => c.spec.id);
    const mismatch = ids.length !== cellIds.length || ids.some((id, i) => id !== cellIds[i]) || s.file.cells.some((c, i) => !sameSpec(c.spec, (first.file.cells[i] as CellResult).spec));
    if (mismatch) throw usageError(`${first.name} and ${s.name} do not hold the same cells, so they are not shards of one plan.`);
  }

  const owner = new Map<number, string>();
  const releases: MergedShards['bursts'] = [];
  const cells = first.file.cells.map((firstCell, c): CellResult => {
    const records: InvocationRecord[] = [];
    for (const [k, s] of shards.entries()) {
      const shift = shifts[k] as number;
      for (const r of (s.file.cells[c] as CellResult).records) {
        const other = owner.get(r.index);
        if (other !== undefined) throw usageError(`${other} and ${s.name} both hold invocation ${r.index}, so they are not shards of one plan.`);
        owner.set(r.index, s.name);
        records.push({ ...r, scheduledUs: r.scheduledUs + shift, sentUs: r.sentUs + shift, finishedUs: r.finishedUs + shift });
      }
    }
    records.sort((a, b) => a.index - b.index);

    const burstIndexes = [...new Set(shards.flatMap((s) => (s.file.cells[c] as CellResult).bursts.map((b) => b.index)))].sort((a, b) => a - b);
    const bursts = burstIndexes.map((index): BurstInfo => {
      const parts = shards.flatMap((s, k) => {
        const shardCell = s.file.cells[c] as CellResult;
        const b = shardCell.bursts.find((x) => x.index === index);
        if (b === undefined) return [];
        const shift = shifts[k] as number;
        // A load is released when its schedule starts; a shard's first arrival is due a little after that.
        const releaseUs = (shardCell.load !== undefined ? shardCell.load.originUs : b.startedUs) + shift;
        return [{ shard: s.shard, info: b, startUs: b.startedUs + shift, releaseUs }];
      });
      const start = Math.min(...parts.map((p) => p.startUs));
      const end = Math.max(...parts.map((p) => p.startUs + p.info.releaseSpreadUs));
      const firstRelease = Math.min(...parts.map((p) => p.releaseUs));
      const spread: MergedShards['bursts'][number] = {
        cell: firstCell.spec.id,
        burst: index,
        ...(firstCell.load !== undefined ? { load: true as const } : {}),
        spreadUs: Math.max(...parts.map((p) => p.releaseUs)) - firstRelease,
        shards: parts.map((p): ShardRelease => ({ shard: p.shard.index, startUs: p.releaseUs - firstRelease, releaseSpreadUs: p.info.releaseSpreadUs })),
      };
      if (timebase === 'target') {
        // Two shards' instants are each off by at most their own uncertainty, so their gap by at most the sum.
        const u = parts.map((p) => p.shard.clockOffset?.uncertaintyMs ?? 0).sort((a, b) => b - a);
        spread.uncertaintyUs = Math.round(((u[0] ?? 0) + (u[1] ?? 0)) * 1000);
      }
      releases.push(spread);
      return {
        index,
        n: parts.reduce((sum, p) => sum + p.info.n, 0),
        // A load is no tight release: as on one machine, its spread is 0.
        releaseSpreadUs: firstCell.load !== undefined ? 0 : end - start,
        prepareUs: Math.max(...parts.map((p) => p.info.prepareUs)),
        startedUs: start,
        notSent: parts.reduce((sum, p) => sum + p.info.notSent, 0),
      };
    });

    const { summary } = summarize(records, bursts, {
      functionName: firstCell.spec.functionName,
      runtime: firstCell.spec.runtime,
      memoryMb: firstCell.spec.memoryMb,
    });
    // The stored histograms are the shards' merged; they hold the same values as histograms rebuilt from the records.
    const histograms: Partial<Record<HistogramName, string>> = {};
    for (const name of HISTOGRAMS) {
      const parts = shards.flatMap((s) => {
        const h = (s.file.cells[c] as CellResult).histograms[name];
        return h === undefined ? [] : [h];
      });
      if (parts.length === 0) continue;
      const merged = mergeEncoded(parts);
      histograms[name] = encodeHistogram(merged);
      merged.destroy();
    }
    const notes = [...new Set(shards.flatMap((s) => (s.file.cells[c] as CellResult).notes ?? []))];
    const cell: CellResult = { spec: firstCell.spec, bursts, records, histograms, summary };
    if (notes.length > 0) cell.notes = notes;
    const load = mergeLoads(shards.map((s, k) => ({ name: s.name, section: (s.file.cells[c] as CellResult).load, shift: shifts[k] as number })), records);
    if (load !== undefined) cell.load = load;
    return cell;
  });

  const byTime = (pick: (f: ResultsFile) => string, later: boolean): string =>
    shards.map((s) => pick(s.file)).reduce((a, b) => ((Date.parse(b) > Date.parse(a)) === later ? b : a));
  const merged: ResultsFile = {
    schemaVersion: first.file.schemaVersion,
    tool: first.file.tool,
    command: first.file.command,
    startedAt: byTime((f) => f.startedAt, false),
    finishedAt: byTime((f) => f.finishedAt, true),
    interrupted: shards.some((s) => s.file.interrupted),
    target: first.file.target,
    options: first.file.options,
    cells,
    shards: {
      runId: first.shard.runId,
      planId: first.shard.planId,
      count: first.shard.count,
      timebase,
      shards: shards.map((s) => ({
        ...s.shard,
        records: s.file.cells.reduce((sum, c) => sum + c.records.length, 0),
        interrupted: s.file.interrupted,
      })),
      bursts: releases,
    },
  };
  // The whole run's invocations are the shards' sums, when every shard counted them.
  const counts = shards.map((s) => s.file.invocations);
  if (counts.every((c) => c !== undefined)) {
    merged.invocations = {
      planned: counts.reduce((n, c) => n + c.planned, 0),
      sent: counts.reduce((n, c) => n + c.sent, 0),
      notSent: counts.reduce((n, c) => n + c.notSent, 0),
    };
  }
  // Thresholds are not carried over: each shard judged only its share; `coldprobe check` judges the whole.
  return merged;
}

/**
 * One load section from every shard's: counts summed, and the windows recomputed from the merged records (already
 * on one clock) against the whole schedule, so each window sums the shards' starts, cold starts and throttles,
 * takes p50/p99 over all their latencies, and counts an environment two shards both used once.
 */
function mergeLoads(parts: ReadonlyArray<{ name: string; section: LoadSection | undefined; shift: number }>, records: readonly InvocationRecord[]): LoadSection | undefined {
  const present = parts.filter((p): p is { name: string; section: LoadSection; shift: number } => p.section !== undefined);
  if (present.length === 0) return undefined;
  const first = present[0] as (typeof present)[number];
  if (present.length !== parts.length) {
    const without = parts.find((p) => p.section === undefined)?.name ?? '';
    throw usageError(`${first.name} holds a load and ${without} does not, so they are not shards of one plan.`);
  }
  for (const p of present) {
    if (p.section.stages !== first.section.stages || p.section.windowMs !== first.section.windowMs) {
      throw usageError(`${first.name} (load ${first.section.stages}) and ${p.name} (load ${p.section.stages}) are loads of different plans; merge the shards of one run.`);
    }
  }
  const parsed = parseStages(first.section.stages);
  if (!parsed.ok) throw usageError(`${first.name}: its load's stages '${first.section.stages}' do not parse: ${parsed.error.message}`);
  const schedule = buildSchedule(parsed.stages);
  const { windowMs, durationUs } = first.section;
  const originUs = Math.min(...present.map((p) => p.section.originUs + p.shift));
  const sum = (pick: (s: LoadSection) => number): number => present.reduce((total, p) => total + pick(p.section), 0);
  const merged: LoadSection = {
    stages: first.section.stages,
    windowMs,
    maxInFlight: sum((s) => s.maxInFlight),
    originUs,
    durationUs,
    scheduled: sum((s) => s.scheduled),
    notSent: sum((s) => s.notSent),
    startedFromBacklog: sum((s) => s.startedFromBacklog),
    windows: loadWindows(records, { windowMs, schedule, originUs }, durationUs),
  };
  const joins = present.flatMap((p) => (p.section.join === undefined ? [] : [p.section.join]));
  if (joins.length > 0) {
    const unavailable = joins.find((j) => 'unavailable' in j);
    if (unavailable !== undefined) merged.join = unavailable;
    else {
      const counts = joins as Array<Exclude<LoadSection['join'], undefined | { unavailable: string }>>;
      const total = (key: 'expected' | 'joined' | 'missing' | 'withoutRequestId'): number => counts.reduce((n, j) => n + j[key], 0);
      merged.join = { expected: total('expected'), joined: total('joined'), missing: total('missing'), withoutRequestId: total('withoutRequestId') };
    }
  }
  return merged;
}
