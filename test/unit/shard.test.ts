import { describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { buildBurstPlan, plannedInvocations, type BurstPlanOptions, type RunPlan, type RunStep } from '../../src/core/plan.js';
import { parseStages } from '../../src/core/load-stages.js';
import { arrivalShare, globalIndexOf, ownsArrival, parseShard, shardPlan, sliceOf, type Shard } from '../../src/core/shard.js';
import { seededRandom } from '../../src/core/noise.js';

const shardsOf = (count: number): Shard[] => Array.from({ length: count }, (_, i) => ({ index: i + 1, count }));

describe('parseShard', () => {
  it.each([
    ['1/1', { index: 1, count: 1 }],
    ['2/4', { index: 2, count: 4 }],
    [' 4 / 4 ', { index: 4, count: 4 }],
  ])('reads %s', (raw, shard) => {
    expect(parseShard(raw)).toEqual(shard);
  });

  it.each([
    ['2', /must be i\/N/],
    ['a/b', /must be i\/N/],
    ['-1/4', /must be i\/N/],
    ['1.5/4', /must be i\/N/],
    ['0/4', /numbered from 1 to 4/],
    ['5/4', /numbered from 1 to 4/],
    ['1/0', /at least 1 shard/],
  ])('refuses %s with one sentence', (raw, message) => {
    let error: unknown;
    try {
      parseShard(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ColdprobeError);
    expect((error as ColdprobeError).exitCode).toBe(2);
    expect((error as ColdprobeError).message).toMatch(message);
    expect((error as ColdprobeError).message).toMatch(/^[^\n]+\.$/);
  });
});

describe('slices and strides', () => {
  it('the N slices tile 0..total-1 in order, sizes within one of each other, for many (N, total)', () => {
    for (let count = 1; count <= 17; count += 1) {
      for (let total = 0; total <= 130; total += 1) {
        let next = 0;
        const sizes: number[] = [];
        for (const shard of shardsOf(count)) {
          const { offset, size } = sliceOf(total, shard);
          expect(offset, `${shard.index}/${count} of ${total}`).toBe(next);
          next += size;
          sizes.push(size);
        }
        expect(next).toBe(total);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('the N strides own every arrival exactly once, and arrivalShare counts them', () => {
    for (let count = 1; count <= 13; count += 1) {
      for (let total = 0; total <= 90; total += 1) {
        const owners = new Array<number>(total).fill(0);
        for (const shard of shardsOf(count)) {
          let owned = 0;
          for (let g = 0; g < total; g += 1) {
            if (ownsArrival(g, shard)) {
              owners[g] = (owners[g] ?? 0) + 1;
              owned += 1;
            }
          }
          expect(owned, `${shard.index}/${count} of ${total}`).toBe(arrivalShare(total, shard));
        }
        expect(owners.every((o) => o === 1)).toBe(true);
      }
    }
  });
});

describe('shardPlan', () => {
  const base: BurstPlanOptions = { functionName: 'f', payload: new Uint8Array(), n: 10, waves: 1, intervalMs: 0, forceCold: false };
  const bursts = (steps: readonly RunStep[]): Array<Extract<RunStep, { kind: 'burst' }>> =>
    steps.filter((s): s is Extract<RunStep, { kind: 'burst' }> => s.kind === 'burst');

  it('N shards together are exactly the whole plan: every global index once, per burst, over many random plans', () => {
    const next = seededRandom(14);
    for (let trial = 0; trial < 300; trial += 1) {
      const count = 1 + Math.floor(next() * 9);
      const n = count + Math.floor(next() * 200);
      const waves = 1 + Math.floor(next() * 4);
      const concurrency = next() < 0.3 ? count + Math.floor(next() * n) : undefined;
      const whole = buildBurstPlan({ ...base, n, waves, forceCold: next() < 0.5, ...(concurrency !== undefined ? { concurrency } : {}) });
      const total = plannedInvocations(whole.cells);
      const seen = new Array<number>(total).fill(0);
      let inFlight = 0;
      for (const shard of shardsOf(count)) {
        const { plan, segments } = shardPlan(whole, shard);
        // Everything but the bursts' sizes is the same plan.
        const strip = (steps: readonly RunStep[]): RunStep[] => steps.map((s) => (s.kind === 'burst' ? { kind: 'burst', burst: s.burst, n: 0 } : s));
        expect(strip(plan.cells[0]?.steps ?? [])).toEqual(strip(whole.cells[0]?.steps ?? []));
        const local = plannedInvocations(plan.cells);
        for (let l = 0; l < local; l += 1) {
          const g = globalIndexOf(segments, l);
          seen[g] = (seen[g] ?? 0) + 1;
        }
        // A local index of burst b maps into burst b's global range.
        let localStart = 0;
        let globalStart = 0;
        const wholeBursts = bursts(whole.cells[0]?.steps ?? []);
        for (const [b, step] of bursts(plan.cells[0]?.steps ?? []).entries()) {
          const g0 = globalIndexOf(segments, localStart);
          const g1 = globalIndexOf(segments, localStart + step.n - 1);
          expect(g0).toBeGreaterThanOrEqual(globalStart);
          expect(g1).toBeLessThan(globalStart + (wholeBursts[b]?.n ?? 0));
          localStart += step.n;
          globalStart += wholeBursts[b]?.n ?? 0;
        }
        expect(() => globalIndexOf(segments, local)).toThrow(RangeError);
        inFlight += bursts(plan.cells[0]?.steps ?? [])[0]?.concurrency ?? 0;
      }
      expect(seen.every((s) => s === 1), `trial ${trial}: ${count} shards of ${waves} × ${n}`).toBe(true);
      // A closed loop keeps the whole run's in-flight limit, shared out (a shard at its whole slice drops the limit).
      if (concurrency !== undefined && concurrency < n && inFlight > 0) expect(inFlight).toBeLessThanOrEqual(concurrency);
    }
  });

  it('keeps the whole plan for one shard', () => {
    const whole = buildBurstPlan({ ...base, waves: 2, intervalMs: 5 });
    expect(shardPlan(whole, { index: 1, count: 1 }).plan).toEqual(whole);
  });

  it('N shards of a plan with loads are the whole plan: every global index once, each shard only its arrivals, the in-flight cap shared out', () => {
    const load = (text: string, maxInFlight: number): RunStep => {
      const parsed = parseStages(text);
      if (!parsed.ok) throw new Error(parsed.error.message);
      return { kind: 'load', stages: parsed.stages, maxInFlight, windowMs: 1000 };
    };
    const spec = (id: string) => ({ id, label: 'f', functionName: 'f', provisioned: 0 });
    const next = seededRandom(41);
    for (let trial = 0; trial < 100; trial += 1) {
      const count = 1 + Math.floor(next() * 6);
      const n = count + Math.floor(next() * 30);
      const whole: RunPlan = {
        payload: new Uint8Array(),
        cells: [
          { spec: spec('a'), steps: [{ kind: 'burst', burst: 0, n }, load(`${200 + Math.floor(next() * 800)}ms:${10 + Math.floor(next() * 90)}`, count + Math.floor(next() * 50))] },
          { spec: spec('b'), steps: [{ kind: 'force-cold' }, load(`500ms:0-${20 + Math.floor(next() * 100)},300ms:40`, count + Math.floor(next() * 50)), { kind: 'burst', burst: 0, n }] },
        ],
      };
      const total = plannedInvocations(whole.cells);
      const seen = new Array<number>(total).fill(0);
      const inFlight = [0, 0];
      for (const shard of shardsOf(count)) {
        const { plan, segments } = shardPlan(whole, shard);
        const local = plannedInvocations(plan.cells);
        for (let l = 0; l < local; l += 1) {
          const g = globalIndexOf(segments, l);
          seen[g] = (seen[g] ?? 0) + 1;
        }
        expect(() => globalIndexOf(segments, local)).toThrow(RangeError);
        for (const [c, cell] of plan.cells.entries()) {
          const step = cell.steps.find((s) => s.kind === 'load');
          if (step?.kind !== 'load') throw new Error('the load step is kept');
          expect(step.shard).toEqual(count === 1 ? undefined : shard);
          inFlight[c] = (inFlight[c] ?? 0) + step.maxInFlight;
        }
      }
      expect(seen.every((s) => s === 1), `trial ${trial}: ${count} shards`).toBe(true);
      whole.cells.forEach((cell, c) => {
        const step = cell.steps.find((s) => s.kind === 'load');
        expect(inFlight[c]).toBe(step?.kind === 'load' ? step.maxInFlight : 0);
      });
    }
  });

  it('keeps a load whole for one shard, and refuses a load with fewer arrivals or sockets than shards', () => {
    const stages = [{ fromPerS: 10, toPerS: 10, durationMs: 300 }];
    const withLoad: RunPlan = { ...buildBurstPlan(base), cells: [{ spec: { id: 'c1', label: 'f', functionName: 'f', provisioned: 0 }, steps: [{ kind: 'load', stages, maxInFlight: 10, windowMs: 1000 }] }] };
    expect(shardPlan(withLoad, { index: 1, count: 1 }).plan).toEqual(withLoad);
    expect(() => shardPlan(withLoad, { index: 1, count: 4 })).toThrow(/^a load of 3 invocations cannot be split into 4 shards: every shard needs at least one invocation of each load\.$/);
    const narrow: RunPlan = { ...withLoad, cells: [{ spec: { id: 'c1', label: 'f', functionName: 'f', provisioned: 0 }, steps: [{ kind: 'load', stages, maxInFlight: 1, windowMs: 1000 }] }] };
    expect(() => shardPlan(narrow, { index: 2, count: 2 })).toThrow(/^--max-in-flight 1 cannot be split into 2 shards/);
  });

  it('refuses a burst smaller than the number of shards, and a closed loop narrower than it', () => {
    expect(() => shardPlan(buildBurstPlan({ ...base, n: 3 }), { index: 1, count: 4 })).toThrow(/a burst of 3 cannot be split into 4 shards/);
    expect(() => shardPlan(buildBurstPlan({ ...base, n: 40, concurrency: 3 }), { index: 1, count: 4 })).toThrow(/--concurrency 3 cannot be split into 4 shards/);
  });
});
