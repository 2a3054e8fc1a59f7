import { describe, expect, it } from 'vitest';
import { compareResults, matchCells } from '../../src/core/compare.js';
import { runGate } from '../../src/core/gate.js';
import { parseThreshold } from '../../src/core/threshold.js';
import { renderCompareTable } from '../../src/report/compare-table.js';
import { renderGateText } from '../../src/report/gate-text.js';
import { cell, resultsFile, samples } from './gate-fixtures.js';

describe('matchCells', () => {
  it('matches by id first, then by function/runtime/memory/provisioned, and keeps the leftovers', () => {
    const base = [
      cell({ id: 'a', memoryMb: 128 }),
      cell({ id: 'old-name', memoryMb: 512 }),
      cell({ id: 'gone', memoryMb: 1024, functionName: 'other' }),
    ];
    const cur = [cell({ id: 'new-name', memoryMb: 512 }), cell({ id: 'a', memoryMb: 128 }), cell({ id: 'fresh', memoryMb: 256 })];
    const pairs = matchCells(base, cur);
    const summary = pairs.map((p) => [p.id, p.baseline?.spec.id ?? null, p.current?.spec.id ?? null, p.matchedBy]);
    expect(summary).toEqual([
      ['a', 'a', 'a', 'id'],
      ['new-name', 'old-name', 'new-name', 'spec'],
      ['fresh', null, 'fresh', 'unmatched'],
      ['gone', 'gone', null, 'unmatched'],
    ]);
  });

  it('an id match wins over an earlier spec match', () => {
    const base = [cell({ id: 'x', memoryMb: 128 }), cell({ id: 'y', memoryMb: 128 })];
    const cur = [cell({ id: 'y', memoryMb: 128 })];
    expect(matchCells(base, cur)[0]?.baseline?.spec.id).toBe('y');
  });
});

describe('compareResults', () => {
  const base = resultsFile([cell({ id: 'node', cold: samples(60, 300_000, 1), warm: samples(60, 4000, 2) })]);
  it('same distribution: no regression', () => {
    const cur = resultsFile([cell({ id: 'node', cold: samples(60, 300_000, 3), warm: samples(60, 4000, 4) })]);
    const [c] = compareResults(base, cur);
    expect(c?.regressions).toEqual([]);
    expect(c?.gated.map((m) => m.noise?.verdict)).toEqual(['within-noise', 'within-noise', 'within-noise']);
  });
  it('cold starts 50% slower: cold.init.p50 and cold.latency.p50 regress, warm does not', () => {
    const cur = resultsFile([cell({ id: 'node', cold: samples(60, 450_000, 5), warm: samples(60, 4000, 6) })]);
    const [c] = compareResults(base, cur);
    expect(c?.regressions.map((m) => m.metric)).toEqual(['cold.init.p50', 'cold.latency.p50']);
    const p50 = c?.metrics.find((m) => m.metric === 'cold.latency.p50');
    expect(p50?.delta).toBeGreaterThan(0.3);
    const p99 = c?.metrics.find((m) => m.metric === 'cold.latency.p99');
    expect(p99?.noise?.verdict).toBe('cannot-judge'); // 60 < 500
  });
  it('the text table fits 80 columns and names the regression', () => {
    const cur = resultsFile([
      cell({ id: 'node', cold: samples(60, 450_000, 5), warm: samples(60, 4000, 6) }),
      cell({ id: 'a-very-long-cell-identifier-that-goes-on-and-on-and-on-for-a-while-yes', memoryMb: 3008 }),
    ]);
    const text = renderCompareTable(compareResults(base, cur), { baseline: 'base.json', current: 'cur.json' });
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toMatch(/cold\.latency\.p50 +\d+ms +\d+ms +\+\d+\.\d% +REGRESSION/);
    expect(text).toMatch(/=> regression beyond the noise: cold.init.p50, cold.latency.p50/);
    expect(text).toContain('only in current');
  });
});

describe('runGate', () => {
  const base = resultsFile([cell({ id: 'node', cold: samples(40, 300_000, 1) })]);
  it('passes on the same distribution and fails on +50% with a baseline', () => {
    const same = resultsFile([cell({ id: 'node', cold: samples(40, 300_000, 2) })]);
    const slow = resultsFile([cell({ id: 'node', cold: samples(40, 450_000, 3) })]);
    expect(runGate(same, [], base).passed).toBe(true);
    const gate = runGate(slow, [], base);
    expect(gate.passed).toBe(false);
    const failed = gate.items.filter((i) => i.status === 'fail');
    expect(failed.map((i) => [i.cell, i.metric])).toEqual([
      ['node', 'cold.init.p50'],
      ['node', 'cold.latency.p50'],
    ]);
    const text = renderGateText(gate);
    expect(text).toMatch(/^FAIL {2}\[node\] cold.init.p50 vs baseline$/m);
    expect(text).toMatch(/check FAILED: \d+ passed, 2 failed/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
  it('thresholdsOnly skips the regression check, and says so', () => {
    const slow = resultsFile([cell({ id: 'node', cold: samples(40, 450_000, 3) })]);
    const gate = runGate(slow, [parseThreshold('errors == 0')], base, { thresholdsOnly: true });
    expect(gate.passed).toBe(true);
    expect(gate.skipped).toEqual(['regression check skipped: --thresholds-only.']);
    expect(renderGateText(gate)).toMatch(/^SKIP {2}regression check skipped: --thresholds-only\.$/m);
  });
  it('without a baseline the skipped regression check is named, with the reason the caller gives', () => {
    const cur = resultsFile([cell({ id: 'node', cold: samples(40, 300_000, 2) })]);
    expect(runGate(cur, [parseThreshold('errors == 0')]).skipped).toEqual(['regression check skipped: no baseline was given.']);
    const why = runGate(cur, [parseThreshold('errors == 0')], undefined, { noBaselineReason: "profile p.yaml has no 'baseline:'" });
    expect(why.skipped).toEqual(["regression check skipped: profile p.yaml has no 'baseline:'."]);
    expect(runGate(cur, [], base).skipped).toEqual([]);
  });
  it('inconclusive passes unless strict', () => {
    const few = resultsFile([cell({ id: 'node', cold: samples(5, 300_000, 4) })]);
    expect(runGate(few, [], base).passed).toBe(true);
    expect(runGate(few, [], base).counts.inconclusive).toBeGreaterThan(0);
    expect(runGate(few, [], base, { strict: true }).passed).toBe(false);
  });
  it('a hard threshold fails without a baseline; an interrupted run is flagged', () => {
    const cur = resultsFile([cell({ id: 'node', cold: samples(40, 300_000, 2), errors: ['Boom'] })]);
    cur.interrupted = true;
    const gate = runGate(cur, [parseThreshold('errors == 0')]);
    expect(gate.passed).toBe(false);
    expect(gate.items.some((i) => i.metric === 'interrupted' && i.status === 'inconclusive')).toBe(true);
  });
});
