/**
 * The live TUI end to end: the built CLI (`npm run build` first) runs `coldprobe burst` against the bundled
 * emulator inside a real pseudo-terminal (tmux), and the captured screen is checked: environment lanes and
 * counters while it runs, then the final summary and the results path; and `q` mid-run stops it with exit
 * 130 and a partial results file. Skipped, saying why, only when tmux is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/cli/main.js');
const SOCKET = `coldprobe-test-${process.pid}`;
const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
if (!hasTmux) console.warn('test/e2e/tui.test.ts skipped: tmux is not installed, so there is no pseudo-terminal to run the TUI in.');

// The TUI only runs when CI is unset (and ink draws no live frames under CI): give tmux, and so the
// CLI inside it, the environment of a person at a terminal.
const termEnv: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color' };
for (const key of Object.keys(termEnv)) if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) delete termEnv[key];
delete termEnv.NO_COLOR;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: termEnv });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts `coldprobe <args>` in a new tmux session of `size` (default 100×30); its exit code lands in `exitFile`. */
function startInTerminal(session: string, args: string[], exitFile: string, size: readonly [number, number] = [100, 30]): void {
  const command = `${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}; echo $? > ${shellQuote(exitFile)}; sleep 600`;
  tmux('new-session', '-d', '-s', session, '-x', String(size[0]), '-y', String(size[1]), '-c', process.cwd(), command);
}

function screen(session: string): string {
  return tmux('capture-pane', '-p', '-t', session);
}

/** Polls the screen until `test` holds (returns that screen) or `timeoutMs` passes (returns undefined). */
async function waitForScreen(session: string, test: (s: string) => boolean, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const s = screen(session);
    if (test(s)) return s;
    await sleep(200);
  }
  return undefined;
}

async function waitForExit(exitFile: string, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(exitFile)) {
      const text = readFileSync(exitFile, 'utf8').trim();
      if (text !== '') return Number(text);
    }
    await sleep(200);
  }
  return undefined;
}

interface ResultsShape {
  interrupted: boolean;
  cells: Array<{ records: unknown[] }>;
}

/** A lane row: a label like `#3` or `#1-2`, then init (`#`) and invoke (`=`) segments. */
const LANE = /^\s*#\d+(-\d+)?\s+#+=*/m;
const COUNTERS = /cold (\d+) {2}warm (\d+) {2}unknown \d+ {2}throttled \d+ {2}errors \d+/;

describe.skipIf(!hasTmux)('TUI in a real terminal (tmux)', () => {
  let dir: string;

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' before the e2e tests.`);
    dir = mkdtempSync(join(tmpdir(), 'coldprobe-tui-e2e-'));
  });

  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server'], { env: termEnv });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws lanes and counters while the burst runs, then the final summary and the results path', async () => {
    const out = join(dir, 'full.json');
    const exitFile = join(dir, 'full.exit');
    // 80×24: the smallest terminal the view is laid out for.
    startInTerminal('full', ['burst', '--n', '30', '--waves', '2', '--interval', '1s', '--function', 'node-sleep', '--out', out], exitFile, [80, 24]);

    const live = await waitForScreen('full', (s) => LANE.test(s) && COUNTERS.test(s), 90_000);
    expect(live, 'a live frame with environment lanes and counters').toBeDefined();
    expect(live).toMatch(/coldprobe emulator · node-sleep · nodejs\d+\.x · \d+ MB · n=30 · wave [12]\/2/);
    expect(live).toMatch(/done \d+\/60 · sent \d+ · in flight \d+/);
    expect(live).toMatch(/^environments \d+/m);
    // The timeline has a time axis under its lanes.
    expect(live).toMatch(/^ *time 0s +\S+/m);

    const code = await waitForExit(exitFile, 120_000);
    expect(code).toBe(0);
    const final = screen('full');
    // The live region is gone: the final summary (the same text as plain output) and the results path replace it.
    expect(final).toContain(`results: ${out}`);
    // The summary is taller than 24 lines; its essentials are the last lines on the screen, above the results path.
    expect(final).toMatch(/^cold 30 of 60 · throttled 0 · errors 0$/m);
    expect(final).toMatch(/^cold p50 \S+ p99 \S+ · warm p50 \S+ p99 \S+ · init p50 \S+ p99 \S+$/m);
    expect(final).not.toMatch(/in flight \d+/);
    expect(final).not.toMatch(LANE);
    const results = JSON.parse(readFileSync(out, 'utf8')) as ResultsShape;
    expect(results.interrupted).toBe(false);
    expect(results.cells[0]?.records).toHaveLength(60);
  });

  it('q mid-run stops the burst cleanly: exit 130 and a partial results file', async () => {
    const out = join(dir, 'stopped.json');
    const exitFile = join(dir, 'stopped.exit');
    // Three waves 5 s apart: pressing q after the first wave's lanes appear leaves work undone.
    startInTerminal('stop', ['burst', '--n', '20', '--waves', '3', '--interval', '5s', '--function', 'node-sleep', '--out', out], exitFile);

    const live = await waitForScreen('stop', (s) => LANE.test(s), 90_000);
    expect(live, 'a live frame with environment lanes').toBeDefined();
    tmux('send-keys', '-t', 'stop', 'q');

    const code = await waitForExit(exitFile, 60_000);
    expect(code).toBe(130);
    expect(existsSync(out)).toBe(true);
    const results = JSON.parse(readFileSync(out, 'utf8')) as ResultsShape;
    expect(results.interrupted).toBe(true);
    expect(results.cells[0]?.records.length ?? 0).toBeLessThan(60);
    const after = screen('stop');
    expect(after).toContain(`results: ${out}`);
    // The live view showed the stop itself: no line written under it, nothing left behind above the summary.
    expect(after).not.toContain('stopping cleanly');
    expect(after).not.toMatch(/in flight \d+/);
  });
});
