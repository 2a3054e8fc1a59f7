/**
 * The emulator's performance goals (issue 2), measured side by side in one run. The emulator runs as users run
 * it, `coldprobe emulator` in its own process (from dist/: `npm run bench` builds first); the reference is a
 * plain node:http echo server in its own process, driven by the same client code.
 *
 * - warm invoke round trip, p50/p99, sequential raw keep-alive HTTP loop: node-hello vs the echo server, and
 *   node-hello with LogType Tail (which waits for the runtime's next /next: the REPORT needs it);
 * - warm throughput under autocannon with 32 connections (32 environments warmed first) vs the echo server;
 * - cold Init Duration of a no-op node function vs a bare `node -e 0` start (medians, interleaved);
 * - a burst of 500 concurrent cold invocations: all served?, wall time, memory of the emulator + environments.
 *
 * Environment: COLDPROBE_BENCH_RT (round trips, default 3000), COLDPROBE_BENCH_SECONDS (autocannon, default 5),
 * COLDPROBE_BENCH_COLD (cold samples, default 15), COLDPROBE_BENCH_BURST (default 500).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BenchResult, type BenchRow, median } from './lib.js';
import { memAvailableMb, treeMemory, treePids } from './proc-tree.js';

const ROUND_TRIPS = Number(process.env.COLDPROBE_BENCH_RT ?? 3000);
const SECONDS = Number(process.env.COLDPROBE_BENCH_SECONDS ?? 5);
const COLD_SAMPLES = Number(process.env.COLDPROBE_BENCH_COLD ?? 15);
const BURST = Number(process.env.COLDPROBE_BENCH_BURST ?? 500);
const CONNECTIONS = 32;
/** --max-old-space-size the emulator gives a 128 MB node function (90 % of its memory, as supervisor.ts). */
const NOOP_HEAP_MB = Math.floor(128 * 0.9);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/main.js');
const SAMPLES = join(ROOT, 'profiles/functions');
const INVOKE = (name: string): string => `/2015-03-31/functions/${name}/invocations`;

