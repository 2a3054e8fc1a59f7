import { describe, expect, it } from 'vitest';
import { buildBurstPlan, plannedInvocations, type BurstPlanOptions } from '../../src/core/plan.js';
import { ColdprobeError } from '../../src/core/errors.js';

const base: BurstPlanOptions = { functionName: 'node-hello', payload: new Uint8Array([123, 125]), n: 10, waves: 1, intervalMs: 5000, forceCold: false };

describe('buildBurstPlan', () => {
  it.each([
    ['one wave', {}, [{ kind: 'burst', burst: 0, n: 10 }]],
    [
      'waves with idle gaps between them only',
      { waves: 3 },
      [
        { kind: 'burst', burst: 0, n: 10 },
        { kind: 'idle-wait', ms: 5000 },
        { kind: 'burst', burst: 1, n: 10 },
        { kind: 'idle-wait', ms: 5000 },
        { kind: 'burst', burst: 2, n: 10 },
      ],
    ],
    ['no idle-wait step for a zero interval', { waves: 2, intervalMs: 0 }, [{ kind: 'burst', burst: 0, n: 10 }, { kind: 'burst', burst: 1, n: 10 }]],
    ['configure then force-cold before the first burst', { memoryMb: 512, forceCold: true }, [{ kind: 'set-memory', memoryMb: 512 }, { kind: 'force-cold' }, { kind: 'burst', burst: 0, n: 10 }]],
    ['closed loop when concurrency < n', { concurrency: 3 }, [{ kind: 'burst', burst: 0, n: 10, concurrency: 3 }]],
    ['plain burst when concurrency >= n', { concurrency: 10 }, [{ kind: 'burst', burst: 0, n: 10 }]],
  ] as const)('%s', (_name, patch, steps) => {
    const plan = buildBurstPlan({ ...base, ...patch });
    expect(plan.cells).toHaveLength(1);
    expect(plan.cells[0]?.spec.id).toBe('default');
    expect(plan.cells[0]?.steps).toEqual(steps);
  });

  it('carries the qualifier into the invoke and the label', () => {
    const cell = buildBurstPlan({ ...base, qualifier: 'live' }).cells[0];
    expect(cell?.spec.qualifier).toBe('live');
    expect(cell?.spec.label).toBe('node-hello:live');
  });

  it.each([
    ['n 0', { n: 0 }, /--n/],
    ['n fractional', { n: 1.5 }, /--n/],
    ['waves 0', { waves: 0 }, /--waves/],
    ['negative interval', { intervalMs: -1 }, /--interval/],
    ['concurrency 0', { concurrency: 0 }, /--concurrency/],
    ['memory too small', { memoryMb: 64 }, /--memory/],
    ['memory too large', { memoryMb: 20_000 }, /--memory/],
  ] as const)('rejects %s as a usage error', (_name, patch, message) => {
    let caught: unknown;
    try {
      buildBurstPlan({ ...base, ...patch });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ColdprobeError);
    expect((caught as ColdprobeError).kind).toBe('usage');
    expect((caught as ColdprobeError).message).toMatch(message);
  });

  it('counts planned invocations over waves', () => {
    expect(plannedInvocations(buildBurstPlan({ ...base, n: 7, waves: 4 }).cells)).toBe(28);
  });
});
