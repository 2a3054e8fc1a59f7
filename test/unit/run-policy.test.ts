import { describe, expect, it } from 'vitest';
import { colorWanted } from '../../src/cli/command.js';
import { exitCodeOf, type RunEnding } from '../../src/cli/execute.js';
import type { RunEvent } from '../../src/core/events.js';
import { RunTally } from '../../src/core/tally.js';
import { ThresholdWatch, parseThresholdsOrThrow } from '../../src/engine/thresholds.js';
import { createPlainSink } from '../../src/ui/plain.js';
import { createUiStore } from '../../src/ui/store.js';
import { burstRun, record } from './ui-events.js';

describe('the one exit-code policy of burst and run', () => {
  const ok: RunEnding = { interruptedByUser: false, stoppedByThreshold: false, cleanupFailed: false, thresholdsPassed: true };
  it.each([
    ['a clean run', {}, 0],
    ['a failed threshold', { thresholdsPassed: false }, 10],
    ['a run stopped by a lost threshold', { stoppedByThreshold: true }, 10],
    ['a change left on a real function, over a failed threshold', { cleanupFailed: true, thresholdsPassed: false }, 3],
    ['Ctrl-C, over everything else', { interruptedByUser: true, cleanupFailed: true, thresholdsPassed: false }, 130],
  ] as const)('%s', (_name, patch, code) => {
    expect(exitCodeOf({ ...ok, ...patch })).toBe(code);
  });
});

describe('colour is decided once, the no-color.org way', () => {
  it.each([
    [{}, undefined, true],
    [{ NO_COLOR: '' }, undefined, true],
    [{ NO_COLOR: '1' }, undefined, false],
    [{ NO_COLOR: '0' }, undefined, false],
    [{}, true, false],
  ] as const)('env %j, --no-color %s → %s', (env, flag, want) => {
    expect(colorWanted({ env: { ...env } }, flag)).toBe(want);
  });
});

describe('one tally per cell, read by every consumer', () => {
  // One burst of 6: 2 throttles without a reason, 1 with one, 1 function error, 2 ok.
  const events: RunEvent[] = burstRun({ n: 0, waves: 1 }).filter((e) => e.type !== 'record' && e.type !== 'burst-end' && e.type !== 'cell-end' && e.type !== 'run-end');
  const records = [
    record({ index: 0, sentUs: 0, latencyUs: 1000, outcome: 'throttled' }),
    record({ index: 1, sentUs: 0, latencyUs: 1000, outcome: 'throttled' }),
    record({ index: 2, sentUs: 0, latencyUs: 1000, outcome: 'throttled', errorType: 'ReservedFunctionConcurrentInvocationLimitExceeded' }),
    record({ index: 3, sentUs: 0, latencyUs: 9000, outcome: 'function-error', errorType: 'Error' }),
    record({ index: 4, sentUs: 0, latencyUs: 300_000, initDurationMs: 250 }),
    record({ index: 5, sentUs: 0, latencyUs: 2000 }),
  ];

  it('the live view, the plain progress, the threshold watch and the summary count the same way', () => {
    const tally = new RunTally();
    const store = createUiStore(tally);
    let plainOut = '';
    const plain = createPlainSink((s) => (plainOut += s), { color: false, now: () => 0, tally });
    const watch = new ThresholdWatch(parseThresholdsOrThrow(['throttled.Unknown < 2']), tally);
    let lost: string | undefined;
    const all: RunEvent[] = [
      ...events,
      ...records.map((r) => ({ type: 'record', record: r }) as const),
      { type: 'burst-end', atUs: 400_000, cell: 'default', burst: 0, info: { index: 0, n: 6, releaseSpreadUs: 10, prepareUs: 5, startedUs: 0, notSent: 0 } },
      { type: 'cell-end', atUs: 400_000, cell: 'default' },
      { type: 'run-end', atUs: 400_000, interrupted: false },
    ];
    for (const e of all) {
      tally.dispatch(e);
      store.dispatch(e);
      plain(e);
      if (e.type === 'record') lost ??= watch.observe(e.record)?.detail;
    }
    const summary = tally.cell('default')?.summary.snapshot();
    expect(summary?.throttlesByReason).toEqual({ Unknown: 2, ReservedFunctionConcurrentInvocationLimitExceeded: 1 });
    const counters = store.snapshot().counters;
    expect(Object.fromEntries(counters.throttlesByReason)).toEqual(summary?.throttlesByReason);
    expect(counters.throttled).toBe(3);
    expect(counters.errors).toBe(1);
    expect(counters.unknown).toBe(summary?.unknown);
    expect(plainOut).toMatch(/burst 1\/1: 6 sent, 2 ok, 1 cold, 3 throttled, 1 error/);
    expect(lost).toMatch(/throttled\.Unknown reached 2/);
  });
});
