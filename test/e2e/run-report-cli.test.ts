/**
 * `coldprobe run` and `coldprobe report` as a user runs them: the built CLI spawned as a child process
 * (run `npm run build` first), on the bundled emulator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-run-e2e-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], onOutput?: (stdout: string, child: ChildProcess) => void): Promise<Run> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onOutput?.(stdout, child);
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const PROFILE = `name: e2e
functions:
  - name: node-hello
    runtime: nodejs20.x
matrix:
  memoryMb: [128, 256]
burst:
  n: 3
  waves: 2
  interval: 100ms
thresholds:
  - "errors == 0"
`;

describe('coldprobe run and report (spawned CLI)', () => {
  it('takes --threshold on top of the profile: a lost one exits 10, a malformed one exits 2 before running', async () => {
    writeFileSync(join(dir, 'e2e.yaml'), PROFILE.replace('memoryMb: [128, 256]', 'memoryMb: [128]'));
    const out = join(dir, 'results', 't.json');
    // cold_ratio is 50% (wave 1 cold, wave 2 warm): a limit of 10% must be lost; errors == 0 from the profile holds.
    const lost = await start(['run', 'e2e.yaml', '--no-tui', '--out', out, '--threshold', '[node-hello-*] cold_ratio <= 10%']);
    expect(lost.code, lost.stderr).toBe(10);
    const results = JSON.parse(readFileSync(out, 'utf8')) as { thresholds: Array<{ expression: string; passed: boolean }> };
    expect(results.thresholds.map((t) => [t.expression, t.passed])).toEqual([
      ['errors == 0', true],
      ['[node-hello-*] cold_ratio <= 10%', false],
    ]);

    const bad = await start(['run', 'e2e.yaml', '--no-tui', '--out', join(dir, 'results', 'bad.json'), '--threshold', 'cold.bogus < 1ms']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cold\.bogus/);
    expect(existsSync(join(dir, 'results', 'bad.json'))).toBe(false);
  });

  it('runs a matrix with --json, writes one results file with every cell, and report renders it as text and HTML', async () => {
    writeFileSync(join(dir, 'e2e.yaml'), PROFILE);
    const out = join(dir, 'results', 'e2e.json');
    const run = await start(['run', 'e2e.yaml', '--json', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { resultsPath: string; cells: Array<{ id: string; total: number; memoryMb: number }>; costNote: string; thresholds: unknown[] };
    expect(json.resultsPath).toBe(out);
    expect(json.cells.map((c) => [c.id, c.total])).toEqual([
      ['node-hello-128mb-pc0', 6],
      ['node-hello-256mb-pc0', 6],
    ]);
    expect(json.costNote).toMatch(/estimate/);
    expect(json.thresholds).toHaveLength(2);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { command: string; cells: Array<{ records: unknown[]; cost: { perThousandUsd: number } }> };
    expect(file.command).toBe('run');
    expect(file.cells).toHaveLength(2);
    expect(file.cells.every((c) => c.records.length === 6 && c.cost.perThousandUsd > 0)).toBe(true);

    const html = join(dir, 'report.html');
    const report = await start(['report', out, '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^cell\s+cold/m);
    expect(report.stdout).toContain('node-hello 256M');
    expect(report.stdout).toContain('ESTIMATE');
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<svg class="chart histogram"/g)).toHaveLength(2);
    // One timeline per cell, one lane per environment; memory sizes 128 and 256 draw the duration/cost view.
    expect(page.match(/<svg class="chart timeline lanes"/g)).toHaveLength(2);
    expect(page).toContain('<svg class="chart power"');
  });

  it('Ctrl-C during a run writes partial results, puts memory back and exits 130', async () => {
    writeFileSync(join(dir, 'slow.yaml'), PROFILE.replace('waves: 2', 'waves: 20').replace('interval: 100ms', 'interval: 1s'));
    const out = join(dir, 'partial.json');
    let sent = false;
    // The plain log goes to stdout; interrupt once the second wave of the first cell has reported.
    const run = await start(['run', 'slow.yaml', '--no-tui', '--out', out], (stdout, child) => {
      if (!sent && /burst 2\/20/.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('Interrupted: partial results.');
    expect(run.stdout).toContain('restore memory of node-hello to 128 MB');
    expect(existsSync(out)).toBe(true);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { interrupted: boolean; cells: Array<{ records: unknown[] }> };
    expect(file.interrupted).toBe(true);
    expect(file.cells).toHaveLength(1);
  });

  it('a wrong field exits 2 naming the file, line and path, and writes nothing', async () => {
    writeFileSync(join(dir, 'bad.yaml'), PROFILE.replace('  n: 3', '  n: three'));
    const run = await start(['run', 'bad.yaml', '--out', join(dir, 'never.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:8: burst\.n: expected a burst size n/);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });
});
