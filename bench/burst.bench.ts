/**
 * The burst driver's own costs, against a canned Invoke-API server in its own process (so no function and no
 * emulator is measured): arrival spread for N = 500 to 5,000 over HTTP and TLS against a fair reference (plain
 * concurrent `client.send` on an agent that keeps every socket warm), CPU per invocation over a bare
 * `client.send` loop with the same client settings, and resident memory over a long run in waves.
 *
 * Environment: COLDPROBE_BENCH_ROUNDS (default 7), COLDPROBE_BENCH_SIZES (default 500,1000,2000,5000),
 * COLDPROBE_BENCH_PROTOCOLS (default http,https), COLDPROBE_BENCH_INVOCATIONS (memory run, default 100,000),
 * COLDPROBE_BENCH_ONLY (comma list of spread, cpu, memory; default all).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
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
const SIZES = (process.env.COLDPROBE_BENCH_SIZES ?? '500,1000,2000,5000').split(',').map((s) => Number(s.trim()));
const PROTOCOLS = (process.env.COLDPROBE_BENCH_PROTOCOLS ?? 'http,https').split(',').map((s) => s.trim());
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const payload = new TextEncoder().encode('{}');

interface Canned {
  endpoint: string;
  child: ChildProcess;
  /** The server's certificate (PEM) when it serves TLS. */
  ca?: string;
}

/** A throwaway self-signed certificate for 127.0.0.1, made now with openssl (no key is ever committed). */
function selfSigned(): { dir: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-bench-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { dir, cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

async function startCannedProcess(tlsDir?: string): Promise<Canned> {
  const script = fileURLToPath(new URL('./canned-lambda-server.ts', import.meta.url));
  const env = tlsDir ? { ...process.env, COLDPROBE_CANNED_TLS_DIR: tlsDir } : process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`canned server exited with ${code}`)));
  });
  return { endpoint, child };
}

/** First-to-last arrival at the server (its own clock), ms; reads and clears its list. */
async function serverArrivalSpreadMs(canned: Canned): Promise<number> {
  const arrivals = await new Promise<number[]>((resolve, reject) => {
    const url = new URL(`${canned.endpoint}/_canned/arrivals`);
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    get(url, { ...(canned.ca ? { ca: canned.ca } : {}) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(JSON.parse(body) as number[]));
    }).on('error', reject);
  });
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrivals) {
    if (a < min) min = a;
    if (a > max) max = a;
  }
  return arrivals.length > 1 ? max - min : 0;
}

async function awsTarget(canned: Canned): Promise<SdkTarget> {
  const target = await createAwsTarget({ region: 'us-east-1', endpoint: canned.endpoint, credentials, allowMutations: false, env: {}, ...(canned.ca ? { ca: canned.ca } : {}) });
  await target.getFunction('canned');
  return target;
}

/**
 * The fair reference: the same SDK settings as coldprobe (retries off) on the SDK's own handler, with an agent
 * that keeps every socket warm. node's default keeps at most 256 idle sockets (`maxFreeSockets`), so without
 * raising it a burst of 1,000 reopens about 744 connections each time and the reference looks worse than it is.
 */
function bareClient(canned: Canned, sockets: number): LambdaClient {
  const agent = { keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, ...(canned.ca ? { ca: canned.ca } : {}) };
  return new LambdaClient({
    region: 'us-east-1',
    endpoint: canned.endpoint,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(canned.ca ? { httpsAgent: agent } : { httpAgent: agent }),
  });
}

/** N plain concurrent sends; returns how many failed (at N in the thousands, connects can be reset). */
async function bareBurst(client: LambdaClient, n: number): Promise<number> {
  const settled = await Promise.allSettled(Array.from({ length: n }, () => client.send(new InvokeCommand({ FunctionName: 'canned', LogType: 'Tail', Payload: payload }))));
  return settled.filter((r) => r.status === 'rejected').length;
}

const cpuUs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return d.user + d.system;
};

const range = (xs: readonly number[]): string => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

/**
 * Arrival spread at the server (first to last request parsed, the server's clock) of coldprobe's gated
 * release and of the warm reference, alternating round by round so machine noise hits both alike.
 */
