/**
 * Start-up of the built CLI, side by side in one run with `node -e 0`: `coldprobe --help` and `coldprobe check`
 * (the gate on a small results file, what CI runs). Goal: within 3× of `node -e 0`. Rounds are interleaved so
 * the machine's load drifts over all three alike; the wall time of each process is measured from spawn to exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeResultsFile } from '../src/io/results-file.js';
import { fakeCell } from '../test/fixtures/matrix-cells.js';
import { resultsFileOf } from '../test/fixtures/results-file.js';
import { type BenchResult, median } from './lib.js';

const ROUNDS = Number(process.env.COLDPROBE_BENCH_ROUNDS ?? 7);
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

function wallMs(args: string[]): number {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
  const ms = performance.now() - t0;
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}`);
  return ms;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-startup-'));
  const results = join(dir, 'r.json');
  writeResultsFile(results, resultsFileOf([fakeCell({ functionName: 'node-hello', memoryMb: 128, coldMs: [300, 310, 320], warmMs: [5, 6, 7, 8] })]));
  const cases: Array<[string, string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['coldprobe --help', [cli, '--help']],
    ['coldprobe check (gate on a small results file)', [cli, 'check', results, '--threshold', 'errors == 0']],
  ];
  const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  try {
    for (const [, args] of cases) wallMs(args); // warm the file cache
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, args] of round % 2 === 0 ? cases : [...cases].reverse()) samples.get(name)?.push(wallMs(args));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const node = median(samples.get('node -e 0') ?? []);
  const range = (xs: number[]): string => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`;
  return [
    {
      name: 'start-up: coldprobe vs node -e 0',
      rows: cases.map(([name]) => {
        const xs = samples.get(name) ?? [];
        const m = median(xs);
        if (name === 'node -e 0') return { metric: `${name} (median of ${ROUNDS}; ${range(xs)})`, value: m, unit: 'ms', goal: 'reference' };
        return { metric: `${name} (median of ${ROUNDS}; ${range(xs)})`, value: m, unit: 'ms', reference: node, goal: '≤ 3 × node -e 0', pass: m <= 3 * node };
      }),
      notes: [
        `ratios: ${cases.slice(1).map(([name]) => `${name.split(' (')[0]} ${(median(samples.get(name) ?? []) / node).toFixed(2)}×`).join(', ')}`,
        `wall time from spawn to exit of the built CLI (dist/), ${ROUNDS} interleaved rounds; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores.`,
      ],
    },
  ];
}
