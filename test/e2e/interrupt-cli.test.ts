/**
 * Ctrl-C in the middle of a burst, a run of several cells and a load (Invoke API and --url), as a user does it:
 * the built CLI spawned (run `npm run build` first) on the bundled emulator (a standalone one for --url), SIGINT
 * sent while invocations of a sleeping function are running (the function drops a file when it starts, so the
 * test knows). What Ctrl-C promises: exit 130; the
 * invocations still running after the grace are `interrupted`, not errors (`errors == 0` still holds); every
 * planned invocation is either sent or counted as not sent, waves and cells that never started included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../src/core/results.js';
import { functionUrl, startEmulator } from '../../src/emulator/index.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/functions', import.meta.url));

let dir: string;
let marks: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-interrupt-'));
  marks = join(dir, 'marks');
  mkdirSync(marks);
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  interruptedAfter: number;
}

/** Spawn the CLI (on the bundled emulator unless `--url`); once `running` invocations have started (files in `marks`), send one SIGINT. */
function startAndInterrupt(args: string[], running: number): Promise<Run> {
  const target = args.includes('--url') ? [] : ['--functions', FIXTURES];
  const child = spawn(process.execPath, [cli, ...args, ...target], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  let interruptedAfter = -1;
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const poll = setInterval(() => {
    const started = readdirSync(marks).length;
    if (started >= running) {
      clearInterval(poll);
      interruptedAfter = started;
      child.kill('SIGINT');
    }
  }, 50);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, interruptedAfter });
    }),
  );
}

/** The payload: sleep far past the grace (min(timeout 30 s, 5 s)), and say when each invocation starts. */
const payload = (): string => JSON.stringify({ ms: 20_000, markDir: marks });

function expectAccounted(file: ResultsFile, planned: number): void {
  const records = file.cells.reduce((n, c) => n + c.records.length, 0);
  const interrupted = file.cells.reduce((n, c) => n + c.summary.byOutcome.interrupted, 0);
  expect(file.interrupted).toBe(true);
  expect(file.invocations?.planned).toBe(planned);
  expect((file.invocations?.sent ?? 0) + (file.invocations?.notSent ?? 0)).toBe(planned);
  expect(file.invocations?.sent).toBe(records);
  // The invocations still sleeping when the grace ran out were given up: interrupted, not errors.
  expect(interrupted).toBeGreaterThan(0);
  for (const cell of file.cells) {
    const s = cell.summary;
    expect(s.total - s.byOutcome.ok - s.byOutcome.throttled - s.byOutcome.interrupted, JSON.stringify(s.byOutcome)).toBe(0);
    expect(s.errorsByType).toEqual({});
  }
  // Judged on the partial results, `errors == 0` holds.
  expect(file.thresholds).toEqual(expect.arrayContaining([expect.objectContaining({ expression: 'errors == 0', passed: true })]));
}

describe('Ctrl-C mid-run (spawned CLI, emulator, sleeping function)', () => {
  it('a Ctrl-C as the last responses arrive still marks the run interrupted (exit 130), with nothing lost', async () => {
    const out = join(dir, 'late.json');
    const child = spawn(process.execPath, [cli, 'burst', '--function', 'sleep-marked', '--n', '3', '--payload', '{"ms":50}', '--no-tui', '--out', out, '--functions', FIXTURES], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', CI: '1' },
    });
    children.push(child);
    let stdout = '';
    let sent = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The wave's line is written when its last response is in: interrupt right then.
      if (!sent && /burst 1\/1:/.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(sent).toBe(true);
    expect(code).toBe(130);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
    expect(file.interrupted).toBe(true);
    expect(file.invocations).toEqual({ planned: 3, sent: 3, notSent: 0 });
    expect(file.cells[0]?.summary.byOutcome.ok).toBe(3);
  });

  it('burst: the running wave is interrupted, the waves never started are not sent, exit 130', async () => {
    const out = join(dir, 'burst.json');
    const run = await startAndInterrupt(
      ['burst', '--function', 'sleep-marked', '--n', '4', '--waves', '3', '--interval', '0', '--payload', payload(), '--threshold', 'errors == 0', '--json', '--out', out],
      4,
    );
    expect(run.interruptedAfter, run.stderr).toBe(4);
    expect(run.code, run.stderr).toBe(130);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
    expectAccounted(file, 12);
    // The first wave was sent and given up; waves 2 and 3 never started.
    expect(file.invocations).toEqual({ planned: 12, sent: 4, notSent: 8 });
    expect(file.cells[0]?.summary.byOutcome.interrupted).toBe(4);
    const json = JSON.parse(run.stdout) as { interrupted: boolean; invocations: unknown };
    expect(json).toMatchObject({ interrupted: true, invocations: { planned: 12, sent: 4, notSent: 8 } });
  });

  it('run with several cells: the cells never started count as not sent', async () => {
    writeFileSync(
      join(dir, 'two.yaml'),
      `name: two-cells
functions:
  - name: sleep-marked
    runtime: nodejs20.x
matrix:
  memoryMb: [128, 256]
burst:
  n: 3
  waves: 2
  interval: 0s
payload: ${payload()}
thresholds:
  - "errors == 0"
`,
    );
    const out = join(dir, 'run.json');
    const run = await startAndInterrupt(['run', 'two.yaml', '--no-tui', '--out', out], 3);
    expect(run.code, run.stderr).toBe(130);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
    expectAccounted(file, 12);
    // Only the first cell's first wave ran; its second wave and the whole second cell never started.
    expect(file.cells).toHaveLength(1);
    expect(file.invocations).toEqual({ planned: 12, sent: 3, notSent: 9 });
    expect(run.stdout).toContain('Interrupted: partial results. 3 of 12 invocations sent, 9 not sent.');
  });

  it('load: the running invocations are interrupted, the arrivals never due count as not sent', async () => {
    const out = join(dir, 'load.json');
    const run = await startAndInterrupt(
      ['load', '--function', 'sleep-marked', '--rate', '4', '--duration', '10s', '--payload', payload(), '--threshold', 'errors == 0', '--no-tui', '--out', out],
      2,
    );
    expect(run.code, run.stderr).toBe(130);
    const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
    expectAccounted(file, 40);
    expect(file.invocations?.notSent).toBeGreaterThan(0);
  });

  it('load --url: requests running at Ctrl-C get the grace, then are interrupted, not errors', async () => {
    const emulator = await startEmulator({ functionsDirs: [FIXTURES], log: () => undefined });
    try {
      const out = join(dir, 'url.json');
      const started = Date.now();
      const run = await startAndInterrupt(
        ['load', '--url', functionUrl(emulator.endpoint, 'sleep-marked'), '--method', 'POST', '--header', 'content-type: application/json', '--body', payload(), '--rate', '4', '--duration', '10s', '--threshold', 'errors == 0', '--out', out],
        2,
      );
      expect(run.code, run.stderr).toBe(130);
      const file = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
      expectAccounted(file, 40);
      expect(file.invocations?.notSent).toBeGreaterThan(0);
      // Given up after the grace (5 s), not after the requests' 30 s timeout nor their 20 s sleep.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await emulator.close();
    }
  });
});