const ECHO_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
process.on('SIGINT', () => server.close(() => process.exit(0)));
`;

interface Server {
  endpoint: string;
  child: ChildProcess;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export async function run(): Promise<BenchResult[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'coldprobe-bench-emulator-'));
  const functionsDir = writeNoopFunctions(scratch, COLD_SAMPLES + 1);
  const echo = await startServer(process.execPath, ['-e', ECHO_SERVER], /^(http:\/\/\S+)$/);
  const emulator = await startServer(
    process.execPath,
    [CLI, 'emulator', '--port', '0', '--functions', SAMPLES, '--functions', functionsDir, '--idle-ttl', '10m', '--account-concurrency', '1000'],
    /listening on (http:\/\/\S+)/,
  );
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    // 1. Warm round trip, sequential, one keep-alive socket, same loop for both.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await invoke(agent, emulator.endpoint, INVOKE('node-hello'), '{}'); // cold start, not measured
    const emuRt = await roundTrips(agent, emulator.endpoint, INVOKE('node-hello'));
    const echoRt = await roundTrips(agent, echo.endpoint, INVOKE('node-hello'));
    const tailRt = await roundTrips(agent, emulator.endpoint, INVOKE('node-hello'), { 'x-amz-log-type': 'Tail' });
    agent.destroy();
    rows.push(
      { metric: 'warm round trip p50 (node-hello)', value: emuRt.p50, unit: 'ms', reference: echoRt.p50, goal: '< 0.5 ms', pass: emuRt.p50 < 0.5 },
      { metric: 'warm round trip p99 (node-hello)', value: emuRt.p99, unit: 'ms', reference: echoRt.p99 },
      { metric: 'warm round trip p50 / p99, LogType Tail', value: `${tailRt.p50.toFixed(3)} / ${tailRt.p99.toFixed(2)}`, unit: 'ms' },
    );
    // Without a tail the response leaves at the runtime's POST, so a client this fast can find the environment
    // still busy (before its next /next) and start another one, as it would on Lambda if it were that fast.
    notes.push(`warm round trips: environments used ${emuRt.envs} without a tail, ${tailRt.envs} with one (${ROUND_TRIPS} sequential invokes each)`);

    // 2. Warm throughput: 32 environments first, then the same autocannon load on both servers.
    const warmAgent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    // 32 overlapping invokes that hold their environment 1 s: exactly 32 environments, then all warm.
    await Promise.all(Array.from({ length: CONNECTIONS }, () => invoke(warmAgent, emulator.endpoint, INVOKE('warm-noop'), '{"holdMs":1000}')));
    warmAgent.destroy();
    const envsBefore = treePids(emulator.child.pid as number).length - 1; // every function's environments
    const emuRps = await cannon(emulator.endpoint, INVOKE('warm-noop'), '{}');
    const envsAfter = treePids(emulator.child.pid as number).length - 1;
    const echoRps = await cannon(echo.endpoint, INVOKE('warm-noop'), '{}');
    const ratio = emuRps.rps / echoRps.rps;
    rows.push(
      { metric: `warm throughput, ${CONNECTIONS} connections (no-op node)`, value: emuRps.rps, unit: 'req/s', reference: echoRps.rps },
      { metric: 'throughput ratio emulator / echo', value: ratio, unit: 'x', goal: '>= 0.333', pass: ratio >= 1 / 3 },
    );
    notes.push(`autocannon ${SECONDS}s x ${CONNECTIONS} connections; emulator errors ${emuRps.errors}, non-2xx ${emuRps.non2xx}; `
      + `environments alive before/after the emulator run: ${envsBefore}/${envsAfter} (all functions)`);

    // 3. Cold start: Init Duration of a fresh no-op function vs a bare `node -e 0`, interleaved.
    const initMs: number[] = [];
    const nodeMs: number[] = [];
    const firstOutputMs: number[] = [];
    const firstRequestMs: number[] = [];
    const firstRequestHeapMs: number[] = [];
    const initCjsMs: number[] = [];
    const coldAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const timer = startNodeStartTimer();
    for (let i = 1; i <= COLD_SAMPLES; i += 1) {
      nodeMs.push(await timer.measure('exit'));
      firstOutputMs.push(await timer.measure('first-output'));
      firstRequestMs.push(await timer.measure('first-request'));
      firstRequestHeapMs.push(await timer.measure('first-request-heap'));
      const reply = await invoke(coldAgent, emulator.endpoint, INVOKE(`noop-${i}`), '{}', { 'x-amz-log-type': 'Tail' });
      const init = initDuration(reply);
      if (init !== undefined) initMs.push(init);
      const cjsReply = await invoke(coldAgent, emulator.endpoint, INVOKE(`noop-cjs-${i}`), '{}', { 'x-amz-log-type': 'Tail' });
      const cjsInit = initDuration(cjsReply);
      if (cjsInit !== undefined) initCjsMs.push(cjsInit);
    }
    coldAgent.destroy();
    timer.close();
    const initMedian = median(initMs);
    const nodeMedian = median(nodeMs);
    rows.push({
      metric: `cold Init Duration, no-op node (median of ${initMs.length})`,
      value: initMedian,
      unit: 'ms',
      reference: nodeMedian,
      goal: 'within 15 ms of node -e 0',
      pass: initMs.length === COLD_SAMPLES && initMedian - nodeMedian <= 15,
    });
    rows.push(
      { metric: `cold Init Duration, same no-op as CommonJS (median of ${initCjsMs.length})`, value: median(initCjsMs), unit: 'ms', reference: nodeMedian },
      { metric: 'cold reference: bare node start → first output', value: median(firstOutputMs), unit: 'ms' },
      { metric: 'cold reference: bare node start → first HTTP request', value: median(firstRequestMs), unit: 'ms' },
      { metric: `cold reference: same, with the runtime's --max-old-space-size=${NOOP_HEAP_MB}`, value: median(firstRequestHeapMs), unit: 'ms' },
    );
    notes.push(`cold: reference is spawn→exit of \`node -e 0\` timed by a small helper node process, bare environment (median of ${nodeMs.length}); Init Duration is the emulator's REPORT value (spawn→first /next), samples interleaved`);

    // 4. A burst of cold invocations of a fresh no-op function: every one starts an environment.
    const burst = await coldBurst(emulator, BURST);
    rows.push(
      { metric: `burst of ${BURST} cold invocations: served`, value: burst.served, unit: 'invocations', goal: `= ${BURST}`, pass: burst.served === BURST },
      { metric: 'burst: cold (Init Duration present)', value: burst.cold, unit: 'invocations' },
      { metric: 'burst: wall time', value: burst.wallMs, unit: 'ms' },
      { metric: 'burst: client latency p50 / max', value: `${burst.p50Ms.toFixed(0)} / ${burst.maxMs.toFixed(0)}`, unit: 'ms' },
      { metric: 'burst: peak memory, emulator + envs (sum of VmHWM)', value: burst.memory.peakRssMb, unit: 'MB' },
      { metric: 'burst: memory after, RSS / PSS', value: `${burst.memory.rssMb.toFixed(0)} / ${burst.memory.pssMb?.toFixed(0) ?? '?'}`, unit: 'MB' },
      { metric: 'burst: system MemAvailable drop (noisy: shared machine)', value: burst.memAvailableDropMb, unit: 'MB' },
    );
    notes.push(`burst: ${burst.memory.processes - 1} environments alive after; errors: ${burst.errors.join(', ') || 'none'}; `
      + 'PSS splits shared pages (node binary, libraries) between environments, RSS counts them in each');
  } finally {
    await stop(emulator);
    await stop(echo);
    rmSync(scratch, { recursive: true, force: true });
  }
  return [{ name: 'emulator', rows, notes }];
}

