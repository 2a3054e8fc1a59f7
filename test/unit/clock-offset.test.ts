import { describe, expect, it } from 'vitest';
import { boundsOf, estimateOffset, intersectBounds, probeTimes, type DateSample } from '../../src/core/clock-offset.js';
import { seededRandom } from '../../src/core/noise.js';

/** A simulated target whose clock runs `offsetMs` ahead of ours and stamps `Date` somewhere inside each round trip. */
function target(offsetMs: number, rttMs: number, next: () => number): (sentMs: number) => DateSample {
  return (sentMs) => {
    const receivedMs = sentMs + rttMs * (0.5 + next());
    const stampedMs = sentMs + (receivedMs - sentMs) * next();
    return { sentMs, receivedMs, dateMs: Math.floor((stampedMs + offsetMs) / 1000) * 1000 };
  };
}

describe('clock offset from Date headers', () => {
  it('one response bounds the offset to a window one second plus its round trip wide', () => {
    const b = boundsOf({ sentMs: 10_400, receivedMs: 10_410, dateMs: 12_000 });
    expect(b).toEqual({ lowMs: 1_590, highMs: 2_600 });
    expect(b.highMs - b.lowMs).toBe(1010);
  });

  it('contradicting samples give no estimate rather than a wrong one', () => {
    const samples: DateSample[] = [
      { sentMs: 0, receivedMs: 1, dateMs: 5_000 },
      { sentMs: 2, receivedMs: 3, dateMs: 9_000 },
    ];
    expect(intersectBounds(samples)).toBeUndefined();
    expect(estimateOffset(samples, 'test')).toBeUndefined();
    expect(estimateOffset([], 'test')).toBeUndefined();
  });

  it('probe times are ascending, not before the start, and within one second of it', () => {
    const times = probeTimes({ lowMs: -300, highMs: 710 }, 50_000.5, 19);
    expect(times).toHaveLength(19);
    for (const [i, t] of times.entries()) {
      expect(t).toBeGreaterThanOrEqual(50_000.5);
      expect(t).toBeLessThan(51_000.5);
      if (i > 0) expect(t).toBeGreaterThanOrEqual(times[i - 1] ?? 0);
    }
  });

  it('three rounds (1 + 19 + 19 responses) always contain the true offset and narrow to the round trip plus a few ms', () => {
    const next = seededRandom(7);
    for (let trial = 0; trial < 400; trial += 1) {
      const offsetMs = (next() - 0.5) * 20_000;
      const rttMs = next() < 0.5 ? 0.2 + next() : 20 + next() * 80;
      const respond = target(offsetMs, rttMs, next);
      let now = 1_700_000_000_000 + next() * 1000;
      const samples: DateSample[] = [respond(now)];
      for (let round = 0; round < 2; round += 1) {
        const bounds = intersectBounds(samples);
        expect(bounds).toBeDefined();
        for (const t of probeTimes(bounds ?? { lowMs: 0, highMs: 0 }, now + 2 * rttMs, 19)) {
          // Timers fire late: the sample records when the request really left.
          samples.push(respond(t + next() * 2));
        }
        now = Math.max(...samples.map((s) => s.receivedMs));
      }
      const estimate = estimateOffset(samples, 'sim');
      expect(estimate, `trial ${trial}`).toBeDefined();
      const { offsetMs: got = NaN, uncertaintyMs = NaN } = estimate ?? {};
      expect(Math.abs(got - offsetMs)).toBeLessThanOrEqual(uncertaintyMs + 1e-3);
      // Each cut is off by at most its request's round trip and the timer's lateness.
      expect(uncertaintyMs, `trial ${trial}, rtt ${rttMs}`).toBeLessThanOrEqual(1.5 * rttMs + 5);
    }
  });
});
