/**
 * The burst driver's own costs, against a canned Invoke-API server in its own process (so no function and no
 * emulator is measured): release spread for N = 100 and 500, CPU per invocation over a bare `client.send`
 * loop with the same client settings, and resident memory over a long run in waves.
 *
 * Environment: COLDPROBE_BENCH_ROUNDS (default 7), COLDPROBE_BENCH_INVOCATIONS (memory run, default 100,000),
 * COLDPROBE_BENCH_ONLY (comma list of spread, cpu, memory; default all).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildBurstPlan } from '../src/core/plan.js';
import type { RunEvent } from '../src/core/events.js';
import { executeRun } from '../src/engine/run.js';
import { createAwsTarget } from '../src/targets/aws.js';
import type { SdkTarget } from '../src/targets/sdk-target.js';
import { createPlainSink } from '../src/ui/plain.js';
import { type BenchResult, median } from './lib.js';

const ROUNDS = Number(process.env.COLDPROBE_BENCH_ROUNDS ?? 7);
const MEMORY_INVOCATIONS = Number(process.env.COLDPROBE_BENCH_INVOCATIONS ?? 100_000);
const ONLY = new Set((process.env.COLDPROBE_BENCH_ONLY ?? 'spread,cpu,memory').split(',').map((s) => s.trim()));
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const payload = new TextEncoder().encode('{}');

interface Canned {
  endpoint: string;
  child: ChildProcess;
}

async function startCannedProcess(): Promise<Canned> {
  const script = fileURLToPath(new URL('./canned-lambda-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`canned server exited with ${code}`)));
  });
  return { endpoint, child };
}

async function serverArrivalSpreadMs(endpoint: string): Promise<number> {
  const res = await fetch(`${endpoint}/_canned/arrivals`);
  const arrivals = (await res.json()) as number[];
  return arrivals.length > 1 ? Math.max(...arrivals) - Math.min(...arrivals) : 0;
}

async function awsTarget(endpoint: string): Promise<SdkTarget> {
  const target = await createAwsTarget({ region: 'us-east-1', endpoint, credentials, allowMutations: false });
  await target.getFunction('canned');
  return target;
}

/** The same settings coldprobe uses, on the SDK's own handler: retries off, sockets ≥ burst size, keep-alive. */
function bareClient(endpoint: string, sockets: number): LambdaClient {
  return new LambdaClient({
    region: 'us-east-1',
    endpoint,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: sockets } }),
  });
}

async function bareBurst(client: LambdaClient, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => client.send(new InvokeCommand({ FunctionName: 'canned', LogType: 'Tail', Payload: payload }))));
}

const cpuUs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return d.user + d.system;
};

async function releaseSpread(endpoint: string): Promise<BenchResult> {
  const target = await awsTarget(endpoint);
  const rows: BenchResult['rows'] = [];
  const notes: string[] = [];
  try {
    for (const [n, goalMs] of [
      [100, 5],
      [500, 25],
    ] as const) {
      const spreads: number[] = [];
      const serverSpreads: number[] = [];
      const prepare: number[] = [];
      const gaps: number[] = [];
      const bareServerSpreads: number[] = [];
      const bare = bareClient(endpoint, n);
      await bareBurst(bare, n); // open its sockets, as coldprobe's pool does
      await serverArrivalSpreadMs(endpoint);
      // One untimed coldprobe burst opens the pool's connections, like the bare client's warm-up above.
      await executeRun(buildBurstPlan({ functionName: 'canned', payload, n, waves: 1, intervalMs: 0, forceCold: false }), target, { emit: () => undefined });
      await serverArrivalSpreadMs(endpoint);
      for (let round = 0; round < ROUNDS; round += 1) {
        const plan = buildBurstPlan({ functionName: 'canned', payload, n, waves: 1, intervalMs: 0, forceCold: false });
        const outcome = await executeRun(plan, target, { emit: () => undefined });
        const info = outcome.cells[0]?.bursts[0];
        if (info) {
          spreads.push(info.releaseSpreadUs / 1000);
          prepare.push(info.prepareUs / n);
        }
        const sent = (outcome.cells[0]?.records ?? []).map((r) => r.sentUs).sort((a, b) => a - b);
        gaps.push(median(sent.slice(1).map((v, i) => v - (sent[i] ?? v))));
        serverSpreads.push(await serverArrivalSpreadMs(endpoint));
        await bareBurst(bare, n);
        bareServerSpreads.push(await serverArrivalSpreadMs(endpoint));
      }
      bare.destroy();
      const spread = median(spreads);
      rows.push({ metric: `release spread N=${n} (driver clock)`, value: spread, unit: 'ms', goal: `< ${goalMs} ms`, pass: spread < goalMs });
      rows.push({ metric: `release spread N=${n}, best round`, value: Math.min(...spreads), unit: 'ms' });
      rows.push({ metric: `median gap between writes N=${n}`, value: median(gaps), unit: 'µs' });
      rows.push({
        metric: `arrival spread N=${n} (server clock)`,
        value: median(serverSpreads),
        unit: 'ms',
        reference: median(bareServerSpreads),
      });
      rows.push({ metric: `prepare per invocation N=${n}`, value: median(prepare), unit: 'µs' });
    }
    notes.push(
      `median of ${ROUNDS} bursts each; reference column = the same N as concurrent client.send() calls on the SDK's NodeHttpHandler (same settings).`,
      'server clock: first to last request parsed by the canned server, an upper bound (it includes the server parsing N requests).',
      'gap between writes: the per-invocation cost of the release loop; a spread far above (N-1) x gap means the loop was preempted (see load average).',
      `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores.`,
      'prepare = SDK middleware + signing + connection check before the release, per invocation (wall time / N).',
    );
  } finally {
    await target.close();
  }
  return { name: 'burst: release spread (canned Invoke server, loopback)', rows, notes };
}

