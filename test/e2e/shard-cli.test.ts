/**
 * Two shard processes of one burst (`--shard i/2 --start-in`) through the built CLI, each on its own bundled
 * emulator, then `coldprobe merge`: every invocation index once, each shard released no earlier than the planned
 * instant, and each file carries its shard, release instant and clock offset; a shard that cannot be ready in
 * time says so, how late and what to give next time, before it releases. Needs `npm run build` first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultsFile } from '../../src/io/results-file.js';

const CLI = resolve('dist/cli/main.js');
let dir: string;
const env = { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '' };

function shard(i: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const args = [CLI, 'burst', '--n', '6', '--shard', `${i}/2`, '--start-in', '6s', '--no-tui', '--out', `s${i}.json`];
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-shard-cli-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('burst --shard --start-in (built CLI)', () => {
  it('two shards release no earlier than their instant and merge into the whole burst', async () => {
    const [a, b] = await Promise.all([shard(1), shard(2)]);
    expect(a.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    for (const i of [1, 2]) {
      const file = readResultsFile(join(dir, `s${i}.json`));
      const info = file.shard;
      expect(info).toMatchObject({ index: i, count: 2 });
      expect(info?.runId).toBe(readResultsFile(join(dir, 's1.json')).shard?.runId);
      // The release waited for the planned instant (ISO, ms precision: never after the true instant).
      expect(info?.releasedAtUs).toBeGreaterThanOrEqual(Date.parse(info?.releaseAt ?? '') * 1000);
      expect(info?.clockOffset?.source).toMatch(/^http-date 127\.0\.0\.1:\d+$/);
      expect(file.cells[0]?.records.map((r) => r.index).sort((x, y) => x - y)).toEqual(i === 1 ? [0, 1, 2] : [3, 4, 5]);
      expect(file.options['n']).toBe(6);
    }
    const merge = spawnSync(process.execPath, [CLI, 'merge', 's1.json', 's2.json', '--out', 'all.json'], { cwd: dir, env, encoding: 'utf8' });
    expect(merge.stderr).toBe('');
    expect(merge.status).toBe(0);
    const merged = readResultsFile(join(dir, 'all.json'));
    expect(merged.cells[0]?.records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    // Each shard ran its own bundled emulator: every invocation was a cold start.
    expect(merged.cells[0]?.summary.cold).toBe(6);
    // One machine, one clock: the shards are compared on it.
    expect(merged.shards?.timebase).toBe('local');
    expect(merged.shards?.bursts[0]?.shards).toHaveLength(2);
  }, 120_000);

  it('a shard not ready at its instant says so before releasing, with how late, and records the lateness', () => {
    // 1 ms after the process started: no start-up is that fast, so the release is late by the start-up itself.
    const args = [CLI, 'burst', '--n', '2', '--shard', '1/1', '--start-in', '1ms', '--no-tui', '--out', 'late.json'];
    const run = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    const warning = /warning: not ready at the planned instant: releasing (\d+) ms late; this shard was ready (\d+\.\d) s after it started, so give the shards more time, e\.g\. --start-in (\d+)s\n/.exec(run.stdout);
    expect(warning, run.stdout).not.toBeNull();
    const info = readResultsFile(join(dir, 'late.json')).shard;
    const recordedLateMs = ((info?.releasedAtUs ?? 0) - Date.parse(info?.releaseAt ?? '') * 1000) / 1000;
    const saidMs = Number(warning?.[1]);
    // Said before the first send, so never more than what the file records (ms rounding and the ISO instant's
    // truncation to whole ms give 2 ms); and about the same lateness, not a stale figure.
    expect(saidMs).toBeLessThanOrEqual(recordedLateMs + 2);
    expect(saidMs).toBeGreaterThan(recordedLateMs / 2);
    // The advice gives more than the shard needed.
    expect(Number(warning?.[3]) * 1000).toBeGreaterThan(Number(warning?.[2]) * 1000);
  }, 60_000);
});
