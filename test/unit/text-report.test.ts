import { describe, expect, it } from 'vitest';
import { renderGlance, renderSummary } from '../../src/report/text.js';
import { formatPercent, formatUs } from '../../src/report/format.js';
import type { BurstInfo } from '../../src/core/types.js';
import { cellFixture, resultsFixture } from './fixtures/results.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const lines = (text: string): string[] => text.replace(/\n$/, '').split('\n');
const widest = (text: string): number => Math.max(...lines(text.replace(ANSI, '')).map((l) => l.length));

describe('renderSummary', () => {
  const cell = cellFixture({ n: 300, cold: 180, throttled: 7, functionErrors: 4 });
  const text = renderSummary(cell, { color: false, width: 80 });

  it('fits 80 columns and has no ANSI when colour is off', () => {
    expect(widest(text)).toBeLessThanOrEqual(80);
    expect(text).not.toMatch(ANSI);
  });

  it('has one table row per group with its count and percentiles', () => {
    const s = cell.summary;
    for (const g of s.groups) {
      const row = lines(text).find((l) => new RegExp(`\\b${g.key.classification}\\s+${g.latency.count}\\s`).test(l));
      expect(row, `row for ${g.key.classification}`).toBeDefined();
      for (const v of [g.latency.p50Us, g.latency.p90Us, g.latency.p99Us, g.latency.p999Us, g.latency.maxUs]) {
        expect(row).toContain(formatUs(v));
      }
    }
    const init = lines(text).find((l) => new RegExp(`\\binit\\s+${s.initDuration.count}\\s`).test(l));
    expect(init).toContain(formatUs(s.initDuration.p50Us));
    expect(text).toContain('sample-node/nodejs');
    expect(text).toContain('128MB');
  });

  it('shows cold ratio, throttles by reason, errors by type and the release spread', () => {
    expect(text).toContain(`cold ratio ${formatPercent(cell.summary.coldRatio)}`);
    expect(text).toContain('ReservedFunctionConcurrentInvocationLimitExceeded 7');
    expect(text).toMatch(/errors: Error 4/);
    const p = cell.summary.perBurst?.[0];
    expect(p).toBeDefined();
    const all = lines(text);
    const header = all.findIndex((l) => /^burst\s+sent\s+cold\s+throttled\s+errors\s+p50\s+p99\s+spread\s+prepare\s+not sent$/.test(l.trim()));
    expect(header).toBeGreaterThan(0);
    expect(all[header + 1]?.trim().split(/\s+/)).toEqual([
      '1',
      '300',
      '180',
      '7',
      '4',
      formatUs(p?.latency.p50Us ?? -1),
      formatUs(p?.latency.p99Us ?? -1),
      '4.1ms',
      '180ms',
      '0',
    ]);
  });

  it('recomputes per-burst stats from the records of a file written without them', () => {
    const { perBurst: _omitted, ...older } = cell.summary;
    const out = renderSummary({ ...cell, summary: older }, { color: false, width: 80 });
    expect(out).toBe(text);
  });

  it('draws cold and warm histograms whose bucket counts add up to the class counts', () => {
    for (const cls of ['cold', 'warm'] as const) {
      const all = lines(text);
      const start = all.findIndex((l) => l.startsWith(`${cls} latency (`));
      expect(start).toBeGreaterThan(0);
      let sum = 0;
      for (let i = start + 1; i < all.length && (all[i] ?? '').includes('│'); i++) {
        sum += Number((all[i] ?? '').trim().split(/\s+/).pop()?.replace(/,/g, ''));
      }
      expect(sum).toBe(cell.summary[cls]);
    }
    // The longest bar belongs to the fullest bucket.
    expect(text).toMatch(/│█{20,}/);
  });

  it('adds ANSI colour when asked, without changing the visible width', () => {
    const coloured = renderSummary(cell, { color: true, width: 80 });
    expect(coloured).toMatch(ANSI);
    expect(coloured.replace(ANSI, '')).toBe(text);
  });

  it('uses a wider terminal for the name column and stays inside a narrower one', () => {
    const long = cellFixture({ n: 20, spec: { functionName: 'a-rather-long-function-name-for-payments', runtime: 'python3.12' } });
    expect(renderSummary(long, { color: false, width: 80 })).toContain('…');
    expect(renderSummary(long, { color: false, width: 120 })).toContain('a-rather-long-function-name-for-payments/python3.12');
    expect(widest(renderSummary(long, { color: false, width: 72 }))).toBeLessThanOrEqual(72);
  });

  it('folds many bursts into one line and reports not-sent invocations', () => {
    const bursts: BurstInfo[] = Array.from({ length: 12 }, (_, index) => ({
      index,
      n: 25,
      releaseSpreadUs: 1000 + index * 100,
      prepareUs: 9000,
      startedUs: index * 1e6,
      notSent: index === 11 ? 3 : 0,
    }));
    const out = renderSummary({ ...cell, bursts }, { color: false, width: 80 });
    expect(out).toMatch(/^\s+1\s+25\s/m);
    expect(out).toContain('… 5 more bursts: 0 cold, max spread 2.1ms, 3 not sent');
    expect(out).not.toMatch(/^\s+12\s+25\s/m);
    expect(widest(out)).toBeLessThanOrEqual(80);
  });

  it('renders a whole results file: header, partial warning, every cell, thresholds', () => {
    const file = resultsFixture({ n: 40 });
    const second = cellFixture({ n: 30, spec: { id: 'py-512', label: 'python 512', runtime: 'python3.12', memoryMb: 512 } });
    const out = renderSummary(
      {
        ...file,
        interrupted: true,
        cells: [...file.cells, second],
        thresholds: [{ expression: 'p99(cold) < 800ms', cell: 'default', passed: false, detail: 'p99 cold was 912ms' }],
      },
      { color: false, width: 80 },
    );
    expect(out).toContain('coldprobe burst, started 2026-11-22T14:53:25.000Z');
    expect(out).toContain('target: emulator http://127.0.0.1:41234');
    expect(out).toContain('partial');
    expect(out).toContain('python 512: sample-node (python3.12, 512MB)');
    expect(out).toContain('FAIL p99(cold) < 800ms [default]: p99 cold was 912ms');
    expect(widest(out)).toBeLessThanOrEqual(80);
  });

  it('renders an empty cell without crashing', () => {
    const empty = cellFixture({ n: 0 });
    const out = renderSummary(empty, { color: false, width: 80 });
    expect(out).toContain('0 invocations');
    expect(out).toContain('(no invocations)');
    expect(out).not.toContain('latency (');
  });
});

