/**
 * The CI gate through the built CLI on synthetic results files: exit codes, the text summary, markdown to
 * $GITHUB_STEP_SUMMARY, ::error annotations, JUnit, baseline and compare. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeResultsFile } from '../../src/io/results-file.js';
import { cell, resultsFile, samples } from '../unit/gate-fixtures.js';

const CLI = resolve('dist/cli/main.js');
let dir: string;

function cli(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const clean: Record<string, string | undefined> = { ...process.env, GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '', NO_COLOR: '1' };
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-gate-'));
  const mk = (median: number, seed: number) =>
    resultsFile([
      cell({ id: 'node-128', cold: samples(40, median, seed), warm: samples(40, 5000, seed + 100) }),
      cell({ id: 'node-512', memoryMb: 512, cold: samples(40, 200_000, seed + 200), warm: samples(40, 4000, seed + 300) }),
    ]);
  writeResultsFile(join(dir, 'base.json'), mk(300_000, 1));
  writeResultsFile(join(dir, 'same.json'), mk(300_000, 2));
  writeResultsFile(join(dir, 'slow.json'), mk(500_000, 3));
  writeFileSync(join(dir, 'broken.json'), '{"schemaVersion": 1');
  writeFileSync(
    join(dir, 'profile.yaml'),
    [
      'name: gate-demo',
      'functions:',
      '  - name: node-hello',
      '    runtime: nodejs20.x',
      'matrix:',
      '  memoryMb: [128, 512]',
      'burst:',
      '  n: 40',
      'thresholds:',
      '  - errors == 0',
      '  - cold.latency.p50 <= baseline * 1.10',
      'baseline: baselines/gate-demo.json',
      '',
    ].join('\n'),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('coldprobe check (built CLI)', () => {
  it('passes on the same distribution (exit 0)', () => {
    const r = cli(['check', 'same.json', '--baseline', 'base.json', '--threshold', 'errors == 0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/check PASSED/);
  });

  it('fails a slower cell with exit 10, naming the cell and the metric, with annotations, summary and JUnit', () => {
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = cli(['check', 'slow.json', '--baseline', 'base.json', '--junit', 'junit.xml'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(r.code).toBe(10);
    expect(r.stdout).toMatch(/^FAIL {2}\[node-128\] cold.latency.p50 vs baseline$/m);
    expect(r.stdout).not.toMatch(/FAIL {2}\[node-512\]/);
    expect(r.stdout).toMatch(/^::error title=coldprobe%3A node-128 cold.latency.p50::/m);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# earlier step\n')).toBe(true); // appended, not overwritten
    expect(md).toMatch(/❌ fail \| node-128 \| cold.latency.p50 vs baseline/);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuite name="coldprobe check: node-128" tests="\d+" failures="2"/);
  });

  it('--tolerance moves the regression line; a bad one is exit 2', () => {
    // slow.json's node-128 cell is about +67% at p50: a 100% tolerance lets it through.
    expect(cli(['check', 'slow.json', '--baseline', 'base.json', '--tolerance', '100%']).code).toBe(0);
    expect(cli(['check', 'slow.json', '--baseline', 'base.json', '--tolerance', '0.2']).code).toBe(10);
    const bad = cli(['check', 'slow.json', '--baseline', 'base.json', '--tolerance', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--tolerance must be a percentage like 10%/);
  });

  it('no annotations when not under GitHub Actions', () => {
    const r = cli(['check', 'slow.json', '--baseline', 'base.json']);
    expect(r.code).toBe(10);
    expect(r.stdout).not.toContain('::error');
  });

  it('a malformed threshold is exit 2 with the column and the known metrics, before reading files', () => {
    const r = cli(['check', 'does-not-exist.json', '--threshold', 'cold.init.p99 < 800']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^coldprobe: bad threshold 'cold.init.p99 < 800' at column 17: cold.init.p99 is a time: give a unit/);
    const u = cli(['check', 'same.json', '--threshold', 'cold.inti.p99 < 800ms']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown metric 'cold.inti.p99'; did you mean 'cold.init.p99'\? known metrics: /);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('unreadable results or baseline is exit 2 with one sentence naming the file', () => {
    const a = cli(['check', 'missing.json', '--threshold', 'errors == 0']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/missing\.json: it does not exist\.\n$/);
    const b = cli(['check', 'same.json', '--baseline', 'nope.json']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/baseline nope\.json does not exist; create it with 'coldprobe baseline/);
    const c = cli(['check', 'broken.json', '--threshold', 'errors == 0']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/broken\.json is not valid JSON/);
    const d = cli(['check', 'same.json', '--threshold', 'cold.p50 <= baseline']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/no baseline was given/);
  });

  it('a gate with nothing to judge is exit 2 in one sentence; a part that does not run is said out loud', () => {
    const bare = cli(['check', 'same.json']);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^coldprobe: check: nothing to judge: no threshold and no --baseline was given; give --threshold/);
    expect(bare.stderr.trim().split('\n')).toHaveLength(1);
    const only = cli(['check', 'same.json', '--baseline', 'base.json', '--thresholds-only']);
    expect(only.code).toBe(2);
    expect(only.stderr).toMatch(/nothing to judge: --thresholds-only turns the regression check off and no threshold was given/);
    writeFileSync(join(dir, 'no-baseline.yaml'), 'name: nb\nfunctions:\n  - name: node-hello\n    runtime: nodejs20.x\nmatrix:\n  memoryMb: [128]\nburst:\n  n: 40\nthresholds:\n  - errors == 0\n');
    const skipped = cli(['check', 'same.json', '--profile', 'no-baseline.yaml']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/^SKIP {2}regression check skipped: profile no-baseline.yaml has no 'baseline:'\s+and\s+no --baseline was given\.$/m);
    const md = join(dir, 'skipped.md');
    expect(cli(['check', 'same.json', '--threshold', 'errors == 0', '--markdown', 'skipped.md']).code).toBe(0);
    expect(readFileSync(md, 'utf8')).toMatch(/regression check skipped: no --baseline was given/);
    const json = JSON.parse(cli(['check', 'same.json', '--baseline', 'base.json', '--thresholds-only', '--threshold', 'errors == 0', '--json']).stdout) as { skipped: string[] };
    expect(json.skipped).toEqual(['regression check skipped: --thresholds-only.']);
  });

  it('profile thresholds and baseline path; --update-baseline stores only on pass', () => {
    // No baseline yet: without --update-baseline that is bad input.
    expect(cli(['check', 'same.json', '--profile', 'profile.yaml']).code).toBe(2);
    const first = cli(['check', 'base.json', '--profile', 'profile.yaml', '--update-baseline']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/baseline updated: baselines\/gate-demo.json/);
    expect(existsSync(join(dir, 'baselines/gate-demo.json'))).toBe(true);
    const slow = cli(['check', 'slow.json', '--profile', 'profile.yaml', '--update-baseline']);
    expect(slow.code).toBe(10);
    expect(slow.stdout).toMatch(/FAIL {2}\[node-128\] cold.latency.p50 <= baseline \* 1.10/);
    expect(slow.stderr).toMatch(/baseline not updated/);
    const kept = JSON.parse(readFileSync(join(dir, 'baselines/gate-demo.json'), 'utf8')) as { cells: Array<{ records: unknown[] }> };
    expect(kept.cells[0]?.records).toHaveLength(80); // still the base run, records kept whole
    expect(cli(['check', 'same.json', '--profile', 'profile.yaml']).code).toBe(0);
  });
});

describe('coldprobe baseline and compare (built CLI)', () => {
  it('baseline writes the default path with every record', () => {
    const r = cli(['baseline', 'same.json']);
    expect(r.code).toBe(0);
    const path = join(dir, 'results/baselines/node-hello.json');
    expect(r.stdout).toContain('results/baselines/node-hello.json');
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { cells: Array<{ records: unknown[] }> };
    expect(stored.cells.map((c) => c.records.length)).toEqual([80, 80]);
    const to = cli(['baseline', 'same.json', '--to', 'elsewhere/b.json']);
    expect(to.code).toBe(0);
    expect(existsSync(join(dir, 'elsewhere/b.json'))).toBe(true);
  });

  it('compare prints an 80-column table with the regression and exits 0', () => {
    const r = cli(['compare', 'base.json', 'slow.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cell node-128\n/);
    expect(r.stdout).toMatch(/cold\.latency\.p50 .* REGRESSION/);
    expect(r.stdout).toMatch(/cell node-512\n(.*\n)*? {2}=> no regression beyond the noise/);
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(cli(['compare', 'base.json']).code).toBe(2);
  });
});
