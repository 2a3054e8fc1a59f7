import { describe, expect, it } from 'vitest';
import { compactMs, compactUsd, renderMatrixTable } from '../../src/report/matrix-table.js';
import { rowOf } from '../../src/report/matrix-rows.js';
import { fakeCell } from '../fixtures/matrix-cells.js';

const cells = [
  fakeCell({ functionName: 'node-hello', memoryMb: 128, coldMs: [300, 320, 340], warmMs: [3, 4, 5] }),
  fakeCell({ functionName: 'node-hello', memoryMb: 1024, coldMs: [120, 130], warmMs: [2, 2, 2, 3] }),
  fakeCell({ functionName: 'python-hello-with-a-very-long-function-name', memoryMb: 512, coldMs: [200], warmMs: [1, 1, 1, 1, 1], throttled: 2 }),
];

describe('matrix comparison table', () => {
  it('has one row per cell with the figures in ms', () => {
    const out = renderMatrixTable(cells, { color: false });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^cell\s+cold\s+cold p50\/p99\s+warm p50\/p99\s+init p50\/p99\s+thr\s+err\s+est\$\/1k$/);
    expect(lines[1]).toContain('node-hello 128M');
    expect(lines[1]).toMatch(/\s50%\s/);
    expect(lines[1]).toContain('320/340');
    expect(lines[2]).toMatch(/\s33%\s/); // 2 cold of 6 classified
    expect(lines[3]).toMatch(/17%/); // 1 cold of 6
    expect(lines[3]).toMatch(/\s2\s+0\s+\$/); // two throttles, no errors
    expect(out).toContain('ESTIMATE');
    // Two or three samples per cell: no pick (the rules are in best-cells.test.ts).
    expect(out).toContain('\n  fastest cold start (p50): too few samples (need 20 per cell)');
  });

  it('fits 80 columns by clipping the cell label, and narrower widths when asked', () => {
    for (const width of [80, 72]) {
      const out = renderMatrixTable(cells, { color: false, width });
      const tableLines = out.split('\n').slice(0, 4);
      for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(width);
      expect(tableLines[3]).toMatch(/…\s?512M/);
    }
  });

  it('keeps the peak memory per cell', () => {
    expect(rowOf(cells[0]!).peakMemoryMb).toBe(42);
  });

  it('formats compactly', () => {
    expect(compactMs(undefined)).toBe('-');
    expect(compactMs(840)).toBe('0.84');
    expect(compactMs(12_345)).toBe('12.3');
    expect(compactMs(340_000)).toBe('340');
    expect(compactMs(12_300_000)).toBe('12.3s');
    expect(compactUsd(0.0021)).toBe('$0.0021');
    expect(compactUsd(1.234)).toBe('$1.23');
  });
});

describe('matrix comparison table with pre-initialized invocations', () => {
  it('adds a pre-init column and its note only when a cell has some', async () => {
    const { cell, samples } = await import('../unit/gate-fixtures.js');
    const pc = cell({ id: 'pc', cold: samples(2, 300_000, 1), preInitialized: samples(6, 20_000, 2), warm: samples(4, 3_000, 3) });
    const out = renderMatrixTable([pc], { color: false, width: 120 });
    expect(out.split('\n')[0]).toMatch(/^cell\s+cold\s+pre-init\s+cold p50/);
    expect(out.split('\n')[1]).toMatch(/\s17%\s+6\s/); // 2 cold of 12 classified; 6 pre-initialized
    expect(out).toContain('pre-init = invocations whose REPORT carried an Init Duration longer than the client waited');
    expect(renderMatrixTable(cells, { color: false })).not.toContain('pre-init');
  });
});
