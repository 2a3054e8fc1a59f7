/**
 * Events the engine emits while a run happens. Sinks (ink TUI, plain log, NDJSON) reduce them;
 * the engine knows nothing of its sinks.
 */
import type { LoadWindow } from './load-windows.js';
import type { BurstInfo, CellSpec, InvocationRecord } from './types.js';

export type RunEvent =
  | { type: 'run-start'; atUs: number; wallClock: string; targetKind: string; cells: CellSpec[] }
  | { type: 'cell-start'; atUs: number; cell: CellSpec }
  | { type: 'step'; atUs: number; cell: string; step: 'configure' | 'force-cold' | 'idle-wait' | 'burst'; detail: string }
  /** `load` marks a load step: its one "burst" is the whole schedule, sent over time, so it has no release spread. */
  | { type: 'burst-start'; atUs: number; cell: string; burst: number; n: number; waves: number; load?: true }
  | { type: 'burst-released'; atUs: number; cell: string; burst: number; info: BurstInfo }
  | { type: 'record'; record: InvocationRecord }
  | { type: 'burst-end'; atUs: number; cell: string; burst: number; info: BurstInfo; load?: true }
  | { type: 'cell-end'; atUs: number; cell: string }
  | { type: 'notice'; atUs: number; level: 'info' | 'warn'; message: string }
  /** A load's time window, once it closed and most of its responses are in (the results file has the final numbers). */
  | { type: 'load-window'; atUs: number; cell: string; windowMs: number; window: LoadWindow }
  | { type: 'run-end'; atUs: number; interrupted: boolean };

/** A sink takes events; it must be cheap (the burst path calls it). */
export type EventSink = (event: RunEvent) => void;