/**
 * `count` no-op node functions `noop-1..count` (ES modules) and `noop-cjs-1..count` (CommonJS), plus `burst-noop`
 * and `warm-noop`, each a fresh function so its first invoke is cold.
 */
function writeNoopFunctions(scratch: string, count: number): string {
  const dir = join(scratch, 'functions');
  const names = [...Array.from({ length: count }, (_, i) => `noop-${i + 1}`), 'burst-noop', 'warm-noop'];
  for (let i = 1; i <= count; i += 1) {
    // The same no-op as CommonJS (app.js, no package.json type): a node function that needs no ESM loader.
    const name = `noop-cjs-${i}`;
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'app.js'), 'exports.handler = async () => null;\n');
    writeFileSync(join(dir, name, 'function.json'), JSON.stringify({ runtime: 'nodejs20.x', handler: 'app.handler', memoryMb: 128, timeoutS: 30, description: 'no-op, CommonJS' }));
  }
  for (const name of names) {
    mkdirSync(join(dir, name), { recursive: true });
    // `holdMs` only lets the bench hold environments busy while it warms them; `{}` is a no-op.
    writeFileSync(join(dir, name, 'index.mjs'),
      'export const handler = async (e) => { if (e && e.holdMs) await new Promise((r) => setTimeout(r, e.holdMs)); return null; };\n');
    writeFileSync(join(dir, name, 'function.json'), JSON.stringify({ runtime: 'nodejs20.x', handler: 'index.handler', memoryMb: 128, timeoutS: 30, description: 'no-op' }));
  }
  return dir;
}

async function startServer(command: string, args: string[], ready: RegExp): Promise<Server> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const match = ready.exec(line);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ').slice(0, 80)} exited with ${code}`)));
  });
  lines.on('line', () => {}); // keep draining the banner
  return { endpoint, child };
}

/** Ctrl-C, as a user stops it; SIGKILL only if it does not stop within 30 s. */
async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
  server.child.kill('SIGINT');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