describe('renderSummary with pre-initialized invocations and foreign REPORTs', () => {
  it('shows pre-initialized apart from cold and warm: counts line, note, table row, histogram', async () => {
    const { cell, samples } = await import('./gate-fixtures.js');
    const c = cell({ cold: samples(5, 300_000, 1, 0.05), preInitialized: samples(8, 20_000, 2, 0.05), warm: samples(7, 4_000, 3, 0.05) });
    const out = renderSummary(c, { color: false, width: 120 });
    expect(out).toContain('5 cold, 8 pre-initialized, 7 warm, 0 unknown; cold ratio 25.0%');
    expect(out).toMatch(/pre-initialized: the REPORT carried an Init Duration longer than the client waited/);
    expect(lines(out).some((l) => /\bpre-init\s+8\s/.test(l))).toBe(true);
    expect(out).toMatch(/\npre-initialized latency \(8\)/);
    // A cell without any keeps the line it always had.
    const plain = renderSummary(cell({ cold: samples(5, 300_000, 1, 0.05), warm: samples(7, 4_000, 3, 0.05) }), { color: false, width: 120 });
    expect(plain).toContain('5 cold, 7 warm, 0 unknown');
    expect(plain).not.toContain('pre-init');
  });

  it('says how many log tails held another request id’s REPORT', () => {
    const cell = cellFixture({ n: 10, cold: 4 });
    cell.summary = { ...cell.summary, foreignReports: 2 };
    expect(renderSummary(cell, { color: false, width: 200 })).toContain("2 log tails held a REPORT naming another request id than the response's x-amzn-RequestId");
  });
});

describe('renderGlance', () => {
  it('puts the essentials in three lines of at most the width: cold count, cold/warm/init p50 and p99, throttles, errors', () => {
    const file = resultsFixture({ n: 300, cold: 180, throttled: 7, functionErrors: 4 });
    const s = file.cells[0]?.summary;
    if (s === undefined) throw new Error('no cell');
    const text = renderGlance(file, { color: false, width: 80 });
    expect(lines(text)).toHaveLength(3);
    expect(widest(text)).toBeLessThanOrEqual(80);
    expect(text).toContain(`cold ${s.cold} of 300 · throttled 7 · errors 4`);
    expect(text).toContain(`cold p50 ${formatUs(s.latency.cold.p50Us)} p99 ${formatUs(s.latency.cold.p99Us)}`);
    expect(text).toContain(`warm p50 ${formatUs(s.latency.warm.p50Us)} p99 ${formatUs(s.latency.warm.p99Us)}`);
    expect(text).toContain(`init p50 ${formatUs(s.initDuration.p50Us)}`);
  });

  it('gives a run of several cells its totals (their percentiles are in the table above it)', () => {
    const one = resultsFixture({ n: 50, cold: 20 });
    const two = { ...one, cells: [...one.cells, ...resultsFixture({ n: 30, cold: 30, throttled: 3 }).cells] };
    const text = renderGlance(two, { color: false, width: 80 });
    expect(lines(text)).toHaveLength(2);
    const cold = two.cells.reduce((n, c) => n + c.summary.cold, 0);
    expect(text).toContain(`2 cells · cold ${cold} of 80 · throttled 3 · errors 0`);
  });
});
