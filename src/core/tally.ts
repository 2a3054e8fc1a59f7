/**
 * The run's one tally: a SummaryAccumulator per cell, fed by the engine's events. The live view, the plain
 * progress, the threshold watch and the final summary all read it, so they cannot disagree.
 */
import type { RunEvent } from './events.js';
import { SummaryAccumulator } from './summary.js';
import type { CellSpec } from './types.js';

/** One cell's tally: its spec and its accumulator. */
export interface CellTally {
  spec: CellSpec;
  summary: SummaryAccumulator;
}

export class RunTally {
  private readonly cells = new Map<string, CellTally>();
  private currentId: string | undefined;

  /** Fold one event in: a cell's accumulator starts at cell-start; records and finished bursts go into it. */
  dispatch(event: RunEvent): void {
    switch (event.type) {
      case 'cell-start':
        this.cells.set(event.cell.id, { spec: event.cell, summary: new SummaryAccumulator({ functionName: event.cell.functionName, runtime: event.cell.runtime, memoryMb: event.cell.memoryMb }) });
        this.currentId = event.cell.id;
        return;
      case 'record':
        this.cells.get(event.record.cell)?.summary.add(event.record);
        return;
      case 'burst-end':
        this.cells.get(event.cell)?.summary.setBurst(event.info);
        return;
      default:
        return;
    }
  }

  /** The tally of cell `id`, once it started. */
  cell(id: string): CellTally | undefined {
    return this.cells.get(id);
  }

  /** The cell that started last (the one running, or the last one run). */
  get current(): CellTally | undefined {
    return this.currentId === undefined ? undefined : this.cells.get(this.currentId);
  }
}
