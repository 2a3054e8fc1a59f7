/**
 * The command line as a user types it (the built CLI, spawned; run `npm run build` first): help for a command
 * by name, one-sentence mistakes, the functions the emulator has when one is missing, and whole names when the
 * output is a file or a pipe.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeResultsFile } from '../../src/io/results-file.js';
import { cell, resultsFile, samples } from '../unit/gate-fixtures.js';

const CLI = resolve('dist/cli/main.js');
let dir: string;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1' }, encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-cli-input-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the command line (built CLI)', () => {
  it("'coldprobe help burst' prints burst's help, as 'coldprobe burst --help' does", () => {
    const help = cli(['help', 'burst']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(cli(['burst', '--help']).stdout);
    expect(help.stdout).toMatch(/^Usage: coldprobe burst/);
  });

  it('answers typos and ambiguous values with one sentence and exit 2, before anything runs', () => {
    const cases: Array<[string[], RegExp]> = [
      [['burst', '--wavez', '3'], /^coldprobe: burst: unknown option --wavez; did you mean --waves\? /],
      [['burst', '--interval', '5'], /^coldprobe: --interval 5 is ambiguous: give a unit, e\.g\. 5s or 5ms\.$/],
      [['burst', '--n', '-5'], /^coldprobe: --n must be a whole number of at least 1, got '-5'\.$/],
      [['burst', '--n', '5', '--n', '6'], /^coldprobe: burst: --n is given twice \('5' and '6'\); give it once /],
      [['bursst'], /^coldprobe: unknown command 'bursst'; did you mean 'burst'\? /],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
    }
  });

  it('names the functions the emulator has when the one asked for is not there (exit 3)', () => {
    const r = cli(['burst', '--function', 'node-helo', '--n', '1', '--no-tui']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the functions there are [^\n]*node-hello, [^\n]*python-hello \(/);
  });

  it('run takes --functions and --init-concurrency over the profile, as burst does', () => {
    writeFileSync(join(dir, 'one.yaml'), 'name: one\nfunctions:\n  - name: node-hello\n    runtime: nodejs20.x\nmatrix:\n  memoryMb: [128]\nburst:\n  n: 1\n');
    expect(cli(['run', 'one.yaml', '--functions', 'nowhere']).stderr).toMatch(/--functions folder .*nowhere does not exist\./);
    expect(cli(['run', 'one.yaml', '--init-concurrency', '0']).stderr).toMatch(/--init-concurrency must be a whole number of at least 1, got '0'\./);
    const r = cli(['run', 'one.yaml', '--functions', resolve('profiles/functions'), '--init-concurrency', '1', '--no-tui', '--out', 'one.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'one.json'))).toBe(true);
  });

  it('keeps long names whole when the output is not a terminal', () => {
    const longId = 'a-function-with-a-rather-long-name-for-an-80-column-table-128mb-pc0';
    const base = resultsFile([cell({ id: longId, cold: samples(30, 300_000, 1), warm: samples(30, 5000, 2) })]);
    const slow = resultsFile([cell({ id: longId, cold: samples(30, 600_000, 3), warm: samples(30, 15_000, 4) })]);
    writeResultsFile(join(dir, 'base.json'), base);
    writeResultsFile(join(dir, 'slow.json'), slow);
    const r = cli(['check', 'slow.json', '--baseline', 'base.json']);
    expect(r.code).toBe(10);
    expect(r.stdout).not.toContain('…');
    expect(r.stdout).toContain(`cell ${longId}`);
    expect(r.stdout).toMatch(/=> regression beyond the noise: cold\.init\.p50, cold\.latency\.p50, warm\.latency\.p50$/m);
  });
});
