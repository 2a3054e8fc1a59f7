/**
 * Cold bursts as users run them (issue 9): `coldprobe burst --n N` from dist/ (`npm run bench` builds first),
 * each run on a fresh emulator (its own process, as `burst` starts it), five runs each of N = 500 and 1,000.
 *
 * Per N: cold count of every run (goal: N each time), wall time (first send → last response), the emulator's
 * accept → assign delay p99, peak memory of the whole process tree (CLI + emulator + runtimes), and the wall
 * time as a multiple of the physical floor measured in the same run: N × a bare `node -e 0` start ÷ cores
 * (goal ≤ 1.5×). Then `--n 2000` (beyond the account limit of 1,000): served + Lambda 429s only, no
 * connection resets. Then 200 concurrent plain SDK invocations of a function that sleeps 2 s: 200 environments,
 * 200 cold starts.
 *
 * Environment: COLDPROBE_BENCH_BURST_RUNS (default 5), COLDPROBE_BENCH_BURST_SIZES (default "500,1000"),
 * COLDPROBE_BENCH_OVER_LIMIT (default 2000), COLDPROBE_BENCH_SLEEPERS (default 200).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ResultsFile } from '../src/core/results.js';
import { spawnEmulator } from '../src/emulator/remote.js';
import { type BenchResult, type BenchRow, median } from './lib.js';
import { treeMemory } from './proc-tree.js';

const RUNS = Number(process.env.COLDPROBE_BENCH_BURST_RUNS ?? 5);
const SIZES = (process.env.COLDPROBE_BENCH_BURST_SIZES ?? '500,1000').split(',').map(Number);
const OVER_LIMIT = Number(process.env.COLDPROBE_BENCH_OVER_LIMIT ?? 2000);
const SLEEPERS = Number(process.env.COLDPROBE_BENCH_SLEEPERS ?? 200);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const SAMPLES = join(ROOT, 'profiles/functions');

interface BurstRun {
  code: number | null;
  n: number;
  cold: number;
  ok: number;
  throttled: number;
  transportErrors: number;
  otherErrors: string[];
  wallMs: number;
  acceptAssignP99Ms: number;
  maxQueueWaitMs: number;
  peakTreeMb: number;
}

/** Median ms of `count` bare `node -e 0` starts (spawn → exit), measured now. */
function nodeStartMs(count = 9): number {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t0);
  }
  return median(times);
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** One `coldprobe burst` run on a fresh emulator; samples the process tree's memory while it runs. */
async function cliBurst(n: number, extra: string[] = []): Promise<BurstRun> {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-bench-burst-'));
  const out = join(dir, 'r.json');
  const child = spawn(process.execPath, [CLI, 'burst', '--n', String(n), '--no-tui', '--functions', SAMPLES, '--out', out, ...extra], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  let peakTreeMb = 0;
  // Sampled (the runtimes exit before the CLI does, so their VmHWM is gone by the end): PSS, so pages the
  // runtimes share (node's binary, libraries) count once; an RSS sum would count them once per runtime.
  // Once a second: reading 1,000 processes' smaps_rollup is work that competes with the burst.
  const sampler = setInterval(() => {
    if (child.pid === undefined) return;
    const memory = treeMemory(child.pid);
    // A sample where some process's smaps_rollup could not be read (it was exiting) has no PSS: skip it rather
    // than mix in an RSS sum.
    if (memory.pssMb !== undefined) peakTreeMb = Math.max(peakTreeMb, memory.pssMb);
  }, 1000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearInterval(sampler);
  let results: ResultsFile;
  try {
    results = JSON.parse(readFileSync(out, 'utf8')) as ResultsFile;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`burst --n ${n} wrote no results (exit ${code}): ${stderr}`);
  }
  rmSync(dir, { recursive: true, force: true });
  const records = results.cells[0]?.records ?? [];
  const sent = records.map((r) => r.sentUs);
  const finished = records.map((r) => r.finishedUs);
  const delays = records.flatMap((r) => (r.env?.acceptedUs !== undefined && r.env.assignedUs !== undefined ? [(r.env.assignedUs - r.env.acceptedUs) / 1000] : []));
  const errors = new Map<string, number>();
  for (const r of records) if (r.outcome !== 'ok' && r.outcome !== 'throttled' && r.outcome !== 'transport-error') errors.set(`${r.outcome} ${r.errorType ?? ''}`, (errors.get(`${r.outcome} ${r.errorType ?? ''}`) ?? 0) + 1);
  return {
    code,
    n,
    cold: records.filter((r) => r.classification === 'cold').length,
    ok: records.filter((r) => r.outcome === 'ok').length,
    throttled: records.filter((r) => r.outcome === 'throttled').length,
    transportErrors: records.filter((r) => r.outcome === 'transport-error').length,
    otherErrors: [...errors].map(([k, v]) => `${k} x${v}`),
    wallMs: (Math.max(...finished) - Math.min(...sent)) / 1000,
    acceptAssignP99Ms: quantile(delays, 0.99),
    maxQueueWaitMs: Math.max(0, ...records.map((r) => (r.env?.queueWaitUs ?? 0) / 1000)),
    peakTreeMb,
  };
}

const range = (values: number[], digits = 0): string =>
  values.length === 0 ? '-' : `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

async function sleepers(count: number): Promise<{ served: number; cold: number; envs: number; wallMs: number; errors: string[] }> {
  const emulator = await spawnEmulator({ functionsDirs: [SAMPLES], idleTtlMs: 600_000 });
  const client = new LambdaClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: count * 2, keepAlive: true }, requestTimeout: 300_000 }),
  });
  const errors = new Map<string, number>();
  const envIds = new Set<string>();
  let served = 0;
  let cold = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: count }, async () => {
        try {
          const out = await client.send(new InvokeCommand({ FunctionName: 'node-sleep', Payload: Buffer.from('{"sleepMs":2000}'), LogType: 'Tail' }));
          const tail = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
          if (out.FunctionError === undefined) served += 1;
          if (/\tInit Duration: /.test(tail)) cold += 1;
          const envId = /COLDPROBE EnvId: (\S+)/.exec(tail)?.[1];
          if (envId !== undefined) envIds.add(envId);
        } catch (error) {
          const key = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      }),
    );
  } finally {
    client.destroy();
    await emulator.close();
  }
  return { served, cold, envs: envIds.size, wallMs: performance.now() - t0, errors: [...errors].map(([k, v]) => `${k} x${v}`) };
}

export async function run(): Promise<BenchResult[]> {
  const cores = availableParallelism();
  const rows: BenchRow[] = [];
  const notes: string[] = [`${cores} cores; each run is a fresh \`coldprobe burst\` (dist/), emulator in its own process, init slots = cores.`];
  // Each run is printed as it ends too: the whole benchmark takes many minutes.
  const note = (text: string): void => {
    notes.push(text);
    console.log(`cold-burst: ${text}`);
  };
  for (const n of SIZES) {
    const runs: BurstRun[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const startMs = nodeStartMs();
      const r = await cliBurst(n);
      const floorMs = (n * startMs) / cores;
      runs.push(r);
      ratios.push(r.wallMs / floorMs);
      note(
        `n=${n} run ${i + 1}: exit ${r.code}, cold ${r.cold}/${n}, ok ${r.ok}, wall ${(r.wallMs / 1000).toFixed(2)} s, floor ${(floorMs / 1000).toFixed(2)} s ` +
          `(node -e 0 ${startMs.toFixed(1)} ms), ratio ${(r.wallMs / floorMs).toFixed(2)}, accept→assign p99 ${r.acceptAssignP99Ms.toFixed(2)} ms, ` +
          `max queue wait ${(r.maxQueueWaitMs / 1000).toFixed(1)} s, peak tree PSS ${r.peakTreeMb.toFixed(0)} MB${r.otherErrors.length > 0 ? `, errors ${r.otherErrors.join('; ')}` : ''}`,
      );
    }
    const colds = runs.map((r) => r.cold);
    rows.push({ metric: `burst ${n}: cold count per run`, value: colds.join(' '), unit: 'cold', goal: `= ${n} every run`, pass: colds.every((c) => c === n) });
    rows.push({ metric: `burst ${n}: wall time (first send → last response)`, value: range(runs.map((r) => r.wallMs / 1000), 2), unit: 's' });
    rows.push({ metric: `burst ${n}: wall ÷ floor (N × node -e 0 ÷ cores)`, value: range(ratios, 2), unit: '×', goal: '≤ 1.5', pass: ratios.every((x) => x <= 1.5) });
    rows.push({ metric: `burst ${n}: accept → assign p99`, value: range(runs.map((r) => r.acceptAssignP99Ms), 2), unit: 'ms' });
    rows.push({ metric: `burst ${n}: peak PSS, CLI + emulator + runtimes`, value: range(runs.map((r) => r.peakTreeMb)), unit: 'MB' });
  }

  const over = await cliBurst(OVER_LIMIT);
  rows.push({
    metric: `burst ${OVER_LIMIT} (account limit 1000): ok / throttled / resets / other`,
    value: `${over.ok} / ${over.throttled} / ${over.transportErrors} / ${over.otherErrors.length}`,
    unit: 'records',
    goal: 'ok + throttled = N, 0 resets',
    pass: over.ok + over.throttled === OVER_LIMIT && over.transportErrors === 0,
  });
  note(`n=${OVER_LIMIT}: exit ${over.code}, ${over.ok} ok (${over.cold} cold), ${over.throttled} throttled, ${over.transportErrors} transport errors ${over.otherErrors.join('; ')}`);

  const sleep = await sleepers(SLEEPERS);
  rows.push({
    metric: `${SLEEPERS} concurrent SDK invokes sleeping 2 s: environments / cold`,
    value: `${sleep.envs} / ${sleep.cold}`,
    unit: 'envs / cold',
    goal: `${SLEEPERS} / ${SLEEPERS}`,
    pass: sleep.envs === SLEEPERS && sleep.cold === SLEEPERS && sleep.served === SLEEPERS,
  });
  note(`sleepers: ${sleep.served} served in ${(sleep.wallMs / 1000).toFixed(1)} s${sleep.errors.length > 0 ? `, errors ${sleep.errors.join('; ')}` : ''}`);
  return [{ name: 'cold bursts (coldprobe burst, emulator in its own process)', rows, notes }];
}
