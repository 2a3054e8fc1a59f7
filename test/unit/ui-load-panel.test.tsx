/**
 * The live view's window panel for a load, drawn through ink's test renderer as the TUI draws it (one Text of
 * finished lines), and the plain output's line per window.
 */
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { Text } from 'ink';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/core/events.js';
import { liveLines } from '../../src/ui/lines.js';
import { loadPanelLines, MAX_PANEL_WINDOWS, windowLine } from '../../src/ui/load-panel.js';
import { waveText } from '../../src/ui/ink/LogLine.js';
import { createPlainSink } from '../../src/ui/plain.js';
import { createUiStore, type UiSnapshot } from '../../src/ui/store.js';
import { burstRun, loadRun } from './ui-events.js';

// ink draws no live frames when CI is set (see ui-components.test.tsx): clear it for this file.
const savedCi = vi.hoisted(() => {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  return saved;
});
afterAll(() => {
  for (const [key, value] of Object.entries(savedCi)) if (value !== undefined) process.env[key] = value;
});

function Lines({ lines }: { lines: readonly string[] }): React.JSX.Element {
  return <Text>{lines.join('\n')}</Text>;
}

const draw = (lines: readonly string[]): string[] => stripVTControlCharacters(render(<Lines lines={lines} />).lastFrame() ?? '').split('\n');

function snapshotAfter(events: readonly RunEvent[]): UiSnapshot {
  const store = createUiStore();
  for (const e of events) store.dispatch(e);
  return store.snapshot();
}

const load = loadRun({ seconds: 12, perS: 20, throttleFrom: 8 });
// Before the run ends: the last window event, then a few more records.
const running = load.slice(0, load.findLastIndex((e) => e.type === 'load-window') + 3);

describe('load window panel', () => {
  it('shows the last windows as rows: t, asked/s, achieved/s, in flight, cold, throttled, p50/p99, environments', () => {
    const lines = draw(liveLines({ snapshot: snapshotAfter(running), columns: 80, rows: 24 }));
    const text = lines.join('\n');
    expect(text).toContain(`load windows of 1s (last ${MAX_PANEL_WINDOWS} of 10)`);
    expect(text).toMatch(/ {5}t {2}asked\/s {3}got\/s {2}flight {2}cold {2}thr {4}p50 {4}p99 {2}envs/);
    // The rows are the windows of seconds 4..9, the newest last; from second 8 every fifth was throttled.
    const rows = lines.filter((l) => /^\s+\d+s\s/.test(l));
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual(['4s', '5s', '6s', '7s', '8s', '9s']);
    expect(rows[0]?.trim().split(/\s+/)).toEqual(['4s', '20.0', '20.0', '0', '0', '0', '18ms', '21.1ms', '3']);
    expect(rows[5]?.trim().split(/\s+/).slice(0, 6)).toEqual(['9s', '20.0', '20.0', '0', '0', '4']);
    expect(text).toContain('throttled by Reason: ReservedFunctionConcurrentInvocationLimitExceeded 8');
  });

  it('is stable at 80×24: every frame of a load, from its start, fits 23 lines of 80 columns', () => {
    const store = createUiStore();
    let withPanel = 0;
    for (const event of load) {
      store.dispatch(event);
      const snapshot = store.snapshot();
      const lines = liveLines({ snapshot, columns: 80, rows: 24 });
      expect(lines.length).toBeLessThanOrEqual(23);
      for (const line of lines) expect(stripVTControlCharacters(line).length).toBeLessThanOrEqual(80);
      if (snapshot.load !== undefined) withPanel += 1;
    }
    expect(withPanel).toBeGreaterThan(100);
  });

  it('says it waits for the first window, and leaves a burst view as it was', () => {
    const first = load.findIndex((e) => e.type === 'load-window');
    expect(snapshotAfter(load.slice(0, first)).load).toBeUndefined();
    const one = snapshotAfter(load.slice(0, first + 1)).load;
    if (one === undefined) throw new Error('no panel after a window');
    expect(loadPanelLines({ ...one, windows: [] }, 80, 6).map(stripVTControlCharacters)).toEqual([
      'load windows of 1s: a window is shown once it closed',
      'waiting for the first window to close…',
    ]);
    const burst = burstRun({ n: 20, waves: 1 });
    expect(liveLines({ snapshot: snapshotAfter(burst), columns: 80, rows: 24 }).join('\n')).not.toContain('load windows');
  });

  it('plain output prints one line per window, throttles by Reason included', () => {
    let out = '';
    const sink = createPlainSink((s) => (out += s), { color: false, now: () => 0 });
    for (const e of load) sink(e);
    const windowLines = out.split('\n').filter((l) => l.startsWith('  window '));
    expect(windowLines).toHaveLength(10);
    expect(windowLines[9]).toBe(
      '  window t=9s: 20.0/s asked, 20.0/s started, 0 in flight, 0 cold, 4 throttled (ReservedFunctionConcurrentInvocationLimitExceeded 4), p50 17ms, p99 21.1ms, lag p99 0µs, 3 environments (0 new)',
    );
    const event = load.find((e) => e.type === 'load-window');
    if (event?.type !== 'load-window') throw new Error('no window');
    expect(windowLine(event.window, 1000)).toMatch(/^t=0s: 20\.0\/s asked, 20\.0\/s started/);
  });

  it("ends a load with a 'load:' line and no release spread, in the plain output and the live view's log", () => {
    let out = '';
    const sink = createPlainSink((s) => (out += s), { color: false, now: () => 0 });
    for (const e of load) sink(e);
    const end = out.split('\n').filter((l) => l.startsWith('load: ') || l.startsWith('burst '));
    expect(end).toHaveLength(1);
    expect(end[0]).toMatch(/^load: 240 sent, /);
    expect(end[0]).not.toMatch(/spread/);
    const wave = snapshotAfter(load).log.find((l) => l.kind === 'wave');
    expect(wave?.kind === 'wave' && waveText(wave)).toMatch(/^load: 240 sent · cold \d+/);
    expect(wave?.kind === 'wave' && waveText(wave)).not.toMatch(/spread/);
  });
});
