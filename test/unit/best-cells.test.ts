/**
 * The "best cell" picks of the matrix table and HTML report: a pick needs enough samples in every compared cell,
 * a win beyond the noise test over every other cell, and leaves out throttled, failing and interrupted cells;
 * otherwise the answer says why there is none.
 */
import { describe, expect, it } from 'vitest';
import { bestCells } from '../../src/report/matrix-rows.js';
import { renderMatrixTable } from '../../src/report/matrix-table.js';
import { fakeCell } from '../fixtures/matrix-cells.js';
import { samples } from './gate-fixtures.js';

const ms = (n: number, medianMs: number, seed: number): number[] => samples(n, medianMs * 1000, seed).map((us) => us / 1000);

/** A cell with `n` cold and `n` warm invocations around the given medians (ms). */
const cellOf = (name: string, memoryMb: number, coldMs: number, warmMs: number, seed: number, n = 30, throttled = 0) =>
  fakeCell({ functionName: name, memoryMb, coldMs: ms(n, coldMs, seed), warmMs: ms(n, warmMs, seed + 1), ...(throttled ? { throttled } : {}) });

const answer = (cells: Parameters<typeof bestCells>[0], column: string, interrupted = false) =>
  bestCells(cells, interrupted).answers.find((a) => a.column === column);

