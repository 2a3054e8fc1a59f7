import { describe, expect, it } from 'vitest';
import {
  ThresholdSyntaxError,
  evaluateThreshold,
  evaluateThresholds,
  parseThreshold,
  parseThresholds,
  scopeMatches,
} from '../../src/core/threshold.js';
import { cell, samples } from './gate-fixtures.js';

describe('parseThreshold accepts', () => {
  it.each([
    ['cold.init.p99 < 800ms', 'cold.init.p99', '<', { type: 'absolute', value: 800_000 }],
    ['cold.latency.p50 <= 1.2s', 'cold.latency.p50', '<=', { type: 'absolute', value: 1_200_000 }],
    ['warm.latency.p99 < 350us', 'warm.latency.p99', '<', { type: 'absolute', value: 350 }],
    ['warm.latency.p99<350µs', 'warm.latency.p99', '<', { type: 'absolute', value: 350 }],
    ['latency.p99.9 >= 2 ms', 'latency.p99.9', '>=', { type: 'absolute', value: 2000 }],
    ['init.p50 < 1s', 'cold.init.p50', '<', { type: 'absolute', value: 1_000_000 }],
    ['cold.p99 < 1s', 'cold.latency.p99', '<', { type: 'absolute', value: 1_000_000 }],
    ['cold_ratio <= 0.2', 'cold_ratio', '<=', { type: 'absolute', value: 0.2 }],
    ['cold_ratio <= 20%', 'cold_ratio', '<=', { type: 'absolute', value: 0.2 }],
    ['throttled == 0', 'throttled', '==', { type: 'absolute', value: 0 }],
    ['errors != 3', 'errors', '!=', { type: 'absolute', value: 3 }],
    ['errors.Sandbox.Timedout == 0', 'errors.Sandbox.Timedout', '==', { type: 'absolute', value: 0 }],
    ['throttled.ReservedFunctionConcurrentInvocationLimitExceeded > 1', 'throttled.ReservedFunctionConcurrentInvocationLimitExceeded', '>', { type: 'absolute', value: 1 }],
    ['cold.latency.p50 <= baseline * 1.10', 'cold.latency.p50', '<=', { type: 'baseline', op: '*', operand: 1.1 }],
    ['cold.latency.p50 <= baseline * 110%', 'cold.latency.p50', '<=', { type: 'baseline', op: '*', operand: 1.1 }],
    ['cold.init.p99 < baseline + 50ms', 'cold.init.p99', '<', { type: 'baseline', op: '+', operand: 50_000 }],
    ['errors <= baseline + 2', 'errors', '<=', { type: 'baseline', op: '+', operand: 2 }],
    ['release_spread < 25ms', 'release_spread', '<', { type: 'absolute', value: 25_000 }],
    ['warm.latency.max <= baseline', 'warm.latency.max', '<=', { type: 'baseline', op: '*', operand: 1 }],
  ])('%s', (source, metric, op, bound) => {
    const t = parseThreshold(source);
    expect(t.metric.name).toBe(metric);
    expect(t.op).toBe(op);
    expect(t.bound).toEqual(bound);
    expect(t.scope).toBeUndefined();
  });

  it('a cell scope in brackets', () => {
    const t = parseThreshold('  [node-512] cold.init.p99 < 800ms');
    expect(t.scope).toBe('node-512');
    expect(t.metric.name).toBe('cold.init.p99');
  });
});

