/**
 * Four shard processes of one burst against one standalone emulator (`coldprobe emulator`), released together
 * with `--start-in 2s`, then `coldprobe merge`: the merged file's records and cold starts, and how far apart the
 * shards really released (measured on the one machine's clock: the shards' first sends), beside each shard's own
 * release spread, its lateness against the planned instant, and the launch skew (how far apart the four
 * processes' planned instants were). Every process is the built CLI (`dist/cli/main.js`).
 *
 * Environment: COLDPROBE_BENCH_SHARD_ROUNDS (default 3), COLDPROBE_BENCH_SHARD_N (whole burst, default 400),
 * COLDPROBE_BENCH_SHARD_START_IN (default 2s: on a loaded machine the shards may not be ready that soon, and the
 * table's lateness says so).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { readResultsFile } from '../src/io/results-file.js';
import type { BenchResult } from './lib.js';

const ROUNDS = Number(process.env.COLDPROBE_BENCH_SHARD_ROUNDS ?? 3);
const N = Number(process.env.COLDPROBE_BENCH_SHARD_N ?? 400);
const SHARDS = 4;
const START_IN = process.env.COLDPROBE_BENCH_SHARD_START_IN ?? '2s';
/** With COLDPROBE_BENCH_SHARD_START_AT=<seconds>, the shards get one --start-at instant that far ahead instead. */
const START_AT_S = process.env.COLDPROBE_BENCH_SHARD_START_AT;
const CLI = resolve('dist/cli/main.js');

/** A standalone emulator on a free port; resolves its endpoint from the line it prints. */
async function startEmulator(): Promise<{ endpoint: string; child: ChildProcess }> {
  // Idle environments are reaped after 2 s so 400 cold starts never keep 400 runtime processes alive at once.
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', '--idle-ttl', '2s'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const endpoint = await new Promise<string>((done, fail) => {
    lines.on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) done(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`emulator exited with ${code}`)));
  });
  return { endpoint, child };
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

interface Round {
  records: number;
  cold: number;
  spreadMs: number;
  ownSpreadMaxMs: number;
  launchSkewMs: number;
  latenessMaxMs: number;
  load: number;
}

async function round(k: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-bench-shards-'));
  const emulator = await startEmulator();
  try {
    // The emulator speaks Lambda's API: the shards drive it as AWS, with --endpoint-url and dummy credentials.
    const env = { ...process.env, NO_COLOR: '1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
    const load = loadavg()[0] ?? 0;
    const runId = `bench-${k}-${Date.now()}`;
    const start = START_AT_S !== undefined ? ['--start-at', new Date(Date.now() + Number(START_AT_S) * 1000).toISOString()] : ['--start-in', START_IN];
    const shards = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        cli(
          ['burst', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--region', 'us-east-1', '--function', 'node-hello', '--n', String(N), '--timeout', '180s',
            '--shard', `${i + 1}/${SHARDS}`, ...start, '--run-id', runId, '--no-tui', '--out', join(dir, `s${i + 1}.json`)],
          env,
        ),
      ),
    );
    for (const [i, s] of shards.entries()) if (s.code !== 0) throw new Error(`shard ${i + 1} exited with ${s.code}: ${s.stderr}`);
    const files = Array.from({ length: SHARDS }, (_, i) => join(dir, `s${i + 1}.json`));
    const merged = await cli(['merge', ...files, '--out', join(dir, 'all.json')], env);
    if (merged.code !== 0) throw new Error(`merge exited with ${merged.code}: ${merged.stderr}`);
    const all = readResultsFile(join(dir, 'all.json'));
    const cell = all.cells[0];
    const burst = all.shards?.bursts[0];
    const infos = files.map((f) => readResultsFile(f).shard);
    const planned = infos.map((s) => Date.parse(s?.releaseAt ?? ''));
    const lateness = infos.map((s) => ((s?.releasedAtUs ?? 0) - Date.parse(s?.releaseAt ?? '') * 1000) / 1000);
    return {
      records: cell?.records.length ?? 0,
      cold: cell?.summary.cold ?? 0,
      spreadMs: (burst?.spreadUs ?? Number.NaN) / 1000,
      ownSpreadMaxMs: Math.max(...(burst?.shards ?? []).map((s) => s.releaseSpreadUs)) / 1000,
      launchSkewMs: Math.max(...planned) - Math.min(...planned),
      latenessMaxMs: Math.max(...lateness),
      load,
    };
  } finally {
    emulator.child.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const rounds: Round[] = [];
  for (let k = 0; k < ROUNDS; k += 1) rounds.push(await round(k));
  const range = (pick: (r: Round) => number): string => {
    const v = rounds.map(pick);
    return `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
  };
  const rows: BenchResult['rows'] = rounds.flatMap((r, k) => [
    { metric: `round ${k + 1}: merged records (cold)`, value: `${r.records} (${r.cold})`, unit: '', reference: N, goal: `${N}, all cold`, pass: r.records === N && r.cold === N },
    { metric: `round ${k + 1}: cross-shard release spread`, value: r.spreadMs, unit: 'ms', goal: '< 20 ms', pass: r.spreadMs < 20 },
    { metric: `round ${k + 1}: largest own release spread`, value: r.ownSpreadMaxMs, unit: 'ms' },
    { metric: `round ${k + 1}: launch skew (planned instants)`, value: r.launchSkewMs, unit: 'ms' },
    { metric: `round ${k + 1}: latest release after its instant`, value: r.latenessMaxMs, unit: 'ms', reference: `load ${r.load.toFixed(1)}` },
  ]);
  rows.push({ metric: `cross-shard release spread over ${ROUNDS} rounds`, value: range((r) => r.spreadMs), unit: 'ms' });
  return [
    {
      name: `shards: ${SHARDS} processes × ${N / SHARDS} against one standalone emulator, ${START_AT_S !== undefined ? `--start-at now + ${START_AT_S} s` : `--start-in ${START_IN}`}`,
      rows,
      notes: ['spread: first send of the earliest shard to first send of the latest, on this machine\'s clock (one host: no offset correction)', 'launch skew is part of the spread: --start-in counts from each process\'s own start'],
    },
  ];
}
