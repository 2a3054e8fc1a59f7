/**
 * The CI gate end to end on the emulator: `coldprobe run` a profile, store a baseline, rerun the same config
 * (the check passes), run again with the function's init made 200 ms slower, and `coldprobe check` exits 10
 * naming the cell and the metric. Needs `npm run build` first. Spawns the built CLI; the emulator runs inside.
 *
 * The function is a copy of provided-hello whose sh bootstrap sleeps INIT_DELAY_S before serving, not
 * node-heavy-init: Init Duration includes the runtime's own start-up, and on this shared 2-core machine
 * node's start-up drifted from about 700 ms to 1,000 ms between runs a minute apart (load average 10 to 20),
 * more than the 200 ms being detected; sh and curl start in tens of milliseconds.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/cli/main.js');
const FUNCTION = resolve('profiles/functions/provided-hello');
const CELL = 'sleepy-init-128mb-pc0';
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn the CLI asynchronously (the emulator inside it must keep running while we wait). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { ...process.env, GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '', NO_COLOR: '1', CI: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A functions folder holding `sleepy-init`: provided-hello that first sleeps `initDelayMs` (its init). */
function functionsDir(name: string, initDelayMs: number): void {
  const to = join(dir, name, 'sleepy-init');
  cpSync(FUNCTION, to, { recursive: true });
  const bootstrap = join(to, 'bootstrap');
  const code = readFileSync(bootstrap, 'utf8');
  if (!code.includes('set -eu\n')) throw new Error('provided-hello bootstrap changed: update this test');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter default, not a template
  writeFileSync(bootstrap, code.replace('set -eu\n', 'set -eu\nsleep "${INIT_DELAY_S:-0}"\n'), { mode: 0o755 });
  const file = join(to, 'function.json');
  const def = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  def['environment'] = { INIT_DELAY_S: (initDelayMs / 1000).toFixed(3) };
  // Inits run one at a time, so the last invocation of a wave waits for all of them: a long timeout.
  def['timeoutS'] = 120;
  writeFileSync(file, JSON.stringify(def, null, 2));
}

/** A profile: 2 waves of 12, idle environments reaped between them, so all 24 invocations start cold. */
function profile(name: string, functions: string): void {
  writeFileSync(
    join(dir, `${name}.yaml`),
    [
      `name: ${name}`,
      'target:',
      '  kind: emulator',
      `  functionsDir: ./${functions}`,
      '  idleTtl: 300ms',
      // One init at a time: init durations then measure the function, not the fight for two cores.
      '  initConcurrency: 1',
      'functions:',
      '  - name: sleepy-init',
      '    runtime: provided.al2023',
      'matrix:',
      '  memoryMb: [128]',
      'burst:',
      '  n: 12',
      '  waves: 2',
      '  interval: 1500ms',
      'thresholds:',
      '  - errors == 0',
      `baseline: baselines/gate.json`,
      '',
    ].join('\n'),
  );
}

function coldInitCount(file: string): number {
  const results = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    cells: Array<{ records: Array<{ report?: { initDurationMs?: number } }> }>;
  };
  return results.cells[0]?.records.filter((r) => r.report?.initDurationMs !== undefined).length ?? 0;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-gate-e2e-'));
  functionsDir('fast', 300);
  functionsDir('slow', 500);
  profile('gate', 'fast');
  profile('gate-slow', 'slow');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the CI gate on the emulator', () => {
  it('baseline, then a 200 ms slower init fails with exit 10 naming the cell and metric; a same-config rerun passes', async () => {
    const base = await cli(['run', 'gate.yaml', '--out', 'base.json', '--no-tui']);
    expect(base.code, base.stderr).toBe(0);
    expect(coldInitCount('base.json')).toBe(24);
    const stored = await cli(['baseline', 'base.json', '--profile', 'gate.yaml']);
    expect(stored.code, stored.stderr).toBe(0);
    expect(existsSync(join(dir, 'baselines/gate.json'))).toBe(true);

    // The gate a team would run: the profile's thresholds, the regression check at a 25% tolerance (runs of the
    // same code on this shared machine differ by more than the default 10%), and a relative threshold.
    const gateArgs = ['--profile', 'gate.yaml', '--tolerance', '25%', '--threshold', 'cold.init.p50 <= baseline * 1.10'];

    // The same-config rerun right after the baseline, so load on the shared machine has less time to drift.
    const again = await cli(['run', 'gate.yaml', '--out', 'again.json', '--no-tui']);
    expect(again.code, again.stderr).toBe(0);
    const pass = await cli(['check', 'again.json', ...gateArgs]);
    expect(pass.code, pass.stdout).toBe(0);
    expect(pass.stdout).toMatch(/check PASSED: \d+ passed, 0 failed/);

    const slow = await cli(['run', 'gate-slow.yaml', '--out', 'slow.json', '--no-tui']);
    expect(slow.code, slow.stderr).toBe(0);
    const summary = join(dir, 'summary.md');
    const gate = await cli(['check', 'slow.json', ...gateArgs, '--markdown', 'gate.md'], {
      GITHUB_ACTIONS: 'true',
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(gate.code, gate.stdout + gate.stderr).toBe(10);
    expect(gate.stdout).toMatch(new RegExp(`^FAIL {2}\\[${CELL}\\] cold\\.init\\.p50 vs baseline$`, 'm'));
    expect(gate.stdout).toMatch(new RegExp(`^FAIL {2}\\[${CELL}\\] cold\\.init\\.p50 <= baseline \\* 1\\.10$`, 'm'));
    expect(gate.stdout).toMatch(new RegExp(`^::error title=coldprobe%3A ${CELL} cold\\.init\\.p50::`, 'm'));
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(
      new RegExp(`❌ fail \\| ${CELL} \\| cold\\.init\\.p50 vs baseline \\| cold\\.init\\.p50: \\+\\d+\\.\\d%, larger than the noise`),
    );
    expect(readFileSync(join(dir, 'gate.md'), 'utf8')).toBe(md.trimEnd() + '\n');
  }, 300_000);
});
