/**
 * The live view's store: a pure reducer over RunEvents (no ink, no clock, no I/O). The engine emits events;
 * `dispatch` folds each one in O(1)-ish time so the burst path stays cheap; `snapshot` builds an immutable
 * view model that a renderer draws at its own frame rate. Counters and percentiles are the run's tally's (the
 * accumulator the final summary is made from); the store keeps only what is the view's own: progress, the
 * latency distribution bars, the environment timeline and the log.
 */
import type { RunEvent } from '../core/events.js';
import { RunTally } from '../core/tally.js';
import type { LoadWindow } from '../core/load-windows.js';
import type { CellSummary, InvocationRecord, LatencyStats, Outcome } from '../core/types.js';
import { Activity, type ActivityView } from './activity.js';
import { MAX_PANEL_WINDOWS, type LoadPanelModel } from './load-panel.js';
import { LiveHistogram, type HistogramView } from './live-histogram.js';
import { shortUs } from './units.js';

/** What the header line says. */
export interface HeaderFacts {
  /** `emulator`, `aws`, … from run-start; empty before it. */
  targetKind: string;
  functionName: string;
  runtime: string;
  memoryMb: number;
  /** Invocations per burst (wave) of the current burst. */
  burstN: number;
  /** 1-based current wave; 0 before the first burst starts. */
  wave: number;
  /** Waves planned for the current cell. */
  waves: number;
  /** Run time so far (frozen at run-end), µs. */
  elapsedUs: number;
  phase: 'waiting' | 'running' | 'ended';
  interrupted: boolean;
  /** What the run is doing now, in words (`preparing 500 invocations…`, `idle-wait: 1000 ms idle`); '' once ended. */
  step: string;
  /** 1-based cell running (`run`: cell k of N); 0 before the first. */
  cell: number;
  /** Cells in the run. */
  cells: number;
}

/** Invocation progress for the bar. */
export interface ProgressFacts {
  /** Invocations planned so far (n × waves of the cells started). */
  planned: number;
  sent: number;
  inFlight: number;
  done: number;
}

/** Counters of the cell running, by classification and outcome (the summary's); by-reason lists are sorted by count, largest first. */
export interface CounterFacts {
  cold: number;
  /** Init Duration the client did not wait for (core/classify.ts): neither cold nor warm. */
  preInitialized: number;
  warm: number;
  unknown: number;
  throttled: number;
  throttlesByReason: ReadonlyArray<readonly [string, number]>;
  errors: number;
  errorsByType: ReadonlyArray<readonly [string, number]>;
  /** Given up when the run was stopped: counted apart, never as errors. */
  interrupted: number;
}

/** Live percentiles of one class, µs. */
export interface LivePercentiles {
  count: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
}

/** Kind of one drawn stretch of an environment lane. */
export type SegmentKind = 'init' | 'invoke' | 'failed';

/** One stretch of an environment's life as seen by the client, µs since run start. */
export interface Segment {
  kind: SegmentKind;
  startUs: number;
  endUs: number;
}

/** One execution environment's lane. */
export interface Lane {
  envId: string;
  /** 1-based order of first appearance, used as the lane's short label. */
  ordinal: number;
  invocations: number;
  segments: readonly Segment[];
}

/** The environment timeline model: lanes when env ids are known, binned activity always. */
export interface TimelineModel {
  /** `lanes` when records carry environment ids (emulator); `aggregate` when none do (AWS). */
  mode: 'lanes' | 'aggregate';
  lanes: readonly Lane[];
  activity: ActivityView;
  /** Left edge of the time axis, µs since run start. */
  startUs: number;
  /** Right edge (now, or run end), µs. */
  endUs: number;
}

/** One line that is finished and can be printed once above the live region. */
export type LogLine =
  | {
      kind: 'wave';
      key: string;
      cell: string;
      wave: number;
      waves: number;
      n: number;
      cold: number;
      preInitialized: number;
      warm: number;
      throttled: number;
      errors: number;
      interrupted: number;
      releaseSpreadUs: number;
      notSent: number;
      /** A load step's end: sent over time, so no release spread. */
      load: boolean;
    }
  | { kind: 'notice'; key: string; level: 'info' | 'warn'; message: string };

/** Everything a frame draws; immutable. */
export interface UiSnapshot {
  header: HeaderFacts;
  progress: ProgressFacts;
  counters: CounterFacts;
  latency: { cold: LivePercentiles; warm: LivePercentiles };
  histogram: HistogramView;
  timeline: TimelineModel;
  log: readonly LogLine[];
  /** The running cell's load windows, when the cell is a load (src/ui/load-panel.ts draws them). */
  load?: LoadPanelModel;
}

/** The store the view reads and the engine's sink writes. */
export interface UiStore {
  dispatch(event: RunEvent): void;
  /** `nowUs` (µs since run start) moves the clock between events; omitted, the last event's time is used. */
  snapshot(nowUs?: number): UiSnapshot;
}

const FAILED_OUTCOMES: ReadonlySet<Outcome> = new Set(['function-error', 'service-error', 'client-timeout', 'transport-error']);