async function releaseSpread(canned: Canned, protocol: string): Promise<BenchResult> {
  const target = await awsTarget(canned);
  const rows: BenchResult['rows'] = [];
  try {
    for (const n of SIZES) {
      const ours: number[] = [];
      const reference: number[] = [];
      const driver: number[] = [];
      let oursFailed = 0;
      const bare = bareClient(canned, n);
      // One untimed burst each opens their connections (coldprobe's pool, the reference's agent).
      let referenceFailed = await bareBurst(bare, n);
      await executeRun(buildBurstPlan({ functionName: 'canned', payload, n, waves: 1, intervalMs: 0, forceCold: false }), target, { emit: () => undefined });
      await serverArrivalSpreadMs(canned);
      for (let round = 0; round < ROUNDS; round += 1) {
        const outcome = await executeRun(buildBurstPlan({ functionName: 'canned', payload, n, waves: 1, intervalMs: 0, forceCold: false }), target, { emit: () => undefined });
        const info = outcome.cells[0]?.bursts[0];
        if (info) driver.push(info.releaseSpreadUs / 1000);
        oursFailed += (outcome.cells[0]?.records ?? []).filter((r) => r.outcome !== 'ok').length;
        ours.push(await serverArrivalSpreadMs(canned));
        referenceFailed += await bareBurst(bare, n);
        reference.push(await serverArrivalSpreadMs(canned));
      }
      bare.destroy();
      const mine = median(ours);
      const ref = median(reference);
      rows.push({ metric: `arrival spread N=${n} (server clock), range ${range(ours)}`, value: mine, unit: 'ms', reference: `${ref.toFixed(1)} (${range(reference)})` });
      rows.push({ metric: `  ratio coldprobe / warm reference N=${n}`, value: ref > 0 ? mine / ref : 0, unit: '×' });
      rows.push({ metric: `  release loop N=${n} (driver clock), range ${range(driver)}`, value: median(driver), unit: 'ms' });
      rows.push({ metric: `  failed invocations N=${n} over all rounds (warm-up included for the reference)`, value: oursFailed, unit: 'count', reference: referenceFailed });
    }
  } finally {
    await target.close();
  }
  return {
    name: `burst: arrival spread over ${protocol} (canned Invoke server, loopback)`,
    rows,
    notes: [
      `median of ${ROUNDS} bursts each, alternating; reference column = the same N as concurrent client.send() calls on the SDK's NodeHttpHandler, every socket kept warm (maxFreeSockets = N), median (range).`,
      'server clock: first to last request parsed by the canned server (its own process), an upper bound: it includes the server parsing N requests.',
      'ratio below 1: the gated release lands the burst in a tighter window than plain sends; above 1: it does not.',
      `load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores.`,
    ],
  };
}

async function cpuPerInvocation(canned: Canned): Promise<BenchResult> {
  const n = 500;
  const waves = 4;
  const target = await awsTarget(canned);
  const bare = bareClient(canned, n);
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

async function memoryOverRun(canned: Canned): Promise<BenchResult> {
  const n = 1000;
  const waves = Math.max(10, Math.round(MEMORY_INVOCATIONS / n));
  const target = await awsTarget(canned);
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
  const results: BenchResult[] = [];
  if (ONLY.has('spread')) {
    for (const protocol of PROTOCOLS) {
      const tls = protocol === 'https' ? selfSigned() : undefined;
      const canned = await startCannedProcess(tls?.dir);
      if (tls) canned.ca = tls.cert;
      try {
        results.push(await releaseSpread(canned, protocol));
      } finally {
        canned.child.kill('SIGTERM');
        if (tls) rmSync(tls.dir, { recursive: true, force: true });
      }
    }
  }
  if (ONLY.has('cpu') || ONLY.has('memory')) {
    const canned = await startCannedProcess();
    try {
      if (ONLY.has('cpu')) results.push(await cpuPerInvocation(canned));
      if (ONLY.has('memory')) results.push(await memoryOverRun(canned));
    } finally {
      canned.child.kill('SIGTERM');
    }
  }
  return results;
}
