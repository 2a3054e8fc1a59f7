import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Text } from 'ink';
import { LogLine } from '../../src/ui/ink/LogLine.js';
import { counterLines, headerLine, histogramLines, latencyLines, liveLines, progressLine, statusLine, timeAxis, timelineLines } from '../../src/ui/lines.js';
import { createUiStore, type UiSnapshot } from '../../src/ui/store.js';
import { layoutTimeline } from '../../src/ui/timeline-layout.js';
import { startTui } from '../../src/ui/tui.js';
import { chooseView, wantsTui } from '../../src/ui/view.js';
import type { RunEvent } from '../../src/core/events.js';
import { burstRun, cell } from './ui-events.js';

// ink reads CI once, when it loads, and then draws no live frames (only <Static> output). CI runs this suite
// with CI=true, so clear it before the imports are evaluated and put it back afterwards.
const savedCi = vi.hoisted(() => {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  return saved;
});
afterAll(() => {
  for (const [key, value] of Object.entries(savedCi)) if (value !== undefined) process.env[key] = value;
});

function snapshotOf(events: RunEvent[], nowUs?: number): UiSnapshot {
  const store = createUiStore();
  for (const e of events) store.dispatch(e);
  return store.snapshot(nowUs);
}

/** What the TUI hands ink: one Text of finished lines. */
function Lines({ lines }: { lines: readonly string[] }): React.JSX.Element {
  return <Text>{lines.join('\n')}</Text>;
}

function frame(lastFrame: () => string | undefined): string {
  return stripVTControlCharacters(lastFrame() ?? '');
}

const mid = burstRun({ n: 30, waves: 2, throttledPerWave: 2 });
// Everything up to the middle of wave 2: wave 1 finished, wave 2 half done.
const midRun = mid.slice(0, mid.findIndex((e) => e.type === 'burst-start' && e.burst === 1) + 2 + 14);

