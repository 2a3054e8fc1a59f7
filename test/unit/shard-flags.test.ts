import { describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { buildBurstPlan } from '../../src/core/plan.js';
import { planIdOf, releaseAdvice, resolveShardFlags, shardRun } from '../../src/cli/shard-flags.js';

const NOW = Date.parse('2026-12-01T10:00:00Z');
const plan = (n: number) => buildBurstPlan({ functionName: 'f', payload: new TextEncoder().encode('{}'), n, waves: 1, intervalMs: 0, forceCold: false });

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ColdprobeError);
    expect((error as ColdprobeError).exitCode).toBe(2);
    return (error as ColdprobeError).message;
  }
  throw new Error('accepted');
}

describe('shard flags', () => {
  it('are absent from an ordinary run', () => {
    expect(resolveShardFlags({}, NOW - 1000, NOW)).toBeUndefined();
  });

  it('read --shard, --start-at (any zone) and --start-in (from the process start)', () => {
    expect(resolveShardFlags({ shard: '2/4', 'start-at': '2026-12-01T12:00:00+01:00' }, NOW - 1000, NOW)).toEqual({
      shard: { index: 2, count: 4 },
      releaseAtMs: Date.parse('2026-12-01T11:00:00Z'),
      startSpec: 'at 2026-12-01T11:00:00.000Z',
    });
    // 11:00+01:00 is 10:00Z, which is now: already past.
    expect(refusal(() => resolveShardFlags({ 'start-at': '2026-12-01T11:00:00+01:00' }, NOW, NOW))).toMatch(/^--start-at 2026-12-01T11:00:00\+01:00 is 0\.0 s in the past; give a later instant\.$/);
    expect(resolveShardFlags({ shard: '1/2', 'start-in': '30s' }, NOW - 250, NOW)).toMatchObject({ releaseAtMs: NOW - 250 + 30_000 });
    // Any of the flags alone makes the run a shard (1/1): its file records the release instant and clock offset.
    expect(resolveShardFlags({ 'start-in': '2s' }, NOW, NOW)?.shard).toEqual({ index: 1, count: 1 });
  });

  it.each([
    [{ shard: '0/4' }, /numbered from 1 to 4/],
    [{ 'start-at': '2026-12-01 11:00' }, /RFC 3339 time with a zone/],
    [{ 'start-at': 'tomorrow' }, /RFC 3339/],
    [{ 'start-at': '2026-12-01T11:00:00Z', 'start-in': '5s' }, /not both/],
    [{ 'start-in': 'soon' }, /--start-in must be a duration/],
    [{ 'run-id': 'has space' }, /--run-id must be/],
  ])('refuses %o with one sentence', (values, message) => {
    expect(refusal(() => resolveShardFlags(values, NOW, NOW))).toMatch(message);
  });

  it('a late shard is told what to give next time: twice its readiness, in whole 5 s, in the form it used', () => {
    expect(releaseAdvice({ startSpec: 'in 2000' }, 3_800)).toBe('this shard was ready 3.8 s after it started, so give the shards more time, e.g. --start-in 10s');
    expect(releaseAdvice({ startSpec: 'in 2000' }, 1_200)).toMatch(/--start-in 5s$/);
    expect(releaseAdvice({ startSpec: 'in 2000' }, 10_100)).toMatch(/--start-in 25s$/);
    expect(releaseAdvice({ startSpec: 'at 2026-12-01T10:00:00.000Z' }, 6_000)).toMatch(/ready 6\.0 s after it started, so give a --start-at instant at least 15 s after the shards start$/);
  });

  it('fingerprints the plan, not the shard: the same on every shard, another for another plan or target', () => {
    expect(planIdOf(plan(40), 'burst', 'aws')).toBe(planIdOf(plan(40), 'burst', 'aws'));
    expect(planIdOf(plan(40), 'burst', 'aws')).not.toBe(planIdOf(plan(41), 'burst', 'aws'));
    expect(planIdOf(plan(40), 'burst', 'aws')).not.toBe(planIdOf(plan(40), 'burst', 'emulator'));
    const a = shardRun(plan(40), { shard: { index: 1, count: 4 }, releaseAtMs: NOW + 5000, startSpec: 'at x' }, 'burst', 'aws');
    const b = shardRun(plan(40), { shard: { index: 4, count: 4 }, releaseAtMs: NOW + 5000, startSpec: 'at x' }, 'burst', 'aws');
    expect(a.planId).toBe(b.planId);
    expect(a.runId).toBe(b.runId);
    expect(a.runId).not.toBe(shardRun(plan(40), { shard: { index: 1, count: 4 }, startSpec: 'at y' }, 'burst', 'aws').runId);
    expect(shardRun(plan(40), { shard: { index: 1, count: 4 }, runId: 'gh-123-1' }, 'burst', 'aws').runId).toBe('gh-123-1');
    expect(a.plan.cells[0]?.steps).toEqual([{ kind: 'burst', burst: 0, n: 10 }]);
    expect(refusal(() => shardRun(plan(3), { shard: { index: 1, count: 4 } }, 'burst', 'aws'))).toMatch(/cannot be split into 4 shards/);
  });
});
