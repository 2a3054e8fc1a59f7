/**
 * The live TUI's cost. Three measurements, side by side in one run:
 * 1. a frame (store snapshot + layout + ink render) at 300 environments, in colour (chalk level 2, what a
 *    256-colour terminal gets; the bench's own stdout must not decide), next to ink's floor for the very same
 *    frames: their finished text, computed before timing, in one <Text>; goal: at most that floor + 0.5 ms;
 * 2. the per-event cost of the TUI's sink (store dispatch) against the plain sink, on the same events;
 * 3. the same `coldprobe burst --n 500` against a canned Invoke API in its own process (no function processes,
 *    so the driver's own CPU is what is measured) with the TUI on (into a fake terminal) and with `--no-tui`,
 *    alternated: release spread and driver CPU, goals: at most 5% extra driver CPU, and the view's extra CPU at
 *    most 1% of a core per second of run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, Writable } from 'node:stream';
import type { RunEvent } from '../src/core/events.js';
import { burstRun } from '../test/unit/ui-events.js';
import { startCannedProcess } from './canned-process.js';
import { type BenchResult, type BenchRow, median } from './lib.js';

// What the CLI gets: React's production build (the TUI module selects it before React loads).
import '../src/ui/react-production.js';
// ink reads CI when it loads and then draws no live frames; measure what a user's terminal gets.
for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[key];

/** A terminal that throws its bytes away but counts them. */
class NullTty extends Writable {
  isTTY = true;
  bytes = 0;
  constructor(
    public columns = 100,
    public rows = 30,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.bytes += chunk.length;
    done();
  }
}