function invoke(agent: http.Agent, endpoint: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${endpoint}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function roundTrips(agent: http.Agent, endpoint: string, path: string, headers: Record<string, string> = {}): Promise<{ p50: number; p99: number; envs: number }> {
  const warmup = Math.max(100, Math.floor(ROUND_TRIPS / 10));
  for (let i = 0; i < warmup; i += 1) await invoke(agent, endpoint, path, '{}', headers);
  const samples: number[] = [];
  const envs = new Set<string>();
  for (let i = 0; i < ROUND_TRIPS; i += 1) {
    const start = performance.now();
    const reply = await invoke(agent, endpoint, path, '{}', headers);
    samples.push(performance.now() - start);
    if (reply.status !== 200) throw new Error(`round trip got HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
    envs.add(String(reply.headers['x-coldprobe-env-id'] ?? 'none'));
  }
  samples.sort((a, b) => a - b);
  return { p50: median(samples), p99: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] ?? 0, envs: envs.size };
}

async function cannon(endpoint: string, path: string, body: string): Promise<{ rps: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    url: `${endpoint}${path}`,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    connections: CONNECTIONS,
    pipelining: 1,
    duration: SECONDS,
  });
  return { rps: result.requests.average, errors: result.errors, non2xx: result.non2xx };
}

/**
 * A small node process that times `node -e 0` (spawn → exit) on request: one line in, one number (ms) out.
 * It spawns from a process about as small as the emulator rather than from this bench process, whose larger
 * heap would make every spawn slower and flatter the comparison.
 */
const NODE_START_TIMER = `
const { spawn } = require('node:child_process');
const { createInterface } = require('node:readline');
// A bare environment, as the emulator gives its runtimes: an inherited NODE_EXTRA_CA_CERTS alone adds ~75 ms
// to every node start on this machine, which would flatter the emulator.
const env = { PATH: process.env.PATH };
createInterface({ input: process.stdin }).on('line', (mode) => {
  const start = performance.now();
  if (mode === 'exit') {
    spawn(process.execPath, ['-e', '0'], { stdio: 'ignore', env }).once('exit', () => console.log(performance.now() - start));
  } else if (mode === 'first-output') {
    const child = spawn(process.execPath, ['-e', 'process.stdout.write("x")'], { stdio: ['ignore', 'pipe', 'ignore'], env });
    child.stdout.once('data', () => console.log(performance.now() - start));
  } else {
    // What every runtime must do before it can count as initialised: one HTTP request (its first /next).
    // 'first-request-heap' adds the heap cap the emulator (like Lambda's node runtime) gives a 128 MB function:
    // any V8 flag changes V8's flag hash, so node's built-in code cache is rejected and its modules compile.
    const flags = mode === 'first-request-heap' ? ['--max-old-space-size=${NOOP_HEAP_MB}'] : [];
    const server = require('node:http').createServer((req, res) => {
      console.log(performance.now() - start);
      res.end();
      server.close();
      child.kill('SIGKILL');
    });
    let child;
    server.listen(0, '127.0.0.1', () => {
      const url = 'http://127.0.0.1:' + server.address().port + '/';
      child = spawn(process.execPath, [...flags, '-e', 'require("node:http").get(' + JSON.stringify(url) + ')'], { stdio: 'ignore', env });
    });
  }
});
`;

interface NodeStartTimer {
  /**
   * `exit`: spawn → exit of `node -e 0`; `first-output`: spawn → first byte a node process writes (user code ran);
   * `first-request`: spawn → arrival of the first HTTP request a bare node process sends (a runtime's minimum);
   * `first-request-heap`: the same with the heap flag the emulator passes for the no-op functions' 128 MB.
   */
  measure(mode: 'exit' | 'first-output' | 'first-request' | 'first-request-heap'): Promise<number>;
  close(): void;
}

function startNodeStartTimer(): NodeStartTimer {
  const child = spawn(process.execPath, ['-e', NODE_START_TIMER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: Array<(ms: number) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(Number(line)));
  return {
    measure: (mode) => new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin?.write(`${mode}\n`);
    }),
    close: () => child.stdin?.end(),
  };
}

function initDuration(reply: Reply): number | undefined {
  const log = reply.headers['x-amz-log-result'];
  if (typeof log !== 'string') return undefined;
  const match = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(log, 'base64').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

async function coldBurst(emulator: Server, n: number): Promise<{
  served: number;
  cold: number;
  wallMs: number;
  p50Ms: number;
  maxMs: number;
  errors: string[];
  memory: ReturnType<typeof treeMemory>;
  memAvailableDropMb: number;
}> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let served = 0;
  let cold = 0;
  const availableBefore = memAvailableMb();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: n }, async () => {
      const t0 = performance.now();
      try {
        const reply = await invoke(agent, emulator.endpoint, INVOKE('burst-noop'), '{}', { 'x-amz-log-type': 'Tail' });
        latencies.push(performance.now() - t0);
        const failure = reply.status !== 200 ? `HTTP ${reply.status} ${String(reply.headers['x-amzn-errortype'])}` : reply.headers['x-amz-function-error'];
        if (failure === undefined) served += 1;
        else errors.set(String(failure), (errors.get(String(failure)) ?? 0) + 1);
        if (initDuration(reply) !== undefined) cold += 1;
      } catch (error) {
        const key = error instanceof Error ? error.message : String(error);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }),
  );
  const wallMs = performance.now() - start;
  agent.destroy();
  // Every environment is still alive (idle TTL 10 min), so each one's VmHWM is still readable.
  const memory = treeMemory(emulator.child.pid as number);
  const memAvailableDropMb = availableBefore - memAvailableMb();
  latencies.sort((a, b) => a - b);
  return {
    served,
    cold,
    wallMs,
    p50Ms: latencies.length > 0 ? median(latencies) : 0,
    maxMs: latencies[latencies.length - 1] ?? 0,
    errors: [...errors].map(([k, v]) => `${k} x${v}`),
    memory,
    memAvailableDropMb,
  };
}
