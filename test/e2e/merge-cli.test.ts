/**
 * `coldprobe merge` through the built CLI on shard files, then report, check and compare on the merged file as
 * on any results file; refusals are one sentence and exit 2. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultsFile, writeResultsFile } from '../../src/io/results-file.js';
import { shardFile } from '../fixtures/shard-files.js';

const CLI = resolve('dist/cli/main.js');
let dir: string;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '', NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-merge-cli-'));
  const at = 1_800_000_000_000_000;
  for (const i of [1, 2, 3, 4]) {
    writeResultsFile(join(dir, `shard-${i}.json`), shardFile(i, { count: 4, n: 400, waves: 2, releasedAtUs: at + i * 1_000, offsetMs: 0.2, uncertaintyMs: 1 }));
  }
  writeResultsFile(join(dir, 'other-plan.json'), shardFile(4, { count: 4, n: 400, waves: 2, planId: 'plan-b' }));
  writeResultsFile(join(dir, 'baseline.json'), shardFile(1, { count: 1, n: 400, waves: 2 }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('coldprobe merge (built CLI)', () => {
  it('merges four shards into one file of 400 × 2 records and prints the cross-shard release spread', () => {
    const r = cli(['merge', 'shard-3.json', 'shard-1.json', 'shard-4.json', 'shard-2.json', '--out', 'all.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^4 shards of run run-1, compared on the target's clock/);
    expect(r.stdout).toMatch(/default, burst 1: shards released 3ms ±2ms apart/);
    expect(r.stdout).toMatch(/\n {2}4\/4 +\+3ms +300µs +200 {2}\+200µs ±1ms\n/);
    expect(r.stdout).toMatch(/merged 800 records into .*all\.json\n$/);
    const merged = readResultsFile(join(dir, 'all.json'));
    expect(merged.cells[0]?.records).toHaveLength(800);
    expect(merged.cells[0]?.summary.cold).toBe(400);
  });

  it('report, check and compare read the merged file like any other', () => {
    const report = cli(['report', 'all.json']);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^800 invocations: 800 ok$/m);
    expect(cli(['check', 'all.json', '--threshold', 'errors == 0', '--threshold', 'cold == 400']).code).toBe(0);
    const failing = cli(['check', 'all.json', '--threshold', 'cold < 400']);
    expect(failing.code).toBe(10);
    const compare = cli(['compare', 'baseline.json', 'all.json']);
    expect(compare.code).toBe(0);
    expect(compare.stdout).toMatch(/default|node-hello/);
  });

  it('refuses a missing shard, a duplicate and mixed plans with one sentence and exit 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['shard-1.json', 'shard-2.json', 'shard-4.json'], /^coldprobe: shard 3\/4 of run run-1 is missing \(given: 1, 2, 4\)\.\n$/],
      [['shard-1.json', 'shard-2.json', 'shard-2.json', 'shard-3.json', 'shard-4.json'], /^coldprobe: shard 2\/4 is given twice: shard-2\.json and shard-2\.json\.\n$/],
      [['shard-1.json', 'shard-2.json', 'shard-3.json', 'other-plan.json'], /^coldprobe: shard-1\.json \(shard 1\/4 of plan plan-a.*are shards of different plans; merge the shards of one run\.\n$/],
      [['shard-1.json'], /--out <path> is required/],
    ];
    for (const [files, message] of cases) {
      const out = files.length === 1 && files[0] === 'shard-1.json' ? [] : ['--out', 'bad.json'];
      const r = cli(['merge', ...files, ...out]);
      expect(r.code, files.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(dir, 'bad.json'))).toBe(false);
    }
  });
});
