import { describe, expect, it } from 'vitest';
import { buildSchedule } from '../../src/core/load-schedule.js';
import { parseStages } from '../../src/core/load-stages.js';
import { LoadWindowAccumulator, loadWindows } from '../../src/core/load-windows.js';
import type { InvocationRecord } from '../../src/core/types.js';

let nextIndex = 0;
/** A record written at `sentMs` (due at `dueMs`, default the same) that took `latencyMs`. */
function rec(sentMs: number, latencyMs: number, extra: Partial<InvocationRecord> & { dueMs?: number } = {}): InvocationRecord {
  const { dueMs, ...rest } = extra;
  const sentUs = sentMs * 1000;
  return {
    index: nextIndex++,
    cell: 'default',
    burst: 0,
    scheduledUs: (dueMs ?? sentMs) * 1000,
    sentUs,
    finishedUs: sentUs + latencyMs * 1000,
    latencyUs: latencyMs * 1000,
    prepareUs: 0,
    outcome: 'ok',
    classification: 'warm',
    ...rest,
  };
}

const env = (envId: string, envSeq: number) => ({ envId, envSeq, initType: 'on-demand' });

describe('load windows', () => {
  it('places records by write time and counts what each window saw', () => {
    const records = [
      rec(100, 300, { classification: 'cold', env: env('a', 1) }),
      rec(200, 10, { env: env('b', 3) }),
      rec(900, 200, { env: env('b', 4) }), // finishes in window 1
      rec(1100, 5, { outcome: 'throttled', classification: 'unknown', errorType: 'ReservedFunctionConcurrentInvocationLimitExceeded', statusCode: 429 }),
      rec(1200, 5, { outcome: 'throttled', classification: 'unknown', errorType: 'ReservedFunctionConcurrentInvocationLimitExceeded', statusCode: 429 }),
      rec(1300, 50, { outcome: 'function-error', errorType: 'Error', env: env('c', 1), classification: 'cold' }),
      rec(2500, 40, { dueMs: 2490 }), // 10 ms late
    ];
    const windows = loadWindows(records, { windowMs: 1000 });
    expect(windows.map((w) => [w.started, w.finished, w.inFlight])).toEqual([
      [3, 2, 1],
      [3, 4, 0],
      [1, 1, 0],
    ]);
    expect(windows.map((w) => [w.cold, w.warm, w.unknown, w.throttled, w.errors])).toEqual([
      [1, 2, 0, 0, 0],
      [1, 0, 0, 2, 1],
      [0, 1, 0, 0, 0],
    ]);
    expect(windows[1]?.throttlesByReason).toEqual({ ReservedFunctionConcurrentInvocationLimitExceeded: 2 });
    // b served an invocation that ran into window 1; c was new in window 1.
    expect(windows.map((w) => [w.environments, w.newEnvironments])).toEqual([
      [2, 1],
      [2, 1],
      [0, 0],
    ]);
    expect(windows[2]?.late).toBe(1);
    expect(windows[2]?.scheduleLagP99Us).toBeGreaterThanOrEqual(9_900);
    expect(windows[2]?.dueLatencyP99Us).toBeGreaterThan(windows[2]?.latencyP99Us ?? Infinity);
    expect(windows[0]?.latencyP99Us).toBeGreaterThanOrEqual(297_000);
    expect(windows[0]?.latencyP50Us).toBeLessThan(windows[0]?.latencyP99Us ?? 0);
  });

  it('leaves environments out when no record carries ground truth (AWS)', () => {
    const [window] = loadWindows([rec(10, 1)], {});
    expect(window?.environments).toBeUndefined();
    expect(window?.newEnvironments).toBeUndefined();
  });

  it('measures from the load origin and extends to the load length', () => {
    const windows = loadWindows([rec(5_500, 1)], { windowMs: 500, originUs: 5_000_000 }, 3_000_000);
    expect(windows).toHaveLength(6);
    expect(windows.map((w) => w.started)).toEqual([0, 1, 0, 0, 0, 0]);
  });

  it('asks the schedule what each window requested', () => {
    const parsed = parseStages('2s:0-100,1s:100');
    if (!parsed.ok) throw new Error(parsed.error.message);
    const windows = loadWindows([], { windowMs: 1000, schedule: buildSchedule(parsed.stages) }, 3_000_000);
    expect(windows.map((w) => w.requested)).toEqual([25, 75, 100]);
  });

  it('a live accumulator counts starts before their responses, and ends equal to the replay', () => {
    const records = [rec(10, 1500), rec(20, 5), rec(1010, 5)];
    const live = new LoadWindowAccumulator({ startsFromSent: true });
    for (const r of records) live.sent(r.sentUs);
    expect(live.windows().map((w) => [w.started, w.inFlight])).toEqual([
      [2, 2],
      [1, 3],
    ]);
    for (const r of records) live.add(r);
    expect(live.windows()).toEqual(loadWindows(records, {}));
  });
});
