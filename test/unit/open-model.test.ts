/**
 * The open-model pacer on real timers: it starts every invocation at or after its due time and in order, keeps
 * refused ones in its backlog until capacity frees (late, counted, never dropped), and sleeps between due times
 * instead of spinning, so the driver keeps its CPU for preparing invocations.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { buildSchedule, dueUs } from '../../src/core/load-schedule.js';
import { steadyStages } from '../../src/core/load-stages.js';
import { OpenModelDispatcher } from '../../src/engine/open-model.js';

function steady(perS: number, ms: number) {
  const parsed = steadyStages(perS, ms);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return buildSchedule(parsed.stages);
}

describe('open-model dispatcher', () => {
  it('starts every invocation in order, never before it is due', async () => {
    const schedule = steady(500, 200);
    const t0 = performance.now();
    const nowUs = (): number => (performance.now() - t0) * 1000;
    const starts: Array<{ index: number; atUs: number }> = [];
    const result = await new OpenModelDispatcher(schedule, { nowUs, start: (index) => starts.push({ index, atUs: nowUs() }) > 0 }).run();
    expect(result).toEqual({ started: 100, notSent: 0, startedFromBacklog: 0 });
    expect(starts.map((s) => s.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const s of starts) expect(s.atUs).toBeGreaterThanOrEqual(dueUs(schedule, s.index));
  });

  it('an invocation refused for want of capacity waits in the backlog and starts when capacity frees', async () => {
    const schedule = steady(1000, 50);
    const t0 = performance.now();
    let free = 10;
    const order: number[] = [];
    const dispatcher = new OpenModelDispatcher(schedule, {
      nowUs: () => (performance.now() - t0) * 1000,
      start: (index) => {
        if (free === 0) return false;
        free -= 1;
        order.push(index);
        return true;
      },
    });
    const running = dispatcher.run();
    // Capacity for one more every 2 ms: slower than the schedule, so a backlog builds and drains.
    const timer = setInterval(() => {
      free += 1;
      dispatcher.capacityFreed();
    }, 2);
    const result = await running;
    clearInterval(timer);
    expect(result.started).toBe(50);
    expect(result.notSent).toBe(0);
    expect(result.startedFromBacklog).toBeGreaterThan(0);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('sleeps between due times at 2,000/s instead of spinning: the event loop stays mostly idle', async () => {
    // A pacer that spun on setImmediate near each due time kept the loop busy the whole load at 1,000/s and
    // above (utilisation 1.0), whatever the machine's load; sleeping on timers leaves it idle but for the starts.
    const schedule = steady(2000, 1000);
    const t0 = performance.now();
    const before = performance.eventLoopUtilization();
    let started = 0;
    await new OpenModelDispatcher(schedule, { nowUs: () => (performance.now() - t0) * 1000, start: () => ++started > 0 }).run();
    const utilization = performance.eventLoopUtilization(before).utilization;
    expect(started).toBe(2000);
    expect(utilization).toBeLessThan(0.5);
  });
});
