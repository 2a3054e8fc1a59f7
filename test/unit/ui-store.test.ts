import { describe, expect, it } from 'vitest';
import { ACTIVITY_BINS, Activity } from '../../src/ui/activity.js';
import { LiveHistogram, binOf } from '../../src/ui/live-histogram.js';
import { createUiStore, type UiStore } from '../../src/ui/store.js';
import { GLYPH, Cell, MAX_LANES_PER_ROW, layoutTimeline } from '../../src/ui/timeline-layout.js';
import type { RunEvent } from '../../src/core/events.js';
import { burstRun, cell, record } from './ui-events.js';

function storeOf(events: RunEvent[]): UiStore {
  const store = createUiStore();
  for (const e of events) store.dispatch(e);
  return store;
}

function rowText(row: { runs: Array<{ text: string }> }): string {
  return row.runs.map((r) => r.text).join('');
}

describe('ui store', () => {
  it('counts a cold wave then a warm wave on the same environments, with one lane per environment', () => {
    const snap = storeOf(burstRun({ n: 20, waves: 2 })).snapshot();
    expect(snap.counters).toMatchObject({ cold: 20, warm: 20, unknown: 0, throttled: 0, errors: 0 });
    expect(snap.timeline.mode).toBe('lanes');
    expect(snap.timeline.lanes).toHaveLength(20);
    for (const lane of snap.timeline.lanes) {
      expect(lane.invocations).toBe(2);
      expect(lane.segments.map((s) => s.kind)).toEqual(['init', 'invoke', 'invoke']);
      const [init, first, second] = lane.segments;
      // Init is drawn for the REPORT's Init Duration (180 ms), then the invoke for its Duration, both ending
      // at the response; the ~1 ms of overhead after the send is not the environment's.
      expect((init?.endUs ?? 0) - (init?.startUs ?? 0)).toBe(180_000);
      expect(first?.startUs).toBe(init?.endUs);
      expect(init?.startUs).toBe(1000 + 1000 + Math.floor(((lane.ordinal - 1) / 20) * 2000));
      // The idle gap between waves is visible as time with no segment.
      expect((second?.startUs ?? 0) - (first?.endUs ?? 0)).toBeGreaterThan(500_000);
    }
    expect(snap.header).toMatchObject({ targetKind: 'emulator', functionName: 'node-sleep', runtime: 'nodejs20.x', memoryMb: 128, burstN: 20, wave: 2, waves: 2, phase: 'ended' });
    expect(snap.progress).toEqual({ planned: 40, sent: 40, inFlight: 0, done: 40 });
    const waves = snap.log.filter((l) => l.kind === 'wave');
    expect(waves.map((w) => (w.kind === 'wave' ? [w.wave, w.cold, w.warm] : []))).toEqual([
      [1, 20, 0],
      [2, 0, 20],
    ]);
  });

  it('tracks sent, in flight and done while a burst is under way', () => {
    const events = burstRun({ n: 10, waves: 3 });
    const store = createUiStore();
    // run-start, cell-start, burst-start, burst-released, then 4 records.
    for (const e of events.slice(0, 8)) store.dispatch(e);
    const snap = store.snapshot();
    expect(snap.progress).toEqual({ planned: 30, sent: 10, inFlight: 6, done: 4 });
    expect(snap.header).toMatchObject({ wave: 1, waves: 3, phase: 'running' });
  });

  it('counts throttles by reason and errors by type, and keeps throttles off the lanes', () => {
    const events = burstRun({ n: 10, waves: 1, throttledPerWave: 3 });
    const store = storeOf(events.slice(0, -2));
    store.dispatch({ type: 'record', record: record({ index: 90, sentUs: 5000, latencyUs: 9000, envId: 'env-x', outcome: 'function-error', errorType: 'Unhandled' }) });
    store.dispatch({ type: 'record', record: record({ index: 91, sentUs: 5000, latencyUs: 9000, outcome: 'transport-error', errorType: 'ECONNRESET' }) });
    const snap = store.snapshot();
    expect(snap.counters.throttled).toBe(3);
    expect(snap.counters.throttlesByReason).toEqual([['ReservedFunctionConcurrentInvocationLimitExceeded', 3]]);
    expect(snap.counters.errors).toBe(2);
    expect(snap.counters.errorsByType).toEqual([['ECONNRESET', 1], ['Unhandled', 1]]);
    // 7 served environments plus the one that failed; throttled invocations never reached one.
    expect(snap.timeline.lanes).toHaveLength(8);
    expect(snap.timeline.lanes.at(-1)?.segments.map((s) => s.kind)).toEqual(['failed']);
    expect(snap.timeline.activity.throttled.reduce((a, b) => a + b, 0)).toBe(3);
    const layout = layoutTimeline(snap.timeline, 60, 20);
    expect(layout.rows.at(-1)?.label).toBe('throttled');
    expect(rowText(layout.rows.at(-1) ?? { runs: [] })).toContain('x');
  });

  it('shows aggregates, not lanes, when the target gives no environment ids (AWS)', () => {
    const store = createUiStore();
    const events = burstRun({ n: 10, waves: 2, withEnv: false, targetKind: 'aws' });
    store.dispatch(events[0] as RunEvent);
    expect(store.snapshot().timeline.mode).toBe('aggregate');
    for (const e of events.slice(1)) store.dispatch(e);
    const snap = store.snapshot();
    expect(snap.timeline.mode).toBe('aggregate');
    expect(snap.timeline.lanes).toHaveLength(0);
    expect(snap.timeline.activity.cold.reduce((a, b) => a + b, 0)).toBe(10);
    const layout = layoutTimeline(snap.timeline, 60, 10);
    expect(layout.rows.map((r) => r.label)).toEqual(['in flight', 'cold']);
    expect(rowText(layout.rows[0] ?? { runs: [] }).trim().length).toBeGreaterThan(0);
  });

  it('waits with lanes on the emulator before any record arrives', () => {
    const store = storeOf(burstRun({ n: 5, waves: 1 }).slice(0, 4));
    expect(store.snapshot().timeline.mode).toBe('lanes');
    expect(store.snapshot().timeline.lanes).toHaveLength(0);
  });

  it('moves elapsed time with the caller clock between events and freezes it at run end', () => {
    const events = burstRun({ n: 5, waves: 1 });
    const store = storeOf(events.slice(0, 3));
    expect(store.snapshot(2_500_000).header.elapsedUs).toBe(2_500_000);
    // A clock behind the last event never moves time backwards.
    expect(store.snapshot(0).header.elapsedUs).toBe(1000);
    for (const e of events.slice(3)) store.dispatch(e);
    const endUs = (events.at(-1) as { atUs: number }).atUs;
    expect(store.snapshot(endUs + 9_000_000).header.elapsedUs).toBe(endUs);
  });

  it('hands out immutable snapshots that later events do not change', () => {
    const events = burstRun({ n: 4, waves: 2 });
    const store = createUiStore();
    for (const e of events.slice(0, 8)) store.dispatch(e);
    const before = store.snapshot();
    const lanesBefore = before.timeline.lanes.map((l) => l.segments.length);
    for (const e of events.slice(8)) store.dispatch(e);
    expect(before.timeline.lanes.map((l) => l.segments.length)).toEqual(lanesBefore);
    expect(store.snapshot().timeline.lanes.map((l) => l.segments.length)).not.toEqual(lanesBefore);
    expect(Object.isFrozen(before)).toBe(true);
    expect(Object.isFrozen(before.counters)).toBe(true);
    // Unchanged store and clock: the same snapshot object (cheap frames when nothing happened).
    expect(store.snapshot()).toBe(store.snapshot());
  });

  it('gives cold and warm percentiles in order, the summary\'s own', () => {
    const snap = storeOf(burstRun({ n: 50, waves: 2 })).snapshot();
    const { cold, warm } = snap.latency;
    expect(cold.count).toBe(50);
    expect(warm.count).toBe(50);
    for (const p of [cold, warm]) {
      expect(p.p50Us).toBeLessThanOrEqual(p.p90Us);
      expect(p.p90Us).toBeLessThanOrEqual(p.p99Us);
      expect(p.p99Us).toBeLessThanOrEqual(p.maxUs);
    }
    expect(cold.p50Us).toBeGreaterThan(warm.maxUs);
    // The summary's own numbers (HDR, 3 significant digits): the largest cold latency within 0.1 %.
    expect(Math.abs(cold.maxUs - (250_000 + 49 * 1000))).toBeLessThanOrEqual(299);
    expect(snap.histogram.cold.reduce((a, b) => a + b, 0)).toBe(50);
    expect(snap.histogram.warm.reduce((a, b) => a + b, 0)).toBe(50);
  });

  it('records notices as finished log lines', () => {
    const store = storeOf([
      { type: 'run-start', atUs: 0, wallClock: 'x', targetKind: 'emulator', cells: [cell] },
      { type: 'notice', atUs: 10, level: 'warn', message: 'reserved concurrency is 5' },
    ]);
    expect(store.snapshot().log).toEqual([{ kind: 'notice', key: 'notice:0', level: 'warn', message: 'reserved concurrency is 5' }]);
  });
});