describe('ink components', () => {
  it('Header shows target, function, runtime, memory, burst size, wave k of K and elapsed time', () => {
    const { lastFrame } = render(<Lines lines={[headerLine(snapshotOf(midRun, 3_250_000).header, Number.POSITIVE_INFINITY)]} />);
    expect(frame(lastFrame)).toBe('coldprobe emulator · node-sleep · nodejs20.x · 128 MB · n=30 · wave 2/2 · 3s');
  });

  it('Progress shows done over planned, sent and in flight', () => {
    const { lastFrame } = render(<Lines lines={[progressLine({ planned: 60, sent: 60, inFlight: 16, done: 44 }, 80)]} />);
    const text = frame(lastFrame);
    expect(text).toContain('done 44/60 · sent 60 · in flight 16');
    expect(text.length).toBeLessThanOrEqual(80);
    expect(text).toMatch(/^\[#+=+-*\]/);
  });

  it('Counters name throttle reasons and error types only when there are some', () => {
    const quiet = render(<Lines lines={counterLines({ cold: 3, preInitialized: 0, warm: 2, unknown: 0, throttled: 0, throttlesByReason: [], errors: 0, errorsByType: [], interrupted: 0 }, Number.POSITIVE_INFINITY)} />);
    expect(frame(quiet.lastFrame)).toBe('cold 3  warm 2  unknown 0  throttled 0  errors 0');
    // Invocations given up at Ctrl-C are counted apart from errors, and only shown when there are some.
    const stopped = render(<Lines lines={counterLines({ cold: 3, preInitialized: 0, warm: 0, unknown: 2, throttled: 0, throttlesByReason: [], errors: 0, errorsByType: [], interrupted: 2 }, Number.POSITIVE_INFINITY)} />);
    expect(frame(stopped.lastFrame)).toBe('cold 3  warm 0  unknown 2  throttled 0  errors 0  interrupted 2');
    const busy = render(
      <Lines lines={counterLines({ cold: 3, preInitialized: 0, warm: 2, unknown: 1, throttled: 4, throttlesByReason: [['ReservedFunctionConcurrentInvocationLimitExceeded', 4]], errors: 1, errorsByType: [['Unhandled', 1]], interrupted: 0 }, Number.POSITIVE_INFINITY)} />,
    );
    expect(frame(busy.lastFrame).split('\n')[1]).toBe('throttled: ReservedFunctionConcurrentInvocationLimitExceeded 4 · errors: Unhandled 1');
  });

  it('Counters show pre-initialized invocations apart from cold and warm when there are some', () => {
    const pre = render(<Lines lines={counterLines({ cold: 1, preInitialized: 4, warm: 2, unknown: 0, throttled: 0, throttlesByReason: [], errors: 0, errorsByType: [], interrupted: 0 }, Number.POSITIVE_INFINITY)} />);
    expect(frame(pre.lastFrame)).toBe('cold 1  pre-initialized 4  warm 2  unknown 0  throttled 0  errors 0');
  });

  it('Latency prints percentiles per class and dashes when a class has none', () => {
    const { lastFrame } = render(
      <Lines lines={latencyLines({ cold: { count: 2, p50Us: 250_000, p90Us: 260_000, p99Us: 261_000, maxUs: 261_500 }, warm: { count: 0, p50Us: 0, p90Us: 0, p99Us: 0, maxUs: 0 } }, Number.POSITIVE_INFINITY)} />,
    );
    const lines = frame(lastFrame).split('\n');
    expect(lines[1]).toMatch(/^cold\s+250ms\s+260ms\s+261ms\s+262ms\s+2$/);
    expect(lines[2]).toMatch(/^warm\s+-\s+-\s+-\s+-\s+0$/);
  });

  it('Histogram waits for responses, then draws cold and warm rows between two edges', () => {
    const empty = render(<Lines lines={histogramLines({ edgesUs: [], cold: [], warm: [] }, 80)} />);
    expect(frame(empty.lastFrame)).toContain('waiting for responses');
    const snap = snapshotOf(midRun);
    const { lastFrame } = render(<Lines lines={histogramLines(snap.histogram, 80)} />);
    const [cold, warm, axis] = frame(lastFrame).split('\n');
    expect(cold).toMatch(/^hist cold│.*█.*│$/);
    expect(warm).toMatch(/^ {5}warm│.*[▁▂▃▄▅▆▇█].*│$/);
    // Decade edges: the range is whole decades and only grows (see the live histogram's test).
    expect(axis).toMatch(/^ +10ms +100ms +1s$/);
  });

  it('Timeline draws lanes with a legend, and says when environment ids are unknown', () => {
    const lanes = render(<Lines lines={timelineLines(layoutTimeline(snapshotOf(midRun).timeline, 60, 40), Number.POSITIVE_INFINITY)} />);
    const text = frame(lanes.lastFrame);
    expect(text).toContain('environments 28');
    expect(text).toMatch(/#1 +#+=+ +=+$/m);
    expect(text).toMatch(/throttled x/);
    const aws = render(<Lines lines={timelineLines(layoutTimeline(snapshotOf(burstRun({ n: 5, waves: 1, withEnv: false, targetKind: 'aws' })).timeline, 60, 10), Number.POSITIVE_INFINITY)} />);
    const awsText = frame(aws.lastFrame);
    expect(awsText).toContain('no env ids from this target (Lambda does not name them): in flight, cold starts');
    expect(awsText).toContain('in flight');
    expect(awsText).not.toContain('#1');
  });

  it('Timeline counts the environments that do not fit', () => {
    const snap = snapshotOf(burstRun({ n: 300, waves: 1 }));
    const { lastFrame } = render(<Lines lines={timelineLines(layoutTimeline(snap.timeline, 60, 5), Number.POSITIVE_INFINITY)} />);
    expect(frame(lastFrame)).toContain(`… ${300 - 5 * 16} more environments not shown (of 300)`);
  });

  it('Header says cell k of N in a run of several cells; the status line says what the run is doing', () => {
    const other = { ...cell, id: 'b', label: 'b', memoryMb: 512 };
    const events: RunEvent[] = [
      { type: 'run-start', atUs: 0, wallClock: '2026-12-01T00:00:00.000Z', targetKind: 'emulator', cells: [cell, other] },
      { type: 'cell-start', atUs: 10, cell },
      { type: 'cell-end', atUs: 20, cell: cell.id },
      { type: 'cell-start', atUs: 30, cell: other },
      { type: 'burst-start', atUs: 40, cell: 'b', burst: 0, n: 500, waves: 1 },
    ];
    const snap = snapshotOf(events);
    expect(stripVTControlCharacters(headerLine(snap.header, 200))).toContain('emulator · cell 2 of 2 · node-sleep · nodejs20.x · 512 MB · n=500');
    expect(stripVTControlCharacters(statusLine(snap.header, snap.progress, 200))).toBe('preparing 500 invocations: opening connections, signing requests…');
    // Before the run starts the view already says what it waits for; a one-cell run has no cell count.
    const waiting = createUiStore().snapshot();
    expect(stripVTControlCharacters(statusLine(waiting.header, waiting.progress, 80))).toMatch(/^starting/);
    expect(stripVTControlCharacters(headerLine(snapshotOf(midRun).header, 200))).not.toContain('cell ');
    // While stopping it says what it waits for, and how to quit at once.
    expect(stripVTControlCharacters(statusLine(snap.header, { planned: 500, sent: 500, inFlight: 12, done: 488 }, 80, true))).toBe(
      'stopping… waiting for 12 in flight (then interrupted) · Ctrl-C again: quit now',
    );
  });

  it('Timeline has a time axis: run time under the columns, labels in order and inside the width', () => {
    const axis = timeAxis(0, 10_000_000, 60);
    expect(axis.startsWith('0s')).toBe(true);
    expect(axis.length).toBeLessThanOrEqual(60);
    const labels = axis.trim().split(/ +/);
    expect(labels.length).toBeGreaterThanOrEqual(4);
    // 10 s over 60 columns: a label every 2 s, at the column that time falls on.
    expect(labels.slice(0, 3)).toEqual(['0s', '2s', '4s']);
    expect(axis.indexOf('2s')).toBe(12);
    const snap = snapshotOf(midRun, 3_000_000);
    const text = frame(render(<Lines lines={liveLines({ snapshot: snap, columns: 80, rows: 24 })} />).lastFrame);
    expect(text).toMatch(/^ *time 0s +\S+/m);
  });

  it('LogLine formats a finished burst', () => {
    const log = snapshotOf(mid).log[0];
    if (!log) throw new Error('no log line');
    expect(frame(render(<LogLine line={log} />).lastFrame)).toBe('burst 1/2: 30 sent · cold 28 · warm 0 · throttled 2 · release spread 2ms');
  });

  it('LiveView fits everything essential in 80×24', () => {
    for (const events of [midRun, burstRun({ n: 300, waves: 2, throttledPerWave: 5 })]) {
      const { lastFrame } = render(<Lines lines={liveLines({ snapshot: snapshotOf(events), columns: 80, rows: 24 })} />);
      const lines = frame(lastFrame).split('\n');
      expect(lines.length).toBeLessThanOrEqual(23);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
      const text = lines.join('\n');
      for (const essential of ['coldprobe', 'done', 'cold', 'warm', 'throttled', 'p99', 'environments']) expect(text).toContain(essential);
    }
  });

  it('LiveView re-lays out for a bigger terminal: more lanes shown unfolded', () => {
    const snap = snapshotOf(burstRun({ n: 40, waves: 1 }));
    const small = frame(render(<Lines lines={liveLines({ snapshot: snap, columns: 80, rows: 24 })} />).lastFrame);
    const big = frame(render(<Lines lines={liveLines({ snapshot: snap, columns: 120, rows: 60 })} />).lastFrame);
    expect(small).toMatch(/per row/);
    expect(big).not.toMatch(/per row/);
    expect(big.split('\n').length).toBeGreaterThan(small.split('\n').length);
    expect(Math.max(...big.split('\n').map((l) => l.length))).toBeGreaterThan(80);
  });
});

/** A terminal-like output stream that keeps what is written. */
class FakeTty extends Writable {
  isTTY = true;
  columns = 80;
  rows = 24;
  output = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.output += chunk.toString();
    done();
  }
}

/** Keyboard input the way ink reads it (readable + read()). */
class FakeKeys extends EventEmitter {
  isTTY = true;
  private pending: string | null = null;
  press(data: string): void {
    this.pending = data;
    this.emit('readable');
  }
  read = (): string | null => {
    const data = this.pending;
    this.pending = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/**
 * The TUI's clock is faked (its frame timer, performance.now and ink's own throttle), so these tests take no
 * real time and do not depend on the machine's load: `sleep` moves the fake clock, then lets React's work,
 * which node schedules with setImmediate (left real), run.
 */
const sleep = async (ms: number): Promise<void> => {
  // In 10 ms steps, as a real event loop interleaves timers with React's setImmediate work.
  for (let left = ms; left > 0; left -= 10) {
    await vi.advanceTimersByTimeAsync(Math.min(10, left));
    await new Promise<void>((r) => setImmediate(r));
  }
};
/** The faked wall clock stands in for the TUI's monotonic one. */
const fakeNow = (): number => Date.now();
const FAKED: Parameters<typeof vi.useFakeTimers>[0] = { toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] };

describe('startTui', () => {
  const open: Array<() => Promise<void>> = [];
  beforeEach(() => {
    vi.useFakeTimers(FAKED);
  });
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
    vi.useRealTimers();
  });

  it('draws frames from events, routes q and Ctrl-C to the interrupt, and ends with the final text', async () => {
    const stdout = new FakeTty();
    const stdin = new FakeKeys();
    const interrupts: string[] = [];
    const tui = startTui({ stdout, stderr: new FakeTty(), stdin: stdin as unknown as NodeJS.ReadStream, requestInterrupt: (by) => interrupts.push(by ?? 'cli') }, { fps: 15, now: fakeNow });
    open.push(() => tui.finish(''));
    for (const e of midRun) tui.sink(e);
    // A burst's preparation is drawn at once (frames are held back while it runs); the rest within the frame budget.
    expect(stripVTControlCharacters(stdout.output)).toContain('preparing 30 invocations');
    await sleep(1100);
    const live = stripVTControlCharacters(stdout.output);
    expect(live).toContain('wave 2/2');
    expect(live).toContain('burst 1/2: 30 sent');
    const before = stdout.output.length;
    stdin.press('q');
    // "stopping…" is drawn at once, not at the next paced frame, and the CLI is told the view shows it.
    await new Promise<void>((r) => setImmediate(r));
    expect(stripVTControlCharacters(stdout.output.slice(before))).toMatch(/stopping… waiting for \d+ in flight \(then interrupted\)/);
    stdin.press('\u0003');
    await sleep(50);
    expect(interrupts).toEqual(['view', 'view']);
    await tui.finish('FINAL SUMMARY', 'results/x.json');
    const all = stripVTControlCharacters(stdout.output);
    expect(all).toContain('FINAL SUMMARY');
    expect(all).toContain('results: results/x.json');
    // The final text comes after the last live frame.
    expect(all.lastIndexOf('FINAL SUMMARY')).toBeGreaterThan(all.lastIndexOf('in flight'));
  });

  it('ignores q once the run has ended (nothing left to stop) but still passes Ctrl-C on', async () => {
    const stdin = new FakeKeys();
    const interrupts: string[] = [];
    const tui = startTui({ stdout: new FakeTty(), stderr: new FakeTty(), stdin: stdin as unknown as NodeJS.ReadStream, requestInterrupt: () => interrupts.push('x') }, { now: fakeNow });
    open.push(() => tui.finish(''));
    for (const e of mid) tui.sink(e);
    await sleep(50);
    stdin.press('q');
    await sleep(20);
    expect(interrupts).toHaveLength(0);
    stdin.press('\u0003');
    await sleep(20);
    expect(interrupts).toHaveLength(1);
  });

  it('never renders once per event: frames stay bounded by the frame rate', async () => {
    const stdout = new FakeTty();
    let writes = 0;
    const origWrite = stdout.write.bind(stdout);
    stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      writes += 1;
      return origWrite(chunk, ...rest);
    }) as typeof stdout.write;
    const tui = startTui({ stdout, stderr: new FakeTty(), stdin: new FakeKeys() as unknown as NodeJS.ReadStream, requestInterrupt: () => undefined }, { fps: 10, now: fakeNow });
    open.push(() => tui.finish(''));
    const events = burstRun({ n: 500, waves: 2 });
    for (const e of events) tui.sink(e);
    await sleep(250);
    await tui.finish('done');
    expect(events.length).toBeGreaterThan(1000);
    // ~250 ms at 10 fps is a handful of frames (plus the first and final ones), nowhere near one per event.
    expect(writes).toBeLessThan(20);
  });
});

