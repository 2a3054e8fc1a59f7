/**
 * Two shard processes of one load (`load --shard i/2 --start-in`) through the built CLI against one standalone
 * emulator, on the Invoke API and on a Function URL, then `coldprobe merge`: every arrival of the whole schedule
 * once, at its global index, and windows that hold every shard's invocations. Needs `npm run build` first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchedule } from '../../src/core/load-schedule.js';
import { parseStages } from '../../src/core/load-stages.js';
import type { ResultsFile } from '../../src/core/results.js';
import type { Emulator } from '../../src/emulator/api.js';
import { functionUrl, startEmulator } from '../../src/emulator/index.js';
import { readResultsFile } from '../../src/io/results-file.js';

const CLI = resolve('dist/cli/main.js');
const SAMPLES = fileURLToPath(new URL('../../profiles/functions', import.meta.url));
const env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
let dir: string;
let emulator: Emulator;

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

/** Runs shards 1/2 and 2/2 of `args` together, merges them, and returns the shard files and the merged one. */
async function shardsAndMerge(name: string, args: string[]): Promise<{ shards: ResultsFile[]; merged: ResultsFile }> {
  const outs = [1, 2].map((i) => `${name}-${i}.json`);
  const runs = await Promise.all([1, 2].map((i) => run([...args, '--shard', `${i}/2`, '--start-in', '4s', '--no-tui', '--out', outs[i - 1] as string])));
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
  const merge = spawnSync(process.execPath, [CLI, 'merge', ...outs, '--out', `${name}-all.json`], { cwd: dir, env, encoding: 'utf8' });
  expect(merge.status, merge.stderr).toBe(0);
  return { shards: outs.map((o) => readResultsFile(join(dir, o))), merged: readResultsFile(join(dir, `${name}-all.json`)) };
}

/** What every merged load must hold: the whole schedule once, every shard's share at its own indices. */
function checkMerged(shards: ResultsFile[], merged: ResultsFile, total: number): void {
  shards.forEach((file, k) => {
    expect(file.shard).toMatchObject({ index: k + 1, count: 2 });
    expect(file.shard?.releasedAtUs).toBeGreaterThanOrEqual(Date.parse(file.shard?.releaseAt ?? '') * 1000);
    // Shard i of 2 sends every other arrival, from i-1.
    expect(file.cells[0]?.records.every((r) => r.index % 2 === k)).toBe(true);
    expect(file.cells[0]?.load?.scheduled).toBe(k === 0 ? Math.ceil(total / 2) : Math.floor(total / 2));
  });
  const cell = merged.cells[0];
  expect(cell?.records.map((r) => r.index)).toEqual(Array.from({ length: total }, (_, i) => i));
  const windows = cell?.load?.windows ?? [];
  const sum = (key: 'started' | 'finished' | 'cold' | 'warm'): number => windows.reduce((n, w) => n + w[key], 0);
  expect(sum('started')).toBe(total);
  expect(sum('finished')).toBe(total);
  expect(sum('cold') + sum('warm')).toBe(cell?.records.filter((r) => r.outcome !== 'throttled' && r.classification !== 'unknown').length);
  expect(sum('cold')).toBe(cell?.records.filter((r) => r.classification === 'cold').length);
  expect(cell?.load?.scheduled).toBe(total);
  expect(windows.reduce((n, w) => n + w.requested, 0)).toBeCloseTo(total, 6);
  expect(merged.shards?.bursts[0]?.shards).toHaveLength(2);
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-load-shard-'));
  emulator = await startEmulator({ functionsDirs: [SAMPLES], log: () => undefined });
});

afterAll(async () => {
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('load --shard --start-in (built CLI, one standalone emulator)', () => {
  const stages = '1s:0-30,1s:30';
  const total = (() => {
    const parsed = parseStages(stages);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return buildSchedule(parsed.stages).count;
  })();

  it('on the Invoke API: two shards merge into the whole load, windows summing both', async () => {
    const { shards, merged } = await shardsAndMerge('invoke', ['load', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--stages', stages, '--window', '500ms', '--max-in-flight', '20']);
    checkMerged(shards, merged, total);
    // One emulator served both shards: the merged windows count its environments once.
    const envs = new Set(merged.cells[0]?.records.flatMap((r) => (r.env ? [r.env.envId] : [])));
    expect(Math.max(...(merged.cells[0]?.load?.windows ?? []).map((w) => w.environments ?? 0))).toBeLessThanOrEqual(envs.size);
    expect(merged.cells[0]?.load?.maxInFlight).toBe(20);
  }, 120_000);

  it('on a Function URL: two shards merge into the whole load', async () => {
    const url = functionUrl(emulator.endpoint, 'node-hello');
    const { shards, merged } = await shardsAndMerge('url', ['load', '--url', url, '--stages', stages, '--window', '500ms', '--max-in-flight', '20']);
    checkMerged(shards, merged, total);
    expect(shards[0]?.shard?.clockOffset?.source).toMatch(/^http-date 127\.0\.0\.1:\d+$/);
  }, 120_000);
});