describe('timeline layout', () => {
  it('draws init differently from invoke, idle gaps between, one lane per row when they fit', () => {
    const snap = storeOf(burstRun({ n: 3, waves: 2, intervalUs: 2_000_000 })).snapshot();
    const layout = layoutTimeline(snap.timeline, 60, 10);
    expect(layout.lanesPerRow).toBe(1);
    expect(layout.rows.map((r) => r.label)).toEqual(['#1', '#2', '#3']);
    const text = rowText(layout.rows[0] ?? { runs: [] });
    expect(text).toHaveLength(60);
    expect(text.startsWith(GLYPH[Cell.init])).toBe(true);
    // init, then idle, then the warm invoke, then idle to the end.
    expect(text).toMatch(new RegExp(`^${GLYPH[Cell.init]}+${GLYPH[Cell.invoke]}*${GLYPH[Cell.idle]}+${GLYPH[Cell.invoke]}+${GLYPH[Cell.idle]}*$`));
  });

  it('folds hundreds of lanes into rows and counts the ones that do not fit', () => {
    const snap = storeOf(burstRun({ n: 300, waves: 1 })).snapshot();
    const folded = layoutTimeline(snap.timeline, 60, 30);
    expect(folded.lanesPerRow).toBe(10);
    expect(folded.rows).toHaveLength(30);
    expect(folded.rows[0]?.label).toBe('#1-10');
    expect(folded.hiddenEnvs).toBe(0);
    const scrolled = layoutTimeline(snap.timeline, 60, 8);
    expect(scrolled.lanesPerRow).toBe(MAX_LANES_PER_ROW);
    expect(scrolled.rows).toHaveLength(8);
    expect(scrolled.hiddenEnvs).toBe(300 - 8 * MAX_LANES_PER_ROW);
    expect(scrolled.totalEnvs).toBe(300);
  });
});