describe('parseThreshold rejects, pointing at the column', () => {
  it.each([
    ['cold.inti.p99 < 800ms', 1, /unknown metric 'cold.inti.p99'; did you mean 'cold.init.p99'\?.*known metrics: latency.<stat>/],
    ['cold.init.p42 < 800ms', 1, /unknown metric 'cold.init.p42'/],
    ['foo < 1', 1, /unknown metric 'foo'.*cold_ratio.*throttled.<Reason>/],
    ['cold.init.p99 800ms', 15, /expected an operator/],
    ['cold.init.p99 =< 800ms', 15, /expected an operator/],
    ['cold.init.p99 < 800', 17, /is a time: give a unit \(us, ms or s\), e.g. 800ms/],
    ['cold.init.p99 < fast', 17, /expected a value/],
    ['cold.init.p99 < 800ms please', 23, /unexpected 'please'/],
    ['cold_ratio <= 2', 15, /ratio between 0 and 1/],
    ['cold_ratio <= 5ms', 15, /is a ratio/],
    ['errors == 1ms', 11, /is a count/],
    ['cold.init.p99 < baseline / 2', 26, /expected '\*', '\+' or '-' after 'baseline'/],
    ['cold.init.p99 < baseline * x', 28, /expected a factor/],
    ['cold.init.p99 < baseline + 5', 28, /give a unit/],
    ['[node cold.init.p99 < 1s', 1, /missing '\]'/],
    ['[] cold.init.p99 < 1s', 1, /empty cell id/],
    ['', 1, /expected a metric name/],
    ['< 5ms', 1, /expected a metric name/],
  ])('%s', (source, column, message) => {
    let caught: unknown;
    try {
      parseThreshold(source);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ThresholdSyntaxError);
    const error = caught as ThresholdSyntaxError;
    expect(error.column).toBe(column);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`at column ${column}`);
  });

  it('parseThresholds collects every error', () => {
    const { thresholds, errors } = parseThresholds(['errors == 0', 'bogus < 1', 'cold_ratio < 9']);
    expect(thresholds).toHaveLength(1);
    expect(errors.map((e) => e.source)).toEqual(['bogus < 1', 'cold_ratio < 9']);
  });
});

describe('scopeMatches', () => {
  it.each([
    [undefined, 'anything', true],
    ['node-512', 'node-512', true],
    ['node-512', 'node-5120', false],
    ['node-*', 'node-512', true],
    ['*-512', 'python-512', true],
    ['*-512', 'python-128', false],
    ['a.b', 'axb', false],
  ])('[%s] vs %s', (scope, id, expected) => {
    expect(scopeMatches(scope, id)).toBe(expected);
  });
});

describe('evaluateThreshold on absolute limits', () => {
  // 40 cold at ~300 ms, 60 warm at ~5 ms, 2 throttles, 1 error.
  const c = cell({
    cold: samples(40, 300_000, 1, 0.05),
    warm: samples(60, 5_000, 2, 0.05),
    throttled: ['ReservedFunctionConcurrentInvocationLimitExceeded', 'ReservedFunctionConcurrentInvocationLimitExceeded'],
    errors: ['Handled'],
  });
  it.each([
    ['cold.latency.p50 < 400ms', 'pass'],
    ['cold.latency.p50 < 200ms', 'fail'],
    ['cold.init.p50 < 300ms', 'pass'], // init = latency - 50 ms
    ['cold.init.p50 > 300ms', 'fail'],
    ['warm.latency.p99 < 10ms', 'pass'],
    ['warm.latency.p99 < 1ms', 'fail'],
    ['cold_ratio <= 0.4', 'pass'], // 40 / (40 + 61)
    ['cold_ratio <= 0.3', 'fail'],
    ['throttled == 2', 'pass'],
    ['throttled == 0', 'fail'],
    ['throttled.ReservedFunctionConcurrentInvocationLimitExceeded == 2', 'pass'],
    ['throttled.SomethingElse == 0', 'pass'],
    ['errors == 0', 'fail'],
    ['errors.Handled == 1', 'pass'],
    ['invocations == 103', 'pass'],
    ['release_spread < 2ms', 'pass'],
  ])('%s → %s', (source, status) => {
    const v = evaluateThreshold(parseThreshold(source), c);
    expect(v.status).toBe(status);
    expect(v.cell).toBe('default');
    expect(v.detail).toContain(v.metric);
  });

  it('counts pre-initialized invocations apart: pre_initialized, pre_initialized_ratio, and the cold ratio over all classified', () => {
    // 10 cold, 30 pre-initialized (provisioned concurrency's first invocations), 60 warm.
    const pc = cell({ cold: samples(10, 300_000, 4, 0.05), preInitialized: samples(30, 20_000, 5, 0.05), warm: samples(60, 5_000, 6, 0.05) });
    const status = (source: string): string => evaluateThreshold(parseThreshold(source), pc).status;
    expect(status('pre_initialized == 30')).toBe('pass');
    expect(status('cold == 10')).toBe('pass');
    expect(status('pre_initialized_ratio <= 30%')).toBe('pass');
    expect(status('pre_initialized_ratio < 0.29')).toBe('fail');
    expect(status('cold_ratio <= 0.1')).toBe('pass');
    expect(status('cold_ratio < 0.09')).toBe('fail');
    // cold.init holds cold invocations' inits only (~250 ms), not the pre-initialized ones' (~220 ms and up, unseen).
    expect(status('cold.init.p50 > 240ms')).toBe('pass');
  });

  it('a metric with no samples is inconclusive, not a pass', () => {
    const allCold = cell({ cold: samples(30, 300_000, 3) });
    const v = evaluateThreshold(parseThreshold('warm.latency.p99 < 1ms'), allCold);
    expect(v.status).toBe('inconclusive');
    expect(v.detail).toMatch(/no samples for warm.latency.p99/);
  });

  it('the failing detail shows the value and the limit with units', () => {
    const v = evaluateThreshold(parseThreshold('cold.latency.p50 < 200ms'), c);
    expect(v.detail).toMatch(/cold.latency.p50 \d+ms < 200ms does not hold/);
  });
});

