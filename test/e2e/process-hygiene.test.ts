/**
 * No runtime outlives coldprobe: the built CLI (run `npm run build` first) runs a burst of sleeping functions
 * on the emulator, and is stopped by Ctrl-C, a second Ctrl-C, SIGTERM, SIGHUP, or killed outright (a crash).
 * Every process it started (the emulator process and each runtime) must be gone afterwards. And when the
 * emulator runs out of file descriptors (a low `ulimit -n`), the CLI says so in one sentence and exits non-zero.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-hygiene-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** pid → parent pid and state, for every process (from /proc). */
function processTable(): Map<number, { ppid: number; state: string; cmdline: string }> {
  const table = new Map<number, { ppid: number; state: string; cmdline: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const tail = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      table.set(Number(name), { state: tail[0] ?? '?', ppid: Number(tail[1]), cmdline });
    } catch {
      // Gone while we looked.
    }
  }
  return table;
}

/** Every live descendant of `root`, with its command line. */
function descendants(root: number): Array<{ pid: number; cmdline: string }> {
  const table = processTable();
  const out: Array<{ pid: number; cmdline: string }> = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [pid, p] of table) {
      if (p.ppid !== parent || p.state === 'Z') continue;
      out.push({ pid, cmdline: p.cmdline });
      queue.push(pid);
    }
  }
  return out;
}

/** True while `pid` runs (a zombie waiting for whoever inherited it to reap it does not count). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

interface Started {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startCli(args: string[], shellPrefix?: string): Started {
  const env = { ...process.env, NO_COLOR: '1', CI: '1' };
  const child =
    shellPrefix === undefined
      ? spawn(process.execPath, [cli, ...args], { cwd: dir, env })
      : spawn('/bin/sh', ['-c', `${shellPrefix}; exec "$0" "$@"`, process.execPath, cli, ...args], { cwd: dir, env });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

const RUNTIMES = 3;

/** Starts a burst of 3 invocations that sleep 60 s, and waits until all 3 runtimes run; returns every process started. */
async function burstOfSleepers(): Promise<Started & { pids: number[] }> {
  const started = startCli(['burst', '--function', 'node-sleep', '--n', String(RUNTIMES), '--payload', '{"sleepMs":60000}', '--no-tui', '--out', join(dir, 'r.json')]);
  const pid = started.child.pid as number;
  const ready = await until(() => descendants(pid).filter((p) => p.cmdline.includes('bootstrap.cjs')).length === RUNTIMES, 40_000);
  const all = descendants(pid);
  expect(ready, `runtimes under the CLI: ${JSON.stringify(all)}`).toBe(true);
  // The emulator process and one runtime per invocation.
  expect(all.filter((p) => p.cmdline.includes('host.js'))).toHaveLength(1);
  return { ...started, pids: all.map((p) => p.pid) };
}

async function expectAllGone(pids: number[]): Promise<void> {
  const gone = await until(() => pids.every((pid) => !running(pid)), 15_000);
  expect(gone, `still running: ${pids.filter(running).join(', ')}`).toBe(true);
}

describe('no runtime outlives coldprobe', () => {
  it.each([
    ['Ctrl-C (SIGINT)', ['SIGINT'] as NodeJS.Signals[], 130],
    ['a second Ctrl-C', ['SIGINT', 'SIGINT'] as NodeJS.Signals[], 130],
    ['SIGTERM', ['SIGTERM'] as NodeJS.Signals[], 130],
    ['SIGHUP (terminal closed)', ['SIGHUP'] as NodeJS.Signals[], 130],
  ])('after %s', async (_name, signals, expectedCode) => {
    const run = await burstOfSleepers();
    for (const signal of signals) {
      run.child.kill(signal);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const end = await run.done;
    expect(end.code, end.stderr).toBe(expectedCode);
    await expectAllGone(run.pids);
  });

  it('after the CLI dies without a chance to clean up (SIGKILL)', async () => {
    const run = await burstOfSleepers();
    run.child.kill('SIGKILL');
    const end = await run.done;
    expect(end.signal).toBe('SIGKILL');
    await expectAllGone(run.pids);
  });
});

describe('out of file descriptors', () => {
  // The CLI itself needs ~300 descriptors to load its modules (node reads them in parallel) and one per
  // invocation; the emulator one per invocation plus about four per environment: 480 runs out in the emulator.
  it('under ulimit -n 480, a burst of 380 reports EMFILE in one sentence, exits 3, and leaves nothing running', async () => {
    const run = startCli(['burst', '--n', '380', '--no-tui', '--out', join(dir, 'r.json')], 'ulimit -n 480');
    const pid = run.child.pid as number;
    const seen = new Set<number>();
    const timer = setInterval(() => {
      for (const p of descendants(pid)) seen.add(p.pid);
    }, 100);
    const end = await run.done;
    clearInterval(timer);
    expect(end.code, end.stderr).toBe(3);
    expect(end.stderr).toMatch(/error: the emulator ran out of file descriptors \(EMFILE\): raise the limit with 'ulimit -n' or lower --n\./);
    expect(end.stderr).not.toMatch(/internal error/);
    await expectAllGone([...seen]);
  });
});
