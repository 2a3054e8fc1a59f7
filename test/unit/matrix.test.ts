import { describe, expect, it } from 'vitest';
import { cellId, expandMatrix, type MatrixInput } from '../../src/core/matrix.js';
import { plannedChanges, plannedInvocations } from '../../src/core/plan.js';
import { cleanupPlan, describeUndo, publishedVersions } from '../../src/core/cleanup.js';

const burst = { n: 10, waves: 2, intervalMs: 500, forceCold: true };
const base: MatrixInput = {
  functions: [
    { name: 'node-hello', runtime: 'nodejs20.x' },
    { name: 'python-hello', runtime: 'python3.11' },
  ],
  memoryMb: [128, 512, 1024],
  provisioned: [0],
  burst,
};

describe('expandMatrix', () => {
  it('gives one cell per function × memory, in run order, with unique ids', () => {
    const cells = expandMatrix(base);
    expect(cells.map((c) => c.spec.id)).toEqual([
      'node-hello-128mb-pc0',
      'node-hello-512mb-pc0',
      'node-hello-1024mb-pc0',
      'python-hello-128mb-pc0',
      'python-hello-512mb-pc0',
      'python-hello-1024mb-pc0',
    ]);
    expect(cells[4]?.spec).toMatchObject({ functionName: 'python-hello', runtime: 'python3.11', memoryMb: 512, provisioned: 0 });
    expect(plannedInvocations(cells)).toBe(6 * 2 * 10);
  });

  it('gives a load cell beside each burst cell when the profile has both, and only load cells without a burst', () => {
    const load = { stages: [{ durationMs: 1000, fromPerS: 10, toPerS: 10 }], maxInFlight: 20, windowMs: 250, forceCold: true };
    const both = expandMatrix({ ...base, functions: [{ name: 'node-hello', runtime: 'nodejs20.x' }], memoryMb: [128, 512], provisioned: [0, 5], load });
    expect(both.map((c) => c.spec.id)).toEqual([
      'node-hello-128mb-pc0',
      'node-hello-128mb-pc0-load',
      'node-hello-512mb-pc0',
      'node-hello-512mb-pc0-load',
      'node-hello-128mb-pc5',
      'node-hello-128mb-pc5-load',
      'node-hello-512mb-pc5',
      'node-hello-512mb-pc5-load',
    ]);
    expect(both[1]?.spec.label).toBe('node-hello 128 MB pc 0 load');
    expect(both[5]?.steps).toEqual([
      { kind: 'set-memory', memoryMb: 128 },
      { kind: 'force-cold' },
      { kind: 'publish-version' },
      { kind: 'put-provisioned', count: 5 },
      { kind: 'load', stages: load.stages, maxInFlight: 20, windowMs: 250 },
      { kind: 'delete-provisioned' },
    ]);
    expect(plannedInvocations(both)).toBe(4 * 2 * 10 + 4 * 10);
    const { burst: _omitted, ...noBurst } = base;
    const only = expandMatrix({ ...noBurst, functions: [{ name: 'node-hello', runtime: 'nodejs20.x' }], memoryMb: [128], load: { ...load, forceCold: false } });
    expect(only.map((c) => [c.spec.id, c.steps])).toEqual([['node-hello-128mb-pc0-load', [{ kind: 'set-memory', memoryMb: 128 }, { kind: 'load', stages: load.stages, maxInFlight: 20, windowMs: 250 }]]]);
  });

  it('plans configure, force-cold, bursts with idle waits, and nothing provisioned for pc 0', () => {
    const steps = expandMatrix(base)[0]?.steps;
    expect(steps).toEqual([
      { kind: 'set-memory', memoryMb: 128 },
      { kind: 'force-cold' },
      { kind: 'burst', burst: 0, n: 10 },
      { kind: 'idle-wait', ms: 500 },
      { kind: 'burst', burst: 1, n: 10 },
    ]);
  });

  it('publishes a version, puts provisioned concurrency before the burst and releases it after', () => {
    const cells = expandMatrix({ ...base, functions: [base.functions[0]!], memoryMb: [256], provisioned: [0, 5], burst: { n: 10, waves: 1, intervalMs: 0, forceCold: false, concurrency: 4 } });
    expect(cells.map((c) => c.spec.id)).toEqual(['node-hello-256mb-pc0', 'node-hello-256mb-pc5']);
    expect(cells[1]?.steps.map((s) => s.kind)).toEqual(['set-memory', 'publish-version', 'put-provisioned', 'burst', 'delete-provisioned']);
    expect(cells[1]?.steps[2]).toEqual({ kind: 'put-provisioned', count: 5 });
    expect(cells[1]?.steps[3]).toEqual({ kind: 'burst', burst: 0, n: 10, concurrency: 4 });
    // With force-cold, the cold start is forced before the version is published and provisioned.
    const forced = expandMatrix({ ...base, functions: [base.functions[0]!], memoryMb: [256], provisioned: [5], burst: { ...burst, waves: 1 } });
    expect(forced[0]?.steps.map((s) => s.kind)).toEqual(['set-memory', 'force-cold', 'publish-version', 'put-provisioned', 'burst', 'delete-provisioned']);
  });

  it('adds the reserved concurrency axis, with null meaning none', () => {
    const cells = expandMatrix({ ...base, functions: [base.functions[0]!], memoryMb: [128], reservedConcurrency: [5, null] });
    expect(cells.map((c) => c.spec.id)).toEqual(['node-hello-128mb-pc0-rc5', 'node-hello-128mb-pc0-rcnone']);
    expect(cells[0]?.steps[1]).toEqual({ kind: 'set-reserved', count: 5 });
    expect(cells[1]?.steps[1]).toEqual({ kind: 'set-reserved', count: null });
    expect(cellId('f', 128, 0)).toBe('f-128mb-pc0');
  });

  it('lists planned changes against the functions as they are now', () => {
    const cells = expandMatrix({ ...base, provisioned: [0, 10], reservedConcurrency: [20] });
    const lines = plannedChanges(cells, [{ functionName: 'node-hello', memoryMb: 128 }]);
    expect(lines.join('\n')).toContain('node-hello: set memory to 128, 512, 1024 MB in turn (now 128 MB; restored afterwards)');
    expect(lines.join('\n')).toContain('reserved concurrency to 20 in turn (now none');
    expect(lines.join('\n')).toContain('provisioned concurrency 10 on them');
    expect(plannedChanges(cells, [{ functionName: 'node-hello', memoryMb: 128 }], 'coldprobe').join('\n')).toContain("through alias 'coldprobe'");
    expect(lines.join('\n')).not.toContain('python-hello');
    expect(plannedChanges(expandMatrix({ ...base, memoryMb: [128], burst: { ...burst, forceCold: false } }), [{ functionName: 'node-hello', memoryMb: 128 }])).toEqual([]);
  });
});

