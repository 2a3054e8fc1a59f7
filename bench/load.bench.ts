/**
 * `coldprobe load`'s driver, against canned servers in their own processes (no function, no emulator measured):
 * at 1,000 and 5,000 invocations per second for 10 s, on the Invoke API (the load step: prepared SDK requests
 * fired when due) and on HTTP (autocannon connections, coldprobe's pacing): achieved / requested rate, schedule
 * lag p99 and driver CPU per invocation, beside a bare SDK loop (Invoke) and autocannon alone at the same
 * overallRate and duration (HTTP). The bare SDK loop (100 `client.send` in flight, the SDK's own handler) also
 * gives the rate the SDK path reaches at all on this machine at that moment, and the Invoke rows count the
 * connections the load opened (its keep-alive connections are reused).
 *
 * Environment: COLDPROBE_BENCH_LOAD_RATES (default 1000,5000), COLDPROBE_BENCH_LOAD_SECONDS (default 10).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import autocannon from 'autocannon';
import { steadyStages, type LoadStage } from '../src/core/load-stages.js';
import type { InvocationRecord } from '../src/core/types.js';
import { systemClock } from '../src/engine/clock.js';
import { runHttpLoad } from '../src/engine/http-load.js';
import { executeInvokeLoad } from '../src/engine/invoke-load.js';
import { createAwsTarget } from '../src/targets/aws.js';
import type { BenchResult, BenchRow } from './lib.js';

const RATES = (process.env.COLDPROBE_BENCH_LOAD_RATES ?? '1000,5000').split(',').map(Number);
const SECONDS = Number(process.env.COLDPROBE_BENCH_LOAD_SECONDS ?? 10);
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

async function startProcess(file: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { url, child };
}

function stagesOf(rate: number, seconds = SECONDS): LoadStage[] {
  const parsed = steadyStages(rate, seconds * 1000);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.stages;
}

/** Achieved / requested: invocations written within the load's duration over those the schedule asked for. */
function rateAccuracy(records: readonly InvocationRecord[], originUs: number, requested: number): number {
  return records.filter((r) => r.sentUs - originUs < SECONDS * 1_000_000).length / requested;
}

function lagP99Ms(records: readonly InvocationRecord[]): number {
  const lags = records.map((r) => r.sentUs - r.scheduledUs).sort((a, b) => a - b);
  return (lags[Math.min(lags.length - 1, Math.floor(lags.length * 0.99))] ?? 0) / 1000;
}

const cpuUs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return d.user + d.system;
};