describe('startTui frame pacing', () => {
  beforeEach(() => {
    vi.useFakeTimers(FAKED);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  it('holds frames while a burst is being released, and draws about once a second when nothing happens', async () => {
    const stdout = new FakeTty();
    let writes = 0;
    const origWrite = stdout.write.bind(stdout);
    stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      writes += 1;
      return origWrite(chunk, ...rest);
    }) as typeof stdout.write;
    const tui = startTui({ stdout, stderr: new FakeTty(), stdin: new FakeKeys() as unknown as NodeJS.ReadStream, requestInterrupt: () => undefined }, { fps: 15, now: fakeNow });
    try {
      const events = burstRun({ n: 5, waves: 1 });
      const released = events.findIndex((e) => e.type === 'burst-released');
      for (const e of events.slice(0, released)) tui.sink(e);
      await sleep(50);
      const atBurstStart = writes;
      await sleep(400);
      // Six frame ticks passed with fresh events, but the burst had not been released: no frame.
      expect(writes).toBe(atBurstStart);
      for (const e of events.slice(released, -2)) tui.sink(e);
      await sleep(400);
      expect(writes).toBeGreaterThan(atBurstStart);
      const idleFrom = writes;
      await sleep(1500);
      // 1.5 s without events at 15 fps would be ~22 frames; idle pacing draws one or two.
      expect(writes - idleFrom).toBeGreaterThanOrEqual(1);
      expect(writes - idleFrom).toBeLessThanOrEqual(4);
    } finally {
      await tui.finish('');
    }
  });
});