async function frameBench(): Promise<BenchRow[]> {
  const React = await import('react');
  const ink = await import('ink');
  const { render, Text } = ink;
  const { createUiStore } = await import('../src/ui/store.js');
  const { liveLines } = await import('../src/ui/lines.js');
  const rows: BenchRow[] = [];
  /** CPU ms per synchronous rerender of frames `el(from + i)`, i < 300, after 50 warm-up frames. */
  const rerenderCpuMs = (el: (i: number) => ReturnType<typeof React.createElement>, columns: number, termRows: number, from: number): number => {
    const instance = render(el(0), {
      stdout: new NullTty(columns, termRows) as unknown as NodeJS.WriteStream,
      stdin: Readable.from([]) as unknown as NodeJS.ReadStream,
      debug: true,
      patchConsole: false,
      exitOnCtrlC: false,
    });
    for (let i = 0; i < 50; i += 1) instance.rerender(el(i));
    const cpu0 = cpuUs();
    for (let i = 0; i < 300; i += 1) instance.rerender(el(from + i));
    const cpuMs = (cpuUs() - cpu0) / 1000 / 300;
    instance.unmount();
    return cpuMs;
  };
  const frameEvents = (envs: number): RunEvent[] =>
    // A cold wave and a warm wave on `envs` environments (plus throttles), still running: no run-end, so the
    // clock moves and every frame builds a fresh snapshot, as the live timer does.
    burstRun({ n: envs, waves: 2, throttledPerWave: Math.ceil(envs / 30) }).slice(0, -2);
  const measure = (envs: number, columns: number, termRows: number): { wallMs: number; cpuMs: number; p90Ms: number; snapMs: number } => {
    const store = createUiStore();
    for (const e of frameEvents(envs)) store.dispatch(e);
    const stdout = new NullTty(columns, termRows);
    const endUs = store.snapshot().header.elapsedUs;
    let snapMs = 0;
    const el = (nowUs: number) => {
      const t = performance.now();
      const snapshot = store.snapshot(nowUs);
      snapMs += performance.now() - t;
      // What the TUI renders: one ink Text of the live region's finished lines.
      return React.createElement(Text, null, liveLines({ snapshot, columns, rows: termRows }).join('\n'));
    };
    // debug mode renders synchronously on every rerender, so the wall time of rerender is the whole frame.
    const instance = render(el(endUs), {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: Readable.from([]) as unknown as NodeJS.ReadStream,
      debug: true,
      patchConsole: false,
      exitOnCtrlC: false,
    });
    for (let i = 0; i < 50; i += 1) instance.rerender(el(endUs + i * 100_000));
    snapMs = 0;
    const frameMs: number[] = [];
    const frames = 300;
    const cpu0 = cpuUs();
    for (let i = 0; i < frames; i += 1) {
      const t0 = performance.now();
      instance.rerender(el(endUs + (50 + i) * 100_000));
      frameMs.push(performance.now() - t0);
    }
    const cpuMs = (cpuUs() - cpu0) / 1000 / frames;
    instance.unmount();
    const sorted = [...frameMs].sort((a, b) => a - b);
    return { wallMs: median(frameMs), cpuMs, p90Ms: sorted[Math.floor(sorted.length * 0.9)] ?? 0, snapMs: snapMs / frames };
  };
  /** ink's own floor: the same screen area filled with distinct plain ASCII lines (ink caches equal lines within a frame), no colour. */
  const bareInk = (columns: number, termRows: number): number => {
    const { Box, Text } = ink;
    const el = (i: number) =>
      React.createElement(
        Box,
        { flexDirection: 'column' },
        ...Array.from({ length: termRows - 1 }, (_, r) => React.createElement(Text, { key: r }, `${r}:${i}:${'x'.repeat(columns)}`.slice(0, columns))),
      );
    return rerenderCpuMs(el, columns, termRows, 0);
  };
  /**
   * ink's floor for exactly the frames `measure` draws at 300 environments: the same finished text (snapshot, layout
   * and lines computed before timing) in one <Text>. No ink view that shows this picture can cost less.
   */
  const inkFloor = (columns: number, termRows: number): number => {
    const store = createUiStore();
    for (const e of frameEvents(300)) store.dispatch(e);
    const endUs = store.snapshot().header.elapsedUs;
    const texts = Array.from({ length: 350 }, (_, i) => liveLines({ snapshot: store.snapshot(endUs + i * 100_000), columns, rows: termRows }).join('\n'));
    const el = (i: number) => React.createElement(ink.Text, null, texts[i]);
    return rerenderCpuMs(el, columns, termRows, 50);
  };
  for (const [columns, termRows] of [
    [80, 24],
    [100, 30],
  ] as const) {
    const few = measure(30, columns, termRows);
    const many = measure(300, columns, termRows);
    const floor = bareInk(columns, termRows);
    const same = inkFloor(columns, termRows);
    rows.push(
      { metric: `frame at 300 envs, ${columns}x${termRows}: wall median`, value: many.wallMs, unit: 'ms' },
      { metric: `  CPU per frame`, value: many.cpuMs, unit: 'ms', reference: same, goal: '≤ ink floor (reference) + 0.5 ms', pass: many.cpuMs <= same + 0.5 },
      { metric: `  reference: ink alone, these frames' text (CPU)`, value: same, unit: 'ms', goal: 'context: floor of any ink view of this picture' },
      { metric: `  reference: bare ink frame, same area (CPU)`, value: floor, unit: 'ms', goal: 'context: ink floor on this machine' },
      { metric: `  wall p90`, value: many.p90Ms, unit: 'ms' },
      { metric: `  of which store.snapshot()`, value: many.snapMs, unit: 'ms' },
      { metric: `  frame 300 envs / frame 30 envs (CPU)`, value: many.cpuMs / few.cpuMs, unit: 'x', reference: few.cpuMs, goal: 'context: cost follows screen area, not envs' },
    );
  }
  return rows;
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function sinkBench(): Promise<BenchRow[]> {
  const { createUiStore } = await import('../src/ui/store.js');
  const { createPlainSink } = await import('../src/ui/plain.js');
  const events: RunEvent[] = burstRun({ n: 500, waves: 20 });
  const records = events.filter((e) => e.type === 'record').length;
  const timeSink = (make: () => (e: RunEvent) => void): number => {
    const samples: number[] = [];
    for (let round = 0; round < 7; round += 1) {
      const sink = make();
      const t0 = performance.now();
      for (const e of events) sink(e);
      samples.push(((performance.now() - t0) * 1000) / records);
    }
    return median(samples);
  };
  const plain = timeSink(() => createPlainSink(() => undefined, { color: false, now: () => performance.now() }));
  const tui = timeSink(() => {
    const store = createUiStore();
    return (e) => store.dispatch(e);
  });
  return [
    { metric: 'sink cost per record: TUI store dispatch', value: tui, unit: 'µs', reference: plain, goal: 'context (plain sink = reference)' },
  ];
}

interface BurstSample {
  spreadUs: number;
  /** Every burst's release spread, µs, in order. */
  spreadsUs: number[];
  cpuPerInvocationUs: number;
  /** Whole run: driver CPU and wall time, ms. */
  cpuMs: number;
  wallMs: number;
}

async function burstOnce(tui: boolean, n: number, dir: string, i: number, endpoint: string): Promise<BurstSample | string> {
  const { main } = await import('../src/cli/main.js');
  const out = join(dir, `r-${tui ? 'tui' : 'plain'}-${i}.json`);
  const stdout = new NullTty(100, 30);
  const stderr = new NullTty();
  const controller = new AbortController();
  // The SDK takes the endpoint and credentials from the environment, as for any AWS account.
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL_LAMBDA: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
  delete env.CI;
  delete env.AWS_PROFILE;
  const args = ['burst', '--target', 'aws', '--function', 'canned', '--n', String(n), '--waves', '2', '--interval', '300ms', '--out', out];
  if (!tui) args.push('--no-tui');
  const cpu0 = cpuUs();
  const t0 = performance.now();
  const code = await main(args, {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env,
    cwd: dir,
    signal: controller.signal,
    requestInterrupt: () => controller.abort(),
  });
  const cpu = cpuUs() - cpu0;
  const wallMs = performance.now() - t0;
  if (code !== 0) return `coldprobe burst exited ${code}`;
  const results = JSON.parse(readFileSync(out, 'utf8')) as { cells: Array<{ bursts: Array<{ releaseSpreadUs: number }>; records: unknown[] }> };
  const bursts = results.cells.flatMap((c) => c.bursts);
  const invocations = results.cells.reduce((a, c) => a + c.records.length, 0);
  return { spreadUs: median(bursts.map((b) => b.releaseSpreadUs)), spreadsUs: bursts.map((b) => b.releaseSpreadUs), cpuPerInvocationUs: cpu / Math.max(1, invocations), cpuMs: cpu / 1000, wallMs };
}

/** Alternated TUI / --no-tui pairs: run-to-run CPU varies by ±10-15% on this shared machine, more than the goal's 5%. */
const PAIRS = 7;

async function burstBench(): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-tui-bench-'));
  const n = 500;
  const canned = await startCannedProcess();
  // burst reads AWS_ENDPOINT_URL_LAMBDA through the SDK's own config chain, which reads process.env.
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL_LAMBDA: canned.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' });
  const on: BurstSample[] = [];
  const off: BurstSample[] = [];
  try {
    // Warm-up of both sides (JIT, function children, and ink, React and Yoga loading on the TUI side, which
    // only the first TUI run would pay), then alternate so drift on a shared machine hits both sides alike.
    for (const tui of [false, true]) {
      const warm = await burstOnce(tui, n, dir, -1, canned.endpoint);
      if (typeof warm === 'string') return { rows: [], notes: [`burst side-by-side skipped: ${warm}`] };
    }
    for (let i = 0; i < PAIRS; i += 1) {
      for (const tui of i % 2 === 0 ? [true, false] : [false, true]) {
        const sample = await burstOnce(tui, n, dir, i, canned.endpoint);
        if (typeof sample === 'string') return { rows: [], notes: [`burst side-by-side stopped: ${sample}`] };
        (tui ? on : off).push(sample);
      }
    }
  } finally {
    for (const key of ['AWS_ENDPOINT_URL_LAMBDA', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    canned.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const spreadOn = median(on.map((s) => s.spreadUs));
  const spreadOff = median(off.map((s) => s.spreadUs));
  const cpuOn = median(on.map((s) => s.cpuPerInvocationUs));
  const cpuOff = median(off.map((s) => s.cpuPerInvocationUs));
  const pairRatio = median(on.map((s, i) => s.cpuPerInvocationUs / (off[i]?.cpuPerInvocationUs ?? Number.NaN)));
  const extraMs = median(on.map((s, i) => s.cpuMs - (off[i]?.cpuMs ?? Number.NaN)));
  // The view's extra CPU as a share of one core over the TUI run's wall time, per pair.
  const coreShare = median(on.map((s, i) => (s.cpuMs - (off[i]?.cpuMs ?? Number.NaN)) / s.wallMs));
  return {
    rows: [
      { metric: `release spread, n=${n}, TUI on (median of ${PAIRS})`, value: spreadOn / 1000, unit: 'ms', reference: spreadOff / 1000, goal: '≤ 1.05 × --no-tui', pass: spreadOn <= spreadOff * 1.05 },
      { metric: `driver CPU per invocation, TUI on (median of ${PAIRS})`, value: cpuOn, unit: 'µs', reference: cpuOff, goal: '≤ 1.05 × --no-tui', pass: cpuOn <= cpuOff * 1.05 },
      { metric: '  ratio TUI / --no-tui, CPU per invocation', value: cpuOn / cpuOff, unit: 'x' },
      // Pairs ran back to back, so their ratio cancels the machine's drift better than a ratio of medians.
      { metric: '  ratio within alternated pairs (median)', value: pairRatio, unit: 'x', goal: '≤ 1.05', pass: pairRatio <= 1.05 },
      { metric: '  TUI extra driver CPU per run (median of pairs)', value: extraMs, unit: 'ms', reference: median(off.map((s) => s.cpuMs)), goal: 'context: reference = --no-tui run' },
      { metric: '  TUI extra CPU per second of run (median of pairs)', value: coreShare * 100, unit: '% of a core', goal: '≤ 1%', pass: coreShare <= 0.01 },
      { metric: '  --no-tui run-to-run CPU, max / min', value: Math.max(...off.map((s) => s.cpuMs)) / Math.min(...off.map((s) => s.cpuMs)), unit: 'x', goal: 'context: noise floor' },
    ],
    notes: [
      `per run, driver CPU ms / wall s: TUI on ${on.map((x) => `${x.cpuMs.toFixed(0)}/${(x.wallMs / 1000).toFixed(1)}`).join(' ')}; --no-tui ${off.map((x) => `${x.cpuMs.toFixed(0)}/${(x.wallMs / 1000).toFixed(1)}`).join(' ')}`,
      `release spreads per run (µs, wave 1/wave 2): TUI on ${on.map((x) => x.spreadsUs.join('/')).join(' ')}; --no-tui ${off.map((x) => x.spreadsUs.join('/')).join(' ')}`,
      `burst side by side: in-process \`coldprobe burst --target aws --function canned --n ${n} --waves 2 --interval 300ms\` against the canned Invoke API (its own process), TUI into a fake 100x30 terminal (colour, chalk level 2) vs --no-tui, alternated, ${PAIRS} each; CPU is the driver process. The TUI's cost is per second of run (frames), the 5% goal's unit per invocation: a short, instant burst is its hardest case.`,
    ],
  };
}

export async function run(): Promise<BenchResult[]> {
  // Frames in colour, as a terminal shows them, in the frame bench and in the TUI side of the burst (ink colours
  // through chalk's default instance, whose level otherwise follows this process's stdout: piping the bench
  // would measure a colourless view).
  const chalk = (await import('chalk')).default;
  const savedLevel = chalk.level;
  chalk.level = 2;
  let frame: BenchRow[];
  let sink: BenchRow[];
  let burst: { rows: BenchRow[]; notes: string[] };
  try {
    frame = await frameBench();
    sink = await sinkBench();
    // TUI_BENCH_FRAMES_ONLY=1 skips the (slow) CLI side-by-side while tuning frames.
    burst = process.env.TUI_BENCH_FRAMES_ONLY ? { rows: [], notes: ['burst side by side skipped (TUI_BENCH_FRAMES_ONLY)'] } : await burstBench();
  } finally {
    chalk.level = savedLevel;
  }
  return [
    {
      name: 'tui: frame render and burst cost (TUI on vs --no-tui)',
      rows: [...frame, ...sink, ...burst.rows],
      notes: ['frame = store.snapshot() + timeline layout + ink render (debug mode, synchronous) of the live view, in colour (chalk level 2), 300 frames after 50 warm-up.', ...burst.notes],
    },
  ];
}