describe('cleanupPlan', () => {
  it('removes a force-cold variable the run added, restores one that existed, before memory', () => {
    const plan = cleanupPlan([
      { kind: 'memory', functionName: 'f', beforeMb: 256 },
      { kind: 'environment', functionName: 'f', key: 'COLDPROBE_COLD_NONCE' },
      { kind: 'environment', functionName: 'f', key: 'COLDPROBE_COLD_NONCE', before: 'later-value-ignored' },
      { kind: 'environment', functionName: 'g', key: 'COLDPROBE_COLD_NONCE', before: 'old' },
    ]);
    expect(plan).toEqual([
      { kind: 'restore-environment', functionName: 'f', key: 'COLDPROBE_COLD_NONCE' },
      { kind: 'restore-environment', functionName: 'g', key: 'COLDPROBE_COLD_NONCE', value: 'old' },
      { kind: 'restore-memory', functionName: 'f', memoryMb: 256 },
    ]);
    expect(plan.map(describeUndo)).toEqual([
      'remove COLDPROBE_COLD_NONCE from f',
      'restore COLDPROBE_COLD_NONCE on g',
      'restore memory of f to 256 MB',
    ]);
  });

  it('puts back the first-seen values, provisioned concurrency first, and skips released configs', () => {
    const plan = cleanupPlan([
      { kind: 'memory', functionName: 'f', beforeMb: 256 },
      { kind: 'reserved', functionName: 'f', before: undefined },
      { kind: 'version', functionName: 'f', version: '3' },
      { kind: 'provisioned', functionName: 'f', qualifier: '3' },
      { kind: 'provisioned-released', functionName: 'f', qualifier: '3' },
      { kind: 'memory', functionName: 'f', beforeMb: 512 },
      { kind: 'reserved', functionName: 'f', before: 5 },
      { kind: 'version', functionName: 'f', version: '4' },
      { kind: 'provisioned', functionName: 'f', qualifier: '4' },
      { kind: 'reserved', functionName: 'g', before: 7 },
      { kind: 'alias', functionName: 'f', name: 'coldprobe' },
      { kind: 'alias', functionName: 'f', name: 'coldprobe', previousVersion: '3' },
      { kind: 'alias', functionName: 'g', name: 'coldprobe', previousVersion: '9' },
    ]);
    expect(plan).toEqual([
      { kind: 'delete-provisioned', functionName: 'f', qualifier: '4' },
      { kind: 'restore-alias', functionName: 'f', name: 'coldprobe' },
      { kind: 'restore-alias', functionName: 'g', name: 'coldprobe', version: '9' },
      { kind: 'restore-reserved', functionName: 'f' },
      { kind: 'restore-reserved', functionName: 'g', count: 7 },
      { kind: 'restore-memory', functionName: 'f', memoryMb: 256 },
    ]);
    expect(plan.map(describeUndo)).toEqual([
      'delete provisioned concurrency on f:4',
      'delete alias f:coldprobe',
      'point alias g:coldprobe back to version 9',
      'remove reserved concurrency from f',
      'restore reserved concurrency of g to 7',
      'restore memory of f to 256 MB',
    ]);
    expect(cleanupPlan([])).toEqual([]);
    expect(publishedVersions([{ kind: 'version', functionName: 'f', version: '3' }])).toEqual(['f:3']);
  });
});
