import { describe, expect, it } from 'vitest';
import { arrivalIndex, buildSchedule, dueUs, expectedBy, rateAt } from '../../src/core/load-schedule.js';
import { ownsArrival } from '../../src/core/shard.js';
import { parseStages, steadyStages, type LoadStage } from '../../src/core/load-stages.js';
import { seededRandom } from '../../src/core/noise.js';

function stages(text: string): LoadStage[] {
  const result = parseStages(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.stages;
}

describe('open-model schedule', () => {
  it.each([
    // stages, invocations, [index, due µs] pairs
    ['1s:100', 100, [[0, 0], [1, 10_000], [99, 990_000]]],
    ['2s:0.5', 1, [[0, 0]]],
    ['1s:2.5', 3, [[0, 0], [1, 400_000], [2, 800_000]]],
    // Ramp 0→100 over 10 s: N(t) = 5·t², so invocation i is due at √(i/5) s.
    ['10s:0-100', 500, [[0, 0], [5, 1_000_000], [20, 2_000_000], [499, Math.sqrt(499 / 5) * 1e6]]],
    // Ramp 100→0 over 10 s: N(t) = 100·t − 5·t².
    ['10s:100-0', 500, [[0, 0], [95, 1_000_000], [480, 8_000_000]]],
    // A gap of rate 0: invocation 100 waits for the third stage.
    ['1s:100,1s:0,1s:100', 200, [[99, 990_000], [100, 2_000_000], [199, 2_990_000]]],
    ['5s:0,1s:10', 10, [[0, 5_000_000], [9, 5_900_000]]],
  ])('%s', (text, count, pairs) => {
    const schedule = buildSchedule(stages(text));
    expect(schedule.count).toBe(count);
    for (const [index, due] of pairs as [number, number][]) expect(dueUs(schedule, index)).toBeCloseTo(due, 3);
  });

  it('is monotone, inside the load, and inverts the integral of the rate', () => {
    for (const text of ['30s:0-200,60s:200,30s:200-0', '3s:7-1,2s:0,4s:0-13.5', '1s:5000', '10s:1000-0']) {
      const schedule = buildSchedule(stages(text));
      let previous = -1;
      const broken: string[] = [];
      for (let i = 0; i < schedule.count; i++) {
        const due = dueUs(schedule, i);
        if (due < previous || due >= schedule.durationUs || Math.abs(expectedBy(schedule, due) - i) > 1e-6) broken.push(`${text} #${i} at ${due}`);
        previous = due;
      }
      expect(broken).toEqual([]);
    }
  });

  it('asks for the rate of the stage at each time', () => {
    const schedule = buildSchedule(stages('10s:0-100,10s:100'));
    expect(rateAt(schedule, 0)).toBe(0);
    expect(rateAt(schedule, 5_000_000)).toBe(50);
    expect(rateAt(schedule, 15_000_000)).toBe(100);
    expect(rateAt(schedule, 20_000_000)).toBe(0);
    expect(expectedBy(schedule, 20_000_000)).toBe(1500);
  });

  it('steady stages space invocations evenly', () => {
    const result = steadyStages(1000, 10_000);
    if (!result.ok) throw new Error(result.error.message);
    const schedule = buildSchedule(result.stages);
    expect(schedule.count).toBe(10_000);
    expect(dueUs(schedule, 1234)).toBeCloseTo(1_234_000, 6);
  });
});

describe('a shard of the schedule (--shard i/N)', () => {
  it('N shards together are the whole schedule: every arrival once, at its whole-plan time, owned as ownsArrival says', () => {
    const next = seededRandom(13);
    for (let trial = 0; trial < 150; trial += 1) {
      const parts: string[] = [];
      for (let s = 0, n = 1 + Math.floor(next() * 4); s < n; s += 1) {
        const ms = 100 + Math.floor(next() * 2000);
        const from = Math.floor(next() * 300);
        parts.push(next() < 0.5 ? `${ms}ms:${from}` : `${ms}ms:${from}-${Math.floor(next() * 300)}`);
      }
      const text = parts.join(',');
      if (!parseStages(text).ok) continue;
      const whole = buildSchedule(stages(text));
      const count = 1 + Math.floor(next() * 8);
      const seen = new Array<number>(whole.count).fill(0);
      let sent = 0;
      for (let index = 1; index <= count; index += 1) {
        const shard = { index, count };
        const mine = buildSchedule(stages(text), shard);
        sent += mine.count;
        let previous = -1;
        const wrong: string[] = [];
        for (let k = 0; k < mine.count; k += 1) {
          const g = arrivalIndex(mine, k);
          const due = dueUs(mine, k);
          if (!ownsArrival(g, shard)) wrong.push(`#${k} is arrival ${g}, not this shard's`);
          if (due !== dueUs(whole, g)) wrong.push(`#${k} due at ${due}, the whole plan's ${g} at ${dueUs(whole, g)}`);
          // Still in time order, so the dispatcher sends a shard's arrivals as the schedule says.
          if (due < previous) wrong.push(`#${k} due before #${k - 1}`);
          previous = due;
          seen[g] = (seen[g] ?? 0) + 1;
        }
        expect(wrong, `${text} ${index}/${count}`).toEqual([]);
        // A shard is asked for 1/N of the whole at every instant; the rate it reports stays the whole load's.
        const at = next() * whole.durationUs;
        expect(expectedBy(mine, at) * count).toBeCloseTo(expectedBy(whole, at), 6);
        expect(rateAt(mine, at)).toBe(rateAt(whole, at));
      }
      expect(sent, text).toBe(whole.count);
      expect(seen.every((s) => s === 1), `${text} over ${count} shards`).toBe(true);
    }
  });

  it('one shard of one is the whole schedule', () => {
    const whole = buildSchedule(stages('1s:0-100,1s:100'));
    const one = buildSchedule(stages('1s:0-100,1s:100'), { index: 1, count: 1 });
    expect(one.count).toBe(whole.count);
    for (let k = 0; k < whole.count; k += 1) expect(arrivalIndex(one, k)).toBe(k);
  });
});