const NO_PERCENTILES: LivePercentiles = Object.freeze({ count: 0, p50Us: 0, p90Us: 0, p99Us: 0, maxUs: 0 });

function percentiles(stats: LatencyStats): LivePercentiles {
  if (stats.count === 0) return NO_PERCENTILES;
  return { count: stats.count, p50Us: stats.p50Us, p90Us: stats.p90Us, p99Us: stats.p99Us, maxUs: stats.maxUs };
}

function entries(counts: Readonly<Record<string, number>>): Array<readonly [string, number]> {
  // The summary's maps are already sorted by count, then name.
  return Object.entries(counts);
}

interface MutableLane {
  envId: string;
  ordinal: number;
  invocations: number;
  segments: Segment[];
}

/**
 * Creates an empty store reading `tally`, the one the engine feeds; without one (tests, benchmarks) the store
 * owns a tally and feeds it the events it is given.
 */
export function createUiStore(tally?: RunTally): UiStore {
  const owned = tally === undefined;
  const run = tally ?? new RunTally();
  const header: HeaderFacts = {
    targetKind: '',
    functionName: '',
    runtime: '',
    memoryMb: 0,
    burstN: 0,
    wave: 0,
    waves: 0,
    elapsedUs: 0,
    phase: 'waiting',
    interrupted: false,
    step: 'starting the target…',
    cell: 0,
    cells: 0,
  };
  let cellIds: string[] = [];
  let runStartUs = 0;
  let lastAtUs = 0;
  let endedAtUs: number | undefined;
  let planned = 0;
  let released = 0;
  let done = 0;
  const histogram = new LiveHistogram();
  let activity = new Activity(0);
  const lanes: MutableLane[] = [];
  const laneById = new Map<string, MutableLane>();
  let sawEnv = false;
  const log: LogLine[] = [];
  const waveKey = (cell: string, burst: number): string => `${cell}#${burst}`;
  const wavesByCell = new Map<string, number>();
  // The running cell's load: its latest windows only, so a long load keeps the store's memory bounded.
  let load: { cell: string; windowMs: number; windows: LoadWindow[]; total: number } | undefined;
  let version = 0;
  let cached: { version: number; nowUs: number; snap: UiSnapshot } | undefined;

  function touch(atUs: number): void {
    if (atUs > lastAtUs) lastAtUs = atUs;
  }

  function addRecord(record: InvocationRecord): void {
    done += 1;
    touch(record.finishedUs);
    const isThrottled = record.outcome === 'throttled';
    const isFailed = FAILED_OUTCOMES.has(record.outcome);
    const isCold = record.classification === 'cold';
    // The live histogram has a cold row and a warm row; a pre-initialized invocation is neither (its count shows).
    if (record.classification === 'cold' || record.classification === 'warm') histogram.add(record.latencyUs, isCold);
    activity.add(record.sentUs, record.finishedUs, { cold: isCold, throttled: isThrottled, failed: isFailed });
    if (record.env) addToLane(record, record.env.envId, isCold, isFailed);
  }

  function addToLane(record: InvocationRecord, envId: string, isCold: boolean, isFailed: boolean): void {
    sawEnv = true;
    let lane = laneById.get(envId);
    if (!lane) {
      lane = { envId, ordinal: lanes.length + 1, invocations: 0, segments: [] };
      lanes.push(lane);
      laneById.set(envId, lane);
    }
    lane.invocations += 1;
    const sentUs = record.sentUs;
    const endUs = Math.max(record.finishedUs, sentUs);
    // The client only sees [sent, finished]; the environment was busy for the REPORT's Duration (and Init
    // Duration before it) at the end of that span. Anchoring them at the response puts queueing and network
    // time before the segments, where the environment was not yet (or not) working on this invocation.
    const durationUs = record.report ? record.report.durationMs * 1000 : endUs - sentUs;
    const invokeStartUs = Math.max(sentUs, endUs - durationUs);
    const initMs = record.report?.initDurationMs ?? record.report?.restoreDurationMs;
    if (isCold && initMs !== undefined) {
      lane.segments.push({ kind: 'init', startUs: Math.max(sentUs, invokeStartUs - initMs * 1000), endUs: invokeStartUs });
    }
    lane.segments.push({ kind: isFailed ? 'failed' : 'invoke', startUs: invokeStartUs, endUs });
  }

  function dispatch(event: RunEvent): void {
    if (owned) run.dispatch(event);
    version += 1;
    switch (event.type) {
      case 'run-start': {
        runStartUs = event.atUs;
        lastAtUs = event.atUs;
        header.targetKind = event.targetKind;
        header.phase = 'running';
        header.cells = event.cells.length;
        header.step = 'reading the functions…';
        cellIds = event.cells.map((c) => c.id);
        const first = event.cells[0];
        if (first) {
          header.functionName = first.functionName;
          header.runtime = first.runtime;
          header.memoryMb = first.memoryMb;
        }
        activity = new Activity(event.atUs);
        break;
      }
      case 'cell-start':
        touch(event.atUs);
        load = undefined;
        header.cell = cellIds.indexOf(event.cell.id) + 1;
        header.functionName = event.cell.functionName;
        header.runtime = event.cell.runtime;
        header.memoryMb = event.cell.memoryMb;
        break;
      case 'step':
        touch(event.atUs);
        header.step = event.detail ? `${event.step}: ${event.detail}` : event.step;
        break;
      case 'burst-start': {
        touch(event.atUs);
        header.burstN = event.n;
        header.wave = event.burst + 1;
        header.waves = event.waves;
        header.step = `preparing ${event.n} invocations: opening connections, signing requests…`;
        // Plan n × waves for each cell once, at its first burst.
        if (!wavesByCell.has(event.cell)) {
          wavesByCell.set(event.cell, event.waves);
          planned += event.n * event.waves;
        }
        break;
      }
      case 'burst-released':
        touch(event.atUs);
        released += event.info.n - event.info.notSent;
        header.step = `released ${event.info.n - event.info.notSent} in ${shortUs(event.info.releaseSpreadUs)}; waiting for responses`;
        break;
      case 'record':
        // A load never releases at once: its first response says it is under way.
        if (header.step.startsWith('preparing')) header.step = 'sending; responses arriving';
        addRecord(event.record);
        break;
      case 'burst-end': {
        touch(event.atUs);
        header.step = event.load ? 'load done' : `wave ${event.burst + 1}/${wavesByCell.get(event.cell) ?? header.waves} done`;
        const counts = run.cell(event.cell)?.summary.burst(event.burst);
        const wave = {
          cold: counts?.cold ?? 0,
          preInitialized: counts?.preInitialized ?? 0,
          warm: counts?.warm ?? 0,
          throttled: counts?.throttled ?? 0,
          errors: counts?.errors ?? 0,
          interrupted: counts?.interrupted ?? 0,
        };
        log.push({
          kind: 'wave',
          key: `wave:${waveKey(event.cell, event.burst)}`,
          cell: event.cell,
          wave: event.burst + 1,
          waves: wavesByCell.get(event.cell) ?? header.waves,
          n: event.info.n,
          ...wave,
          releaseSpreadUs: event.info.releaseSpreadUs,
          notSent: event.info.notSent,
          load: event.load === true,
        });
        break;
      }
      case 'load-window': {
        touch(event.atUs);
        if (load?.cell !== event.cell) load = { cell: event.cell, windowMs: event.windowMs, windows: [], total: 0 };
        load.windows.push(event.window);
        load.total += 1;
        if (load.windows.length > MAX_PANEL_WINDOWS) load.windows.shift();
        break;
      }
      case 'cell-end':
        touch(event.atUs);
        break;
      case 'notice':
        touch(event.atUs);
        log.push({ kind: 'notice', key: `notice:${log.length}`, level: event.level, message: event.message });
        break;
      case 'run-end':
        touch(event.atUs);
        endedAtUs = event.atUs;
        header.phase = 'ended';
        header.interrupted = event.interrupted;
        header.step = '';
        break;
    }
  }

  function snapshot(nowUs?: number): UiSnapshot {
    const clockUs = endedAtUs ?? Math.max(lastAtUs, nowUs ?? lastAtUs);
    if (cached && cached.version === version && cached.nowUs === clockUs) return cached.snap;
    const summary: CellSummary | undefined = run.current?.summary.snapshot();
    const sent = Math.max(released, done);
    const snap: UiSnapshot = Object.freeze({
      header: Object.freeze({ ...header, elapsedUs: Math.max(0, clockUs - runStartUs) }),
      progress: Object.freeze({ planned: Math.max(planned, sent), sent, inFlight: sent - done, done }),
      counters: Object.freeze({
        cold: summary?.cold ?? 0,
        preInitialized: summary?.preInitialized ?? 0,
        warm: summary?.warm ?? 0,
        unknown: summary?.unknown ?? 0,
        throttled: summary?.byOutcome.throttled ?? 0,
        throttlesByReason: entries(summary?.throttlesByReason ?? {}),
        errors: summary ? summary.total - summary.byOutcome.ok - summary.byOutcome.throttled - summary.byOutcome.interrupted : 0,
        errorsByType: entries(summary?.errorsByType ?? {}),
        interrupted: summary?.byOutcome.interrupted ?? 0,
      }),
      latency: Object.freeze({ cold: summary ? percentiles(summary.latency.cold) : NO_PERCENTILES, warm: summary ? percentiles(summary.latency.warm) : NO_PERCENTILES }),
      histogram: histogram.view(),
      timeline: Object.freeze({
        // Lanes need environment ids (emulator). Without any (AWS), once records arrive, only aggregates are honest.
        mode: sawEnv || (done === 0 && header.targetKind !== 'aws') ? ('lanes' as const) : ('aggregate' as const),
        lanes: lanes.map((l) => Object.freeze({ ...l, segments: l.segments.slice() })),
        activity: activity.view(),
        startUs: runStartUs,
        endUs: clockUs,
      }),
      log: log.slice(),
      ...(load === undefined ? {} : { load: Object.freeze({ ...load, windows: load.windows.slice() }) }),
    });
    cached = { version, nowUs: clockUs, snap };
    return snap;
  }

  return { dispatch, snapshot };
}
