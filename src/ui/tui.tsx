/**
 * The live terminal UI: owns the ink render. Events go into the store at engine speed; a timer pushes
 * store snapshots to ink at a fixed rate (never one render per event), so the burst path only pays for
 * `dispatch`. When the run ends, the live region is replaced by the final summary text and results path.
 */
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import chalk from 'chalk';
import { Box, render, Static, Text, useInput, type Instance } from 'ink';
import type { EventSink, RunEvent } from '../core/events.js';
import type { RunTally } from '../core/tally.js';
import { liveLines } from './lines.js';
import { LogLine } from './ink/LogLine.js';
import { createUiStore, type LogLine as LogLineModel, type UiSnapshot } from './store.js';

/** What the TUI needs of the process (a subset of the CLI's io, so ui does not depend on cli). */
export interface TuiIo {
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /**
   * First call: stop the run cleanly; second call: exit at once (the CLI implements both). `'view'`: the live
   * view shows the stop itself, so nothing is written beside it (a line written under ink's live region is
   * left behind on the screen when ink redraws).
   */
  requestInterrupt: (shownBy?: 'view') => void;
  /** The run's stop signal: a stop from elsewhere (SIGTERM, SIGHUP) shows as "stopping…" too. */
  signal?: AbortSignal;
}

/** Options of {@link startTui}. */
export interface TuiOptions {
  /** Most frames per second pushed to ink while events flow (default {@link DEFAULT_FPS}, at most 15). */
  fps?: number;
  /** Share of one CPU core that frames may use (default {@link FRAME_CPU_SHARE}); spaces frames out further. */
  frameCpuShare?: number;
  /** False for no ANSI colour (NO_COLOR, --no-color). */
  color?: boolean;
  /** The tally the engine feeds; without one the view tallies the events it gets. */
  tally?: RunTally;
  /** Monotonic clock in ms (default performance.now), injected so tests can pace frames on a fake clock. */
  now?: () => number;
}

/** A running TUI: feed it events, then finish it with the final text. */
export interface Tui {
  sink: EventSink;
  /** Replaces the live region with `finalText` (and the results path) and releases the terminal. */
  finish(finalText: string, resultsPath?: string): Promise<void>;
}

/** Most frames per second the view is drawn at; a terminal cannot show more and the burst must not pay for it. */
export const MAX_FPS = 15;

/** Most frames per second while events flow, when frames are cheap enough for the CPU budget below. */
export const DEFAULT_FPS = 6;

/**
 * Share of one CPU core the frames may use: after a frame that cost c ms of CPU, the next waits at least
 * c / share ms. An ink frame of the full view costs ~3-5 ms warm and ~5-15 ms inside a busy burst here, close
 * to ink's own floor for the characters it draws (bench/tui.bench.ts), and that cost is per second, not per
 * invocation; 0.5% keeps the TUI within a few percent of the driver's own CPU on the bench's burst, at about
 * one frame a second while a burst runs (htop's default is one every 1.5 s).
 */
export const FRAME_CPU_SHARE = 0.005;

/** When no event arrived, one frame a second is enough for the clock (shown in whole seconds); frames are never further apart, whatever they cost. */
const IDLE_FRAME_MS = 1000;

/** A burst's "preparing" frame is skipped when a frame was drawn this recently (back-to-back waves). */
const STATUS_FRAME_GAP_MS = 250;

/** Longest time frames are held back while a burst prepares and releases. */
const MAX_RELEASE_HOLD_MS = 2000;

type StaticItem = { key: string; line: LogLineModel };

interface AppProps {
  snapshot: UiSnapshot;
  /** The live region's finished text (`liveLines`). */
  live: string;
  /** True once the run is over: the live region is erased (the caller then prints the final text). */
  final?: boolean;
  inputActive: boolean;
  onKey: (key: 'q' | 'ctrl-c') => void;
}

function App({ snapshot, live, final, inputActive, onKey }: AppProps): React.JSX.Element {
  useInput(
    (input, key) => {
      // In raw mode Ctrl-C arrives as a key, not as SIGINT: route it to the same interrupt.
      if (key.ctrl && input === 'c') onKey('ctrl-c');
      else if (input === 'q') onKey('q');
    },
    { isActive: inputActive },
  );
  const items: StaticItem[] = snapshot.log.map((line) => ({ key: line.key, line }));
  return (
    <>
      <Static items={items}>
        {(item) => (
          <Box key={item.key}>
            <LogLine line={item.line} />
          </Box>
        )}
      </Static>
      {final ? null : <Text>{live}</Text>}
    </>
  );
}

