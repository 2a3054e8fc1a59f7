import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/events.js';
import type { BurstInfo, CellSpec } from '../../src/core/types.js';
import { createNdjsonSink } from '../../src/ui/ndjson.js';
import { createPlainSink } from '../../src/ui/plain.js';
import { cellFixture } from './fixtures/results.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

const cell = cellFixture({ n: 50, cold: 30, throttled: 2, functionErrors: 1 });
const spec: CellSpec = cell.spec;
const info: BurstInfo = { index: 0, n: 50, releaseSpreadUs: 4100, prepareUs: 20_000, startedUs: 1000, notSent: 0 };

/** A whole one-burst run as the engine would emit it. */
function runEvents(burstInfo = info, waves = 3): RunEvent[] {
  return [
    { type: 'run-start', atUs: 0, wallClock: '2026-11-22T15:00:00.000Z', targetKind: 'emulator', cells: [spec] },
    { type: 'cell-start', atUs: 1, cell: spec },
    { type: 'step', atUs: 2, cell: spec.id, step: 'force-cold', detail: 'drained 3 idle environments' },
    { type: 'burst-start', atUs: 3, cell: spec.id, burst: 0, n: 50, waves },
    { type: 'burst-released', atUs: 4, cell: spec.id, burst: 0, info: burstInfo },
    ...cell.records.map((record): RunEvent => ({ type: 'record', record })),
    { type: 'burst-end', atUs: 5, cell: spec.id, burst: 0, info: burstInfo },
    { type: 'notice', atUs: 6, level: 'warn', message: 'the emulator is not real Lambda' },
    { type: 'cell-end', atUs: 7, cell: spec.id },
    { type: 'run-end', atUs: 8, interrupted: false },
  ];
}

function collect(color: boolean, now: () => number, events = runEvents()): string {
  let out = '';
  const sink = createPlainSink((s) => (out += s), { color, now });
  for (const e of events) sink(e);
  return out;
}

describe('plain sink', () => {
  it('prints one line per finished burst with counts, spread and percentiles', () => {
    const out = collect(false, () => 0);
    const line = out.split('\n').find((l) => l.startsWith('burst 1/3:'));
    expect(line).toBeDefined();
    const s = cell.summary;
    expect(line).toContain(`50 sent, ${s.byOutcome.ok} ok, ${s.cold} cold, 2 throttled, 1 error, spread 4.1ms, p50 `);
    expect(out).toContain('force-cold: drained 3 idle environments');
    expect(out).toContain('warning: the emulator is not real Lambda');
    expect(out).not.toMatch(ANSI);
    // Whole lines only, and no per-record lines.
    expect(out.endsWith('\n')).toBe(true);
    expect(out.split('\n').length).toBeLessThan(12);
  });

  it('names the cell once when it is labelled with its function, and both when not', () => {
    const withSpec = (cellSpec: CellSpec): string[] =>
      collect(false, () => 0, [{ type: 'cell-start', atUs: 1, cell: cellSpec }]).split('\n').filter(Boolean);
    const plain = withSpec({ ...spec, id: 'default', label: spec.functionName });
    expect(plain[0]).toMatch(new RegExp(`^${spec.functionName} \\(`));
    const matrix = withSpec({ ...spec, id: 'x-512mb-pc0', label: 'x-512mb-pc0' });
    expect(matrix[0]).toContain(`x-512mb-pc0: ${spec.functionName} (`);
  });

  it('reports invocations never sent and an interrupted run', () => {
    const events = runEvents({ ...info, notSent: 5 });
    events[events.length - 1] = { type: 'run-end', atUs: 9, interrupted: true };
    const out = collect(false, () => 0, events);
    expect(out).toContain('45 sent');
    expect(out).toContain('5 not sent');
    expect(out).toContain('interrupted');
  });

  it('prints progress at most once per interval while a burst runs', () => {
    let t = 0;
    // Each call advances the injected clock 1 s: 50 records span ~50 s → about 10 progress lines at 5 s.
    const out = collect(false, () => (t += 1000));
    const progress = out.split('\n').filter((l) => l.includes('done,'));
    expect(progress.length).toBeGreaterThanOrEqual(8);
    expect(progress.length).toBeLessThanOrEqual(10);
    expect(progress[0]).toMatch(/^ {2}burst 1\/3: \d+\/50 done, \d+ ok, \d+ cold$/);
    // A frozen clock gives none.
    expect(collect(false, () => 0).includes('done,')).toBe(false);
  });

  it('colours only when asked', () => {
    const coloured = collect(true, () => 0);
    expect(coloured).toMatch(ANSI);
    expect(coloured.replace(ANSI, '')).toBe(collect(false, () => 0));
  });
});

describe('NDJSON sink', () => {
  it('writes every event as one parseable JSON line, in order', () => {
    const chunks: string[] = [];
    const sink = createNdjsonSink((s) => chunks.push(s));
    const events = runEvents();
    for (const e of events) sink(e);
    expect(chunks).toHaveLength(events.length);
    for (const c of chunks) expect(c.endsWith('\n') && !c.slice(0, -1).includes('\n')).toBe(true);
    expect(chunks.map((c) => JSON.parse(c) as unknown)).toEqual(JSON.parse(JSON.stringify(events)));
  });
});