async function invokeAt(endpoint: string, rate: number): Promise<BenchRow[]> {
  const target = await createAwsTarget({ region: 'us-east-1', endpoint, credentials, allowMutations: false });
  await target.getFunction('canned');
  const invoke = { functionName: 'canned', payload: new TextEncoder().encode('{}') };
  // Warm-up, not measured: on a loaded 2-core machine V8's optimising compiler (background threads) takes
  // seconds of wall time to get to the SDK's code, and a fresh process sent at a third of its later rate
  // meanwhile. 2 s at 500/s makes the measured load (and the bare loop after it) run on warm code.
  await executeInvokeLoad(
    { cell: 'warm-up', invoke, stages: stagesOf(500, 2), maxInFlight: 1000, windowMs: 1000 },
    { target, clock: systemClock, emit: () => undefined, runStartAt: performance.now(), counter: { next: 0 }, graceMs: 5000 },
  );
  const connectionsBefore = target.connectionsOpened();
  const cpu = process.cpuUsage();
  const runStartAt = performance.now();
  const out = await executeInvokeLoad(
    { cell: 'bench', invoke, stages: stagesOf(rate), maxInFlight: 1000, windowMs: 1000 },
    { target, clock: systemClock, emit: () => undefined, runStartAt, counter: { next: 0 }, graceMs: 5000 },
  );
  const perInvocationUs = cpuUs(cpu) / out.records.length;
  const connections = target.connectionsOpened() - connectionsBefore;
  await target.close();
  // The reference: the same number of plain client.send calls, 100 in flight, on the SDK's own handler.
  const client = new LambdaClient({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 100 } }) });
  const bareCpu = process.cpuUsage();
  const bareStart = performance.now();
  let next = 0;
  const total = out.records.length;
  await Promise.all(Array.from({ length: 100 }, async () => {
    while (next < total) {
      next++;
      await client.send(new InvokeCommand({ FunctionName: 'canned', LogType: 'Tail', Payload: new TextEncoder().encode('{}') }));
    }
  }));
  const barePerInvocationUs = cpuUs(bareCpu) / total;
  const barePerS = total / ((performance.now() - bareStart) / 1000);
  client.destroy();
  const accuracy = rateAccuracy(out.records, out.originUs, out.schedule.count);
  const lag = lagP99Ms(out.records);
  return [
    { metric: `invoke ${rate}/s: achieved / requested`, value: accuracy, unit: 'ratio', goal: '≥ 0.99', pass: accuracy >= 0.99 },
    { metric: `invoke ${rate}/s: schedule lag p99`, value: lag, unit: 'ms', goal: '< 2', pass: lag < 2 },
    { metric: `invoke ${rate}/s: driver CPU per invocation`, value: perInvocationUs, unit: 'µs', reference: barePerInvocationUs, goal: 'reference: bare SDK loop' },
    { metric: `invoke ${rate}/s: started late (backlog)`, value: out.startedFromBacklog, unit: 'count' },
    { metric: `invoke ${rate}/s: connections opened`, value: connections, unit: 'count', reference: out.records.length, goal: 'reference: invocations' },
    // What the SDK path can do at all on this machine now: above it no driver of this process keeps the rate.
    { metric: `invoke ${rate}/s: bare SDK loop, invocations per second`, value: barePerS, unit: '/s', goal: `reference: ${rate} asked` },
  ];
}

async function httpAt(url: string, rate: number): Promise<BenchRow[]> {
  const cpu = process.cpuUsage();
  const out = await runHttpLoad({ url: new URL(url), method: 'GET', headers: {}, stages: stagesOf(rate), maxInFlight: 1000, timeoutMs: 10_000, windowMs: 1000, cell: 'bench', graceMs: 5_000 });
  const perInvocationUs = cpuUs(cpu) / out.records.length;
  const requested = rate * SECONDS;
  const accuracy = rateAccuracy(out.records, 0, requested);
  const lag = lagP99Ms(out.records);
  // autocannon on its own, same rate and duration; as many connections as coldprobe opened at most.
  const alone = await autocannon({ url, overallRate: rate, duration: SECONDS, connections: Math.min(100, rate) });
  const aloneAccuracy = alone.requests.total / requested;
  return [
    { metric: `http ${rate}/s: achieved / requested`, value: accuracy, unit: 'ratio', reference: aloneAccuracy, goal: '≥ 0.99 (ref: autocannon alone)', pass: accuracy >= 0.99 },
    { metric: `http ${rate}/s: schedule lag p99`, value: lag, unit: 'ms', goal: '< 2', pass: lag < 2 },
    { metric: `http ${rate}/s: driver CPU per request`, value: perInvocationUs, unit: 'µs' },
    { metric: `http ${rate}/s: autocannon alone, per-second requests min–max`, value: `${alone.requests.min}–${alone.requests.max}`, unit: 'req/s' },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const lambda = await startProcess('./canned-lambda-server.ts');
  const http = await startProcess('./canned-http-server.ts');
  const rows: BenchRow[] = [];
  try {
    for (const rate of RATES) {
      rows.push(...(await invokeAt(lambda.url, rate)));
      rows.push(...(await httpAt(http.url, rate)));
    }
  } finally {
    lambda.child.kill('SIGTERM');
    http.child.kill('SIGTERM');
  }
  return [{ name: `load: open-model driver at ${RATES.join(' and ')}/s for ${SECONDS} s`, rows, notes: [`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`] }];
}