describe('activity bins', () => {
  it('coarsen as the run grows without losing busy time or counts', () => {
    const activity = new Activity(0, 1000);
    activity.add(0, 500, { cold: true, throttled: false, failed: false });
    activity.add(10_000_000, 10_400_000, { cold: false, throttled: true, failed: false });
    const view = activity.view();
    expect(view.busyUs).toHaveLength(ACTIVITY_BINS);
    expect(view.binUs * ACTIVITY_BINS).toBeGreaterThan(10_400_000);
    expect(view.busyUs.reduce((a, b) => a + b, 0)).toBe(400_500);
    expect(view.cold.reduce((a, b) => a + b, 0)).toBe(1);
    expect(view.throttled.reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('live histogram', () => {
  it('bins by log scale and trims the view to the filled span', () => {
    expect(binOf(1000)).toBeLessThan(binOf(10_000));
    const h = new LiveHistogram();
    h.add(20_000, false);
    h.add(300_000, true);
    const view = h.view(1);
    expect(view.edgesUs).toHaveLength(view.cold.length + 1);
    // Whole decades: 10 ms to 1 s holds 20 ms and 300 ms.
    expect(view.edgesUs[0]).toBeCloseTo(10_000, 6);
    expect(view.edgesUs.at(-1)).toBeCloseTo(1_000_000, 6);
    expect(view.warm.reduce((a, b) => a + b, 0)).toBe(1);
    expect(view.cold.reduce((a, b) => a + b, 0)).toBe(1);
    expect(view.warm[binOf(20_000) - binOf(10_000)]).toBe(1);
  });

  it('never moves or shrinks the range it showed: frames do not jump as responses arrive', () => {
    const h = new LiveHistogram();
    const shown: Array<readonly [number, number]> = [];
    // Cold starts first (slow), then warm ones far faster, then one outlier, then more of the middle.
    const latencies = [2_000_000, 2_500_000, 1_200_000, 30_000, 12_000, 45_000, 9_000_000, 300_000, 31_000];
    for (const us of latencies) {
      h.add(us, us > 1_000_000);
      const v = h.view();
      shown.push([v.edgesUs[0] as number, v.edgesUs.at(-1) as number]);
      expect(v.edgesUs[0]).toBeLessThanOrEqual(us);
      expect(v.edgesUs.at(-1)).toBeGreaterThan(us);
    }
    for (let i = 1; i < shown.length; i += 1) {
      const [lo, hi] = shown[i] as readonly [number, number];
      const [prevLo, prevHi] = shown[i - 1] as readonly [number, number];
      expect(lo).toBeLessThanOrEqual(prevLo);
      expect(hi).toBeGreaterThanOrEqual(prevHi);
    }
    // A value inside the range changes nothing.
    const before = h.view();
    h.add(1_500_000, true);
    const after = h.view();
    expect(after.edgesUs).toEqual(before.edgesUs);
  });
});