describe('startTui resize', () => {
  beforeEach(() => {
    vi.useFakeTimers(FAKED);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  it('re-lays out at once when the terminal is resized', async () => {
    const stdout = new FakeTty();
    const tui = startTui({ stdout, stderr: new FakeTty(), stdin: new FakeKeys() as unknown as NodeJS.ReadStream, requestInterrupt: () => undefined }, { fps: 1, now: fakeNow });
    try {
      for (const e of burstRun({ n: 40, waves: 1 }).slice(0, -2)) tui.sink(e);
      await sleep(1100);
      expect(stripVTControlCharacters(stdout.output)).toMatch(/environments 40, \d+ per row/);
      const before = stdout.output.length;
      stdout.rows = 60;
      stdout.columns = 120;
      stdout.emit('resize');
      await sleep(100);
      // Well before the next 1 fps tick: the resize itself drew a frame with one lane per row.
      const after = stripVTControlCharacters(stdout.output.slice(before));
      expect(after).toMatch(/environments 40 {2}#/);
      expect(after).toMatch(/#40 /);
    } finally {
      await tui.finish('');
    }
  });
});

describe('startTui colour', () => {
  beforeEach(() => {
    vi.useFakeTimers(FAKED);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  it('draws colour by default and none at all when colour is off (NO_COLOR, --no-color)', async () => {
    const saved = chalk.level;
    const draw = async (color: boolean): Promise<string> => {
      const stdout = new FakeTty();
      const tui = startTui({ stdout, stderr: new FakeTty(), stdin: new FakeKeys() as unknown as NodeJS.ReadStream, requestInterrupt: () => undefined }, { color, now: fakeNow });
      for (const e of midRun) tui.sink(e);
      await sleep(150);
      await tui.finish('done');
      return stdout.output;
    };
    try {
      chalk.level = 1;
      // SGR colour codes: 30-37 foreground, 2 dim.
      expect(await draw(true)).toMatch(/\u001b\[(3[0-7]|2)m/);
      chalk.level = 1;
      expect(await draw(false)).not.toMatch(/\u001b\[(3[0-7]|2)m/);
    } finally {
      chalk.level = saved;
    }
  });
});

describe('chooseView', () => {
  const io = (isTTY: boolean, env: NodeJS.ProcessEnv = {}) => {
    const stdout = Object.assign(new FakeTty(), { isTTY });
    const stderr = Object.assign(new FakeTty(), { isTTY });
    return { stdout, stderr, stdin: new FakeKeys() as unknown as NodeJS.ReadStream, env, requestInterrupt: () => undefined };
  };

  it('runs the TUI only on a terminal without CI, --no-tui or --json', () => {
    expect(wantsTui(io(true), {})).toBe(true);
    expect(wantsTui(io(false), {})).toBe(false);
    expect(wantsTui(io(true, { CI: 'true' }), {})).toBe(false);
    expect(wantsTui(io(true, { CI: '' }), {})).toBe(true);
    expect(wantsTui(io(true), { noTui: true })).toBe(false);
    expect(wantsTui(io(true), { json: true })).toBe(false);
  });

  it('plain output is never silent: a line per burst, then the summary and the results path', async () => {
    const piped = io(false);
    const view = await chooseView(piped, {});
    expect(view.kind).toBe('plain');
    for (const e of burstRun({ n: 5, waves: 2 })) view.sink(e);
    await view.finish('SUMMARY\n', 'results/r.json');
    expect(piped.stdout.output).toMatch(/burst 1\/2/);
    expect(piped.stdout.output).toMatch(/burst 2\/2/);
    expect(piped.stdout.output).toContain('SUMMARY\nresults: results/r.json\n');
  });

  it('with --json keeps stdout for the JSON: the log and the results path go to stderr', async () => {
    const json = io(false);
    const view = await chooseView(json, { json: true });
    for (const e of burstRun({ n: 5, waves: 1 })) view.sink(e);
    await view.finish('SUMMARY', 'results/r.json');
    expect(json.stdout.output).toBe('');
    expect(json.stderr.output).toMatch(/burst 1\/1/);
    expect(json.stderr.output).toContain('results: results/r.json');
  });
});