describe('best cell per question', () => {
  it('picks a cell that is faster than every other beyond the noise', () => {
    const cells = [cellOf('node', 128, 600, 5, 1), cellOf('node', 1024, 200, 5, 3), cellOf('python', 512, 400, 5, 5)];
    expect(answer(cells, 'coldP50Us')?.rowId).toBe('node-1024mb-pc0');
    expect(answer(cells, 'initP50Us')?.rowId).toBe('node-1024mb-pc0');
    // Cost per invocation is half cheap warm, half dear cold (billed init): judged on the mean with a rank test,
    // because the median of such a mix jumps between the two groups.
    expect(answer(cells, 'costPerThousandUsd')?.rowId).toBe('node-128mb-pc0');
  });

  it('compares bursts with bursts and loads with loads when a run has both, and says which in the question', () => {
    const asLoad = (cell: ReturnType<typeof cellOf>) => ({
      ...cell,
      spec: { ...cell.spec, id: `${cell.spec.id}-load`, label: `${cell.spec.label} load` },
      load: { stages: '1s:10', windowMs: 1000, maxInFlight: 10, originUs: 0, durationUs: 1_000_000, scheduled: 10, notSent: 0, startedFromBacklog: 0, windows: [] },
    });
    // The load cells are far faster than either burst cell, yet no load wins a burst question.
    const cells = [cellOf('node', 128, 600, 5, 1), cellOf('node', 1024, 200, 5, 3), asLoad(cellOf('node', 128, 50, 5, 5)), asLoad(cellOf('node', 1024, 52, 5, 7))];
    const answers = bestCells(cells).answers.filter((a) => a.column === 'coldP50Us');
    expect(answers).toEqual([
      { question: 'fastest cold start (p50), bursts', column: 'coldP50Us', rowId: 'node-1024mb-pc0' },
      { question: 'fastest cold start (p50), loads', column: 'coldP50Us', reason: 'no significant difference' },
    ]);
  });

  it('calls costs within 10% of each other no significant difference', () => {
    const cells = [cellOf('node', 128, 300, 5, 1), cellOf('python', 128, 310, 5, 3)];
    expect(answer(cells, 'costPerThousandUsd')?.reason).toBe('no significant difference');
  });

  it('says "no significant difference" when the lead is within the noise', () => {
    // Same distribution, different seeds: one is lowest by chance only.
    const cells = [cellOf('node', 128, 300, 5, 1), cellOf('python', 128, 300, 5, 3)];
    const cold = answer(cells, 'coldP50Us');
    expect(cold?.rowId).toBeUndefined();
    expect(cold?.reason).toBe('no significant difference');
    expect(answer(cells, 'warmP50Us')?.reason).toBe('no significant difference');
    // Equal shares of cold starts are no difference either.
    expect(answer(cells, 'coldRatio')?.reason).toBe('no significant difference');
  });

  it('needs a clear win over every other cell, not only the runner-up', () => {
    // 1024 beats 128 clearly but not 512 (2% apart): no pick.
    const cells = [cellOf('node', 128, 600, 5, 1), cellOf('node', 512, 204, 5, 3), cellOf('node', 1024, 200, 5, 5)];
    expect(answer(cells, 'coldP50Us')?.reason).toBe('no significant difference');
  });

  it('makes no pick with too few samples, and says how many it needs', () => {
    // Six per cell, as the old demo profile had: a threefold difference is still not enough to pick on.
    const cells = [cellOf('node', 128, 600, 5, 1, 6), cellOf('node', 1024, 200, 5, 3, 6)];
    const cold = answer(cells, 'coldP50Us');
    expect(cold?.rowId).toBeUndefined();
    expect(cold?.reason).toBe('too few samples (need 20 per cell)');
    expect(answer(cells, 'coldRatio')?.reason).toBe('too few samples (need 20 classified per cell)');
  });

  it('leaves throttled cells out, even when they look fastest', () => {
    // The throttled cell's few cold starts are its fastest (fewer environments start at once).
    const throttled = cellOf('node', 512, 100, 5, 7, 30, 90);
    const cells = [cellOf('node', 128, 600, 5, 1), cellOf('node', 1024, 300, 5, 3), throttled];
    const best = bestCells(cells);
    expect(best.excluded).toEqual([{ rowId: throttled.spec.id, label: throttled.spec.label, why: '90 throttled' }]);
    expect(answer(cells, 'coldP50Us')?.rowId).toBe('node-1024mb-pc0');
  });

  it('makes no pick for an interrupted run, nor with a cell cut short', () => {
    const cells = [cellOf('node', 128, 600, 5, 1), cellOf('node', 1024, 200, 5, 3)];
    const whole = bestCells(cells, true);
    expect(whole.answers).toEqual([]);
    expect(whole.note).toMatch(/interrupted/);
    const cut = cellOf('node', 1024, 200, 5, 3);
    cut.bursts = cut.bursts.map((b) => ({ ...b, notSent: 4 }));
    const partial = bestCells([cells[0]!, cut]);
    expect(partial.excluded.map((e) => e.why)).toEqual(['interrupted']);
    expect(partial.note).toMatch(/fewer than two cells/);
  });

  it('judges cold ratios with a proportion test', () => {
    const allCold = fakeCell({ functionName: 'a', memoryMb: 128, coldMs: ms(40, 300, 1), warmMs: [] });
    const mostlyWarm = fakeCell({ functionName: 'b', memoryMb: 128, coldMs: ms(5, 300, 2), warmMs: ms(35, 5, 3) });
    expect(answer([allCold, mostlyWarm], 'coldRatio')?.rowId).toBe('b-128mb-pc0');
  });

  it('prints the picks and the reasons under the table', () => {
    const cells = [cellOf('node', 128, 600, 5, 1), cellOf('node', 1024, 200, 5, 3), cellOf('node', 512, 100, 5, 7, 30, 3)];
    const out = renderMatrixTable(cells, { color: false });
    expect(out).toContain('\n  fastest cold start (p50): node 1024 MB pc 0');
    expect(out).toContain('\n  fastest warm (p50): no significant difference');
    expect(out).toContain('\n  not compared: node 512 MB pc 0 (3 throttled)');
    expect(out.split('\n').find((l) => l.startsWith('node 1024M'))).toMatch(/\*/);
    expect(renderMatrixTable(cells, { color: false, interrupted: true })).toContain(
      'Best cell: none (the run was interrupted, so no cell is picked as best).',
    );
  });
});