describe('evaluateThreshold against a baseline', () => {
  const base = cell({ cold: samples(60, 300_000, 11) });
  const same = cell({ cold: samples(60, 300_000, 12) });
  const slower = cell({ cold: samples(60, 450_000, 13) });
  const slightly = cell({ cold: samples(60, 315_000, 14) });
  const few = cell({ cold: samples(5, 600_000, 15) });

  it('same distribution passes', () => {
    expect(evaluateThreshold(parseThreshold('cold.latency.p50 <= baseline * 1.10'), same, base).status).toBe('pass');
  });
  it('+50% with 60 samples each fails and says it is beyond the noise', () => {
    const v = evaluateThreshold(parseThreshold('cold.latency.p50 <= baseline * 1.10'), slower, base);
    expect(v.status).toBe('fail');
    expect(v.noise?.verdict).toBe('regression');
    expect(v.detail).toMatch(/larger than the noise/);
  });
  it('+5% crossing a `baseline` limit is within the noise: pass, with the reason', () => {
    const v = evaluateThreshold(parseThreshold('cold.latency.p50 <= baseline'), slightly, base);
    expect(v.observed).toBeGreaterThan(v.limit ?? Infinity);
    expect(v.status).toBe('pass');
    expect(v.detail).toMatch(/crossed, but .*within the noise/);
  });
  it('too few samples is inconclusive and says how many are needed', () => {
    const v = evaluateThreshold(parseThreshold('cold.latency.p50 <= baseline * 1.10'), few, base);
    expect(v.status).toBe('inconclusive');
    expect(v.detail).toMatch(/need at least 20 on each side/);
  });
  it('a hard limit still fails even when the change is within the noise', () => {
    const v = evaluateThreshold(parseThreshold('cold.latency.p50 < 250ms'), same, base);
    expect(v.status).toBe('fail');
  });
  it('a count against the baseline is hard', () => {
    const b = cell({ warm: samples(30, 5000, 1), errors: ['X'] });
    const cur = cell({ warm: samples(30, 5000, 2), errors: ['X', 'X', 'Y', 'Y'] });
    expect(evaluateThreshold(parseThreshold('errors <= baseline + 2'), cur, b).status).toBe('fail');
    expect(evaluateThreshold(parseThreshold('errors <= baseline + 3'), cur, b).status).toBe('pass');
  });
  it('no baseline cell is inconclusive', () => {
    const v = evaluateThreshold(parseThreshold('cold.latency.p50 <= baseline'), same);
    expect(v.status).toBe('inconclusive');
  });
});

describe('evaluateThresholds', () => {
  const a = cell({ id: 'node-128', cold: samples(30, 500_000, 1) });
  const b = cell({ id: 'node-512', cold: samples(30, 200_000, 2) });
  it('applies unscoped thresholds to every cell and scoped ones to matches', () => {
    const ts = parseThresholds(['cold.latency.p50 < 300ms', '[node-1*] errors == 0']).thresholds;
    const vs = evaluateThresholds(ts, [a, b]);
    expect(vs.map((v) => [v.cell, v.status])).toEqual([
      ['node-128', 'fail'],
      ['node-512', 'pass'],
      ['node-128', 'pass'],
    ]);
  });
  it('a scope that matches no cell fails and lists the cells', () => {
    const vs = evaluateThresholds([parseThreshold('[python-*] errors == 0')], [a, b]);
    expect(vs).toHaveLength(1);
    expect(vs[0]?.status).toBe('fail');
    expect(vs[0]?.detail).toMatch(/no cell matches \[python-\*\]; cells are node-128, node-512/);
  });
});
