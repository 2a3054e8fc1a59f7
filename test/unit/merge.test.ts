import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { mergeShards, type ShardFile } from '../../src/core/merge.js';
import type { CellResult, ResultsFile } from '../../src/core/results.js';
import type { ShardInfo } from '../../src/core/shard.js';
import { statsOfEncoded } from '../../src/core/stats.js';
import { summarize } from '../../src/core/summary.js';
import { readResultsFile, writeResultsFile } from '../../src/io/results-file.js';
import { resultsFileOf } from '../fixtures/results-file.js';
import { info, loadShardFile, shardFile } from '../fixtures/shard-files.js';

const named = (files: ResultsFile[]): ShardFile[] => files.map((file, i) => ({ name: `s${i + 1}.json`, file }));

function refusal(inputs: ShardFile[]): ColdprobeError {
  try {
    mergeShards(inputs);
  } catch (error) {
    expect(error).toBeInstanceOf(ColdprobeError);
    expect((error as ColdprobeError).exitCode).toBe(2);
    expect((error as ColdprobeError).message).toMatch(/^[^\n]+\.$/);
    return error as ColdprobeError;
  }
  throw new Error('merge accepted the files');
}

const dir = mkdtempSync(join(tmpdir(), 'coldprobe-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mergeShards', () => {
  it('gives one file holding every record once, in index order, with summaries as one machine would have written them', () => {
    for (const [count, n, waves] of [[1, 5, 1], [4, 100, 1], [3, 10, 3], [7, 50, 2]] as const) {
      const shards = Array.from({ length: count }, (_, i) => shardFile(i + 1, { count, n, waves, releasedAtUs: 1_800_000_000_000_000 }));
      // Any order in, shard order out.
      const merged = mergeShards(named(shards.reverse()));
      const cell = merged.cells[0] as CellResult;
      expect(cell.records.map((r) => r.index)).toEqual(Array.from({ length: n * waves }, (_, i) => i));
      const whole = summarize(cell.records, cell.bursts, info);
      expect(cell.summary).toEqual(whole.summary);
      expect(cell.summary.total).toBe(n * waves);
      expect(cell.summary.cold).toBe(n);
      expect(cell.bursts.map((b) => b.n)).toEqual(new Array<number>(waves).fill(n));
      // The merged histograms hold exactly what the records do.
      for (const name of ['latency.all', 'latency.cold', 'init'] as const) {
        expect(statsOfEncoded(cell.histograms[name]), name).toEqual(statsOfEncoded(whole.histograms[name]));
      }
      expect(merged.shard).toBeUndefined();
      expect(merged.shards?.shards.map((s) => s.index)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(merged.shards?.shards.reduce((sum, s) => sum + s.records, 0)).toBe(n * waves);
    }
  });

  it('reports how far apart the shards released, on their own clocks, and moves record times onto one clock', () => {
    const base = 1_800_000_000_000_000;
    const late = [0, 2_500, 700, 12_000];
    const shards = late.map((d, i) => shardFile(i + 1, { count: 4, n: 8, releasedAtUs: base + d, ownSpreadUs: 100 * (i + 1) }));
    const merged = mergeShards(named(shards));
    expect(merged.shards?.timebase).toBe('local');
    const burst = merged.shards?.bursts[0];
    expect(burst?.spreadUs).toBe(12_000);
    expect(burst?.uncertaintyUs).toBeUndefined();
    expect(burst?.shards).toEqual([
      { shard: 1, startUs: 0, releaseSpreadUs: 100 },
      { shard: 2, startUs: 2_500, releaseSpreadUs: 200 },
      { shard: 3, startUs: 700, releaseSpreadUs: 300 },
      { shard: 4, startUs: 12_000, releaseSpreadUs: 400 },
    ]);
    const cell = merged.cells[0] as CellResult;
    // First send anywhere to the last send of the latest shard's tight release.
    expect(cell.bursts[0]?.releaseSpreadUs).toBe(12_400);
    expect(cell.bursts[0]?.startedUs).toBe(1_000_000);
    // Shard 4's first record (global index 6) was sent 12 ms after shard 1's.
    const byIndex = new Map(cell.records.map((r) => [r.index, r]));
    expect((byIndex.get(6)?.sentUs ?? 0) - (byIndex.get(0)?.sentUs ?? 0)).toBe(12_000);
  });

  it('corrects each shard by its clock offset when every shard measured one', () => {
    const base = 1_800_000_000_000_000;
    // Shard 2's clock runs 5 ms behind the target: by its own clock it released 5 ms early, in truth at the same time.
    const shards = [
      shardFile(1, { count: 2, n: 4, releasedAtUs: base, offsetMs: 0, uncertaintyMs: 1.5 }),
      shardFile(2, { count: 2, n: 4, releasedAtUs: base - 5_000, offsetMs: 5, uncertaintyMs: 2 }),
    ];
    const merged = mergeShards(named(shards));
    expect(merged.shards?.timebase).toBe('target');
    expect(merged.shards?.bursts[0]?.spreadUs).toBe(0);
    expect(merged.shards?.bursts[0]?.uncertaintyUs).toBe(3_500);
    // Shards of one host share its clock: compared on it, exactly, whatever the offsets say.
    const oneHost = mergeShards(named(shards.map((f) => ({ ...f, shard: { ...(f.shard as ShardInfo), host: 'load-1' } }))));
    expect(oneHost.shards?.timebase).toBe('local');
    expect(oneHost.shards?.bursts[0]?.spreadUs).toBe(5_000);
    // One shard without an offset: compare on local clocks rather than mix the two.
    const mixed = mergeShards(named([shards[0] as ResultsFile, shardFile(2, { count: 2, n: 4, releasedAtUs: base - 5_000 })]));
    expect(mixed.shards?.timebase).toBe('local');
    expect(mixed.shards?.bursts[0]?.spreadUs).toBe(5_000);
  });

  it('writes a results file that reads back through the schema unchanged', () => {
    const merged = mergeShards(named([1, 2, 3].map((i) => shardFile(i, { count: 3, n: 30, releasedAtUs: 1_800_000_000_000_000, offsetMs: 0.4 }))));
    const path = join(dir, 'all.json');
    writeResultsFile(path, merged);
    expect(readResultsFile(path)).toEqual(JSON.parse(JSON.stringify(merged)));
  });

  it('refuses a missing shard, naming it and what was given', () => {
    const e = refusal(named([1, 2, 4].map((i) => shardFile(i, { count: 4, n: 8 }))));
    expect(e.message).toBe('shard 3/4 of run run-1 is missing (given: 1, 2, 4).');
    expect(refusal(named([shardFile(2, { count: 4, n: 8 })])).message).toMatch(/^shards 1\/4, 3\/4 and 4\/4 of run run-1 are missing/);
  });

  it('refuses a shard given twice', () => {
    const files = [shardFile(1, { count: 2, n: 8 }), shardFile(2, { count: 2, n: 8 }), shardFile(2, { count: 2, n: 8 })];
    expect(refusal(named(files)).message).toBe('shard 2/2 is given twice: s2.json and s3.json.');
  });

  it('refuses mixed plans: another plan, another shard count, another target', () => {
    expect(refusal(named([shardFile(1, { count: 2, n: 8 }), shardFile(2, { count: 2, n: 8, planId: 'plan-b' })])).message).toMatch(
      /^s1\.json \(shard 1\/2 of plan plan-a, burst on emulator\) and s2\.json \(shard 2\/2 of plan plan-b, burst on emulator\) are shards of different plans/,
    );
    expect(refusal(named([shardFile(1, { count: 2, n: 8 }), shardFile(2, { count: 3, n: 8 })])).message).toMatch(/different plans/);
    const aws = { ...shardFile(2, { count: 2, n: 8 }), target: { kind: 'aws' as const, description: 'aws' } };
    expect(refusal(named([shardFile(1, { count: 2, n: 8 }), aws])).message).toMatch(/burst on aws\) are shards of different plans/);
  });

  it('refuses shards of different runs of one plan', () => {
    expect(refusal(named([shardFile(1, { count: 2, n: 8 }), shardFile(2, { count: 2, n: 8, runId: 'run-2' })])).message).toMatch(
      /^s1\.json \(run run-1\) and s2\.json \(run run-2\) are shards of different runs/,
    );
    const files = [shardFile(1, { count: 2, n: 8, releaseAt: '2026-11-30T10:00:00Z' }), shardFile(2, { count: 2, n: 8, releaseAt: '2026-11-30T11:00:00Z' })];
    expect(refusal(named(files)).message).toMatch(/planned to release 3600 s apart, so they come from different runs; give each run its own --run-id\.$/);
  });

  it('refuses files that are not shards, and shards whose invocations overlap', () => {
    const plain = resultsFileOf([]);
    expect(refusal([{ name: 'plain.json', file: plain }]).message).toMatch(/^plain\.json is not the results file of one shard \(it has no shard field/);
    const merged = mergeShards(named([shardFile(1, { count: 1, n: 2 })]));
    expect(refusal([{ name: 'all.json', file: merged }]).message).toMatch(/already a merged file/);
    expect(refusal([]).message).toMatch(/name the results files/);
    // Shard 2 that claims shard 1's invocations.
    const fake = { ...shardFile(1, { count: 2, n: 8 }), shard: { index: 2, count: 2, runId: 'run-1', planId: 'plan-a' } };
    expect(refusal(named([shardFile(1, { count: 2, n: 8 }), fake])).message).toBe('s1.json and s2.json both hold invocation 0, so they are not shards of one plan.');
  });
});

describe('mergeShards of a load', () => {
  const stages = '500ms:0-200,500ms:200,300ms:200-50';

  it('N shards of a load merge into the windows one machine sending the whole load would have written', () => {
    for (const count of [2, 3, 5]) {
      const shards = Array.from({ length: count }, (_, i) => loadShardFile(i + 1, { count, stages, releasedAtUs: 5_000_000_000 }));
      const merged = mergeShards(named(shards));
      const whole = loadShardFile(1, { count: 1, stages }).cells[0] as CellResult;
      const cell = merged.cells[0] as CellResult;
      expect(cell.records.map((r) => r.index)).toEqual(whole.records.map((r) => r.index));
      expect(cell.load).toEqual({ ...whole.load, windows: whole.load?.windows });
      // Window by window the counts are the shards' sums; the percentiles are over every shard's latencies.
      const windows = cell.load?.windows ?? [];
      expect(windows.length).toBeGreaterThan(10);
      for (const [w, window] of windows.entries()) {
        const parts = shards.map((s) => s.cells[0]?.load?.windows[w]);
        for (const key of ['started', 'finished', 'inFlight', 'cold', 'warm', 'throttled', 'requested'] as const) {
          const sum = parts.reduce((n, p) => n + (p?.[key] ?? 0), 0);
          if (key === 'requested') expect(window[key], `window ${w} ${key}`).toBeCloseTo(sum, 6);
          else expect(window[key], `window ${w} ${key}`).toBe(sum);
        }
      }
      expect(windows.reduce((n, w) => n + w.started, 0)).toBe(whole.records.length);
      // An environment two shards both used counts once, as the emulator had it.
      expect(Math.max(...windows.map((w) => w.environments ?? 0))).toBe(5);
      expect(merged.shards?.bursts[0]?.spreadUs).toBe(0);
    }
  });

  it('places each shard on one clock: a shard that started 3 ms later has its window times moved by 3 ms', () => {
    const a = loadShardFile(1, { count: 2, stages, releasedAtUs: 5_000_000_000 });
    const b = loadShardFile(2, { count: 2, stages, releasedAtUs: 5_000_003_000 });
    const merged = mergeShards(named([a, b]));
    expect(merged.shards?.bursts[0]).toMatchObject({ spreadUs: 3_000, shards: [{ shard: 1, startUs: 0 }, { shard: 2, startUs: 3_000 }] });
    const second = (merged.cells[0] as CellResult).records.find((r) => r.index === 1);
    expect(second?.sentUs).toBe((b.cells[0]?.records[0]?.sentUs ?? 0) + 3_000);
    expect((merged.cells[0] as CellResult).load?.windows.reduce((n, w) => n + w.started, 0)).toBe((merged.cells[0] as CellResult).records.length);
  });

  it('refuses shards of different loads', () => {
    const a = loadShardFile(1, { count: 2, stages });
    const b = loadShardFile(2, { count: 2, stages: '1s:100' });
    expect(refusal(named([a, b])).message).toMatch(/are loads of different plans/);
  });
});