/** Starts the live view on `io.stdout`; the caller must call `finish` (also on failure) to restore the terminal. */
export function startTui(io: TuiIo, options: TuiOptions = {}): Tui {
  const fps = Math.min(MAX_FPS, Math.max(1, options.fps ?? DEFAULT_FPS));
  const share = Math.min(1, Math.max(0.001, options.frameCpuShare ?? FRAME_CPU_SHARE));
  // ink colours through chalk's default instance, which does not read NO_COLOR: switch it off here.
  if (options.color === false) chalk.level = 0;
  const store = createUiStore(options.tally);
  const nowMs = options.now ?? ((): number => performance.now());
  // Map the engine's clock (µs since run start, carried by events) onto ours so elapsed time moves between events.
  let clock: { atUs: number; perfMs: number } | undefined;
  let ended = false;
  const nowUs = (): number | undefined =>
    clock ? clock.atUs + (nowMs() - clock.perfMs) * 1000 : undefined;

  // Frames are drawn when events arrived since the last one, and otherwise once a second (the clock and the
  // timeline's right edge move); never between burst-start and burst-released, so a frame cannot delay the release;
  // never sooner than the CPU budget allows after the last one; and not at all when the text did not change.
  let dirty = true;
  let releasingSinceMs: number | undefined;
  let lastFrameMs = 0;
  let nextFrameMs = 0;
  let lastText: string | undefined;
  const sink: EventSink = (event: RunEvent) => {
    if (event.type === 'run-start') clock = { atUs: event.atUs, perfMs: nowMs() };
    else if (event.type === 'burst-start') releasingSinceMs = nowMs();
    else if (event.type === 'burst-released' || event.type === 'burst-end' || event.type === 'run-end') releasingSinceMs = undefined;
    if (event.type === 'run-end') ended = true;
    dirty = true;
    store.dispatch(event);
    // Preparing a big burst takes seconds, while frames are held back: say so before it starts (one frame per
    // wave, before the first request is prepared, so it costs the release nothing). It does not spend the paced
    // frames' budget, so the first frame after the release is not pushed back.
    if (event.type === 'burst-start' && nowMs() - lastFrameMs >= STATUS_FRAME_GAP_MS) {
      const paced = nextFrameMs;
      draw();
      nextFrameMs = paced;
    }
  };

  // A stop shows at once ("stopping…" and what it waits for), not at the next paced frame.
  let stopping = false;
  const showStopping = (): void => {
    if (stopping || ended) return;
    stopping = true;
    draw();
  };
  io.signal?.addEventListener('abort', showStopping, { once: true });
  const onKey = (key: 'q' | 'ctrl-c'): void => {
    // Once the run has ended, `q` has nothing left to stop; Ctrl-C still reaches the CLI (a second one exits).
    if (key === 'q' && ended) return;
    showStopping();
    io.requestInterrupt('view');
  };
  const inputActive = io.stdin.isTTY === true && typeof io.stdin.setRawMode === 'function';
  const size = (): { columns: number; rows: number } => ({ columns: io.stdout.columns ?? 80, rows: io.stdout.rows ?? 24 });

  const frame = (): { snapshot: UiSnapshot; live: string } => {
    const snapshot = store.snapshot(nowUs());
    return { snapshot, live: liveLines({ snapshot, ...size(), stopping }).join('\n') };
  };
  const element = ({ snapshot, live }: { snapshot: UiSnapshot; live: string }, final?: AppProps['final']): React.JSX.Element => (
    <App snapshot={snapshot} live={live} final={final} inputActive={inputActive && !final} onKey={onKey} />
  );

  const first = frame();
  lastText = first.live;
  const instance: Instance = render(element(first), {
    // ink's types want a tty.WriteStream; it only uses write, columns, rows and the resize event.
    stdout: io.stdout as unknown as NodeJS.WriteStream,
    stderr: io.stderr as unknown as NodeJS.WriteStream,
    stdin: io.stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: MAX_FPS,
  });
  let logLength = 0;
  function draw(): void {
    dirty = false;
    const next = frame();
    lastFrameMs = nowMs();
    // ink redraws everything on any change; an unchanged picture (and no new line above it) costs nothing.
    if (next.live === lastText && next.snapshot.log.length === logLength) return;
    lastText = next.live;
    logLength = next.snapshot.log.length;
    const cpu0 = process.cpuUsage();
    instance.rerender(element(next));
    const cpu = process.cpuUsage(cpu0);
    nextFrameMs = lastFrameMs + Math.min(IDLE_FRAME_MS, (cpu.user + cpu.system) / 1000 / share);
  }
  const tick = (): void => {
    const now = nowMs();
    // A burst stopped before its release emits no burst-released: never hold frames back for long.
    if (releasingSinceMs !== undefined && now - releasingSinceMs < MAX_RELEASE_HOLD_MS) return;
    if (now < nextFrameMs) return;
    if (dirty || now - lastFrameMs >= IDLE_FRAME_MS) draw();
  };
  const timer = setInterval(tick, Math.round(1000 / fps));
  timer.unref();
  // Re-lay out at once on resize rather than at the next tick.
  io.stdout.on('resize', draw);

  let finished: Promise<void> | undefined;
  const finish = (finalText: string, resultsPath?: string): Promise<void> => {
    finished ??= (async () => {
      clearInterval(timer);
      io.stdout.off('resize', draw);
      io.signal?.removeEventListener('abort', showStopping);
      // ink erases the live region (and prints any finished line still due above it). The summary is the plain
      // text the non-interactive output prints, so it is written as it is rather than tokenised cell by cell by
      // ink's <Static>, which cost ~15 ms of CPU per run (bench/tui.bench.ts).
      instance.rerender(element(frame(), true));
      instance.unmount();
      await instance.waitUntilExit().catch(() => undefined);
      const text = finalText.replace(/\n+$/, '');
      const tail = `${text === '' ? '' : `${text}\n`}${resultsPath ? `results: ${resultsPath}\n` : ''}`;
      if (tail !== '') io.stdout.write(tail);
    })();
    return finished;
  };
  return { sink, finish };
}