async function cpuPerInvocation(endpoint: string): Promise<BenchResult> {
  const n = 500;
  const waves = 4;
  const target = await awsTarget(endpoint);
  const bare = bareClient(endpoint, n);
  const bareUs: number[] = [];
  const oursUs: number[] = [];
  let sink: (e: RunEvent) => void = () => undefined;
  try {
    await bareBurst(bare, n);
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate the two in one process so machine noise hits both alike.
      let t = process.cpuUsage();
      for (let w = 0; w < waves; w += 1) await bareBurst(bare, n);
      bareUs.push(cpuUs(t) / (n * waves));

      sink = createPlainSink(() => undefined, { color: false, now: () => performance.now() });
      t = process.cpuUsage();
      await executeRun(buildBurstPlan({ functionName: 'canned', payload, n, waves, intervalMs: 0, forceCold: false }), target, { emit: sink });
      oursUs.push(cpuUs(t) / (n * waves));
    }
  } finally {
    bare.destroy();
    await target.close();
  }
  const extras = oursUs.map((v, i) => v - (bareUs[i] ?? 0));
  const extra = median(extras);
  return {
    name: 'burst: CPU per invocation over a bare client.send loop',
    rows: [
      { metric: 'bare client.send (NodeHttpHandler)', value: median(bareUs), unit: 'µs CPU' },
      { metric: 'coldprobe executeRun (+ plain sink)', value: median(oursUs), unit: 'µs CPU', reference: median(bareUs) },
      { metric: 'coldprobe extra per invocation', value: extra, unit: 'µs CPU', goal: '< 10 µs', pass: extra < 10 },
    ],
    notes: [
      `process.cpuUsage around ${waves} waves of ${n}, ${ROUNDS} alternating rounds; extra = median of per-round differences.`,
      'coldprobe includes: gated handler, record classification (REPORT parse), events, plain sink; both include the SDK.',
    ],
  };
}

/** A full GC, so heap samples count what is retained rather than garbage not yet collected. */
function fullGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function memoryOverRun(endpoint: string): Promise<BenchResult> {
  const n = 1000;
  const waves = Math.max(10, Math.round(MEMORY_INVOCATIONS / n));
  const target = await awsTarget(endpoint);
  const gc = fullGc();
  const samples: Array<{ done: number; rss: number; heap: number }> = [];
  let done = 0;
  let bursts = 0;
  let recordsBytes = 0;
  try {
    const plan = buildBurstPlan({ functionName: 'canned', payload, n, waves, intervalMs: 0, forceCold: false });
    const outcome = await executeRun(plan, target, {
      emit: (e) => {
        if (e.type === 'record') done += 1;
        else if (e.type === 'burst-end') {
          bursts += 1;
          if (bursts % Math.max(1, Math.floor(waves / 10)) === 0) {
            gc();
            const m = process.memoryUsage();
            samples.push({ done, rss: m.rss, heap: m.heapUsed });
          }
        }
      },
    });
    // What the kept records weigh on their own: their JSON size is a floor for their heap size.
    recordsBytes = JSON.stringify(outcome.cells[0]?.records ?? []).length / Math.max(1, done);
  } finally {
    await target.close();
  }
  const mb = (b: number): number => b / 1024 / 1024;
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last) return { name: 'burst: driver memory', rows: [], notes: ['no samples'] };
  const span = Math.max(1, last.done - first.done);
  const perRss = (last.rss - first.rss) / span;
  const perHeap = (last.heap - first.heap) / span;
  return {
    name: `burst: driver memory over ${last.done.toLocaleString('en-US')} invocations (${waves} waves of ${n})`,
    rows: [
      { metric: `RSS after ${first.done.toLocaleString('en-US')}`, value: mb(first.rss), unit: 'MB' },
      { metric: `RSS after ${last.done.toLocaleString('en-US')}`, value: mb(last.rss), unit: 'MB' },
      { metric: 'peak RSS (sampled)', value: mb(Math.max(...samples.map((x) => x.rss))), unit: 'MB' },
      { metric: 'RSS growth per invocation', value: perRss, unit: 'bytes', reference: perHeap },
      { metric: 'retained heap per invocation (after GC)', value: perHeap, unit: 'bytes', reference: recordsBytes },
    ],
    notes: [
      'the run keeps every record (the results file needs them). RSS reference = retained heap growth; heap reference = a record as JSON.',
      'flat apart from records: RSS growth per invocation close to the retained heap per invocation, which is the records.',
    ],
  };
}

/** Run the burst benchmarks. */
export async function run(): Promise<BenchResult[]> {
  const canned = await startCannedProcess();
  try {
    const results: BenchResult[] = [];
    if (ONLY.has('spread')) results.push(await releaseSpread(canned.endpoint));
    if (ONLY.has('cpu')) results.push(await cpuPerInvocation(canned.endpoint));
    if (ONLY.has('memory')) results.push(await memoryOverRun(canned.endpoint));
    return results;
  } finally {
    canned.child.kill('SIGTERM');
  }
}
