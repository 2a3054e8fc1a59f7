import { describe, expect, it } from 'vitest';
import { cleanupPlan, describeUndo, publishedVersions } from '../../src/core/cleanup.js';
import { buildBurstPlan, plannedChanges } from '../../src/core/plan.js';
import { refuseChangesToQualified, splitFunctionName, splitQualifiers } from '../../src/core/qualifier.js';
import { runAliasName } from '../../src/engine/run.js';

const payload = new Uint8Array();
const plan = (o: { functionName: string; qualifier?: string; memoryMb?: number; forceCold?: boolean }) =>
  buildBurstPlan({ n: 1, waves: 1, intervalMs: 0, forceCold: o.forceCold ?? false, payload, ...o }).cells;

describe('qualifiers in function names', () => {
  it('splits every form Lambda accepts, and leaves unqualified names alone', () => {
    expect(splitFunctionName('fn')).toEqual({ functionName: 'fn' });
    expect(splitFunctionName('fn:3')).toEqual({ functionName: 'fn', qualifier: '3' });
    expect(splitFunctionName('fn:live')).toEqual({ functionName: 'fn', qualifier: 'live' });
    expect(splitFunctionName('123456789012:function:fn')).toEqual({ functionName: '123456789012:function:fn' });
    expect(splitFunctionName('123456789012:function:fn:$LATEST')).toEqual({ functionName: '123456789012:function:fn', qualifier: '$LATEST' });
    expect(splitFunctionName('arn:aws:lambda:eu-west-1:123456789012:function:fn')).toEqual({ functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:fn' });
    expect(splitFunctionName('arn:aws:lambda:eu-west-1:123456789012:function:fn:7')).toEqual({
      functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:fn',
      qualifier: '7',
    });
  });

  it('moves the qualifier into the cell, and refuses one that disagrees with --qualifier', () => {
    expect(splitQualifiers(plan({ functionName: 'fn:3' }))[0]?.spec).toMatchObject({ functionName: 'fn', qualifier: '3', label: 'fn:3' });
    expect(splitQualifiers(plan({ functionName: 'fn:3', qualifier: '3' }))[0]?.spec).toMatchObject({ functionName: 'fn', qualifier: '3' });
    expect(() => splitQualifiers(plan({ functionName: 'fn:3', qualifier: 'live' }))).toThrow("'fn:3' names qualifier '3' but the qualifier given is 'live'; name one.");
  });
});

describe('changes with a qualifier', () => {
  const v3 = () => ({ memoryMb: 128, version: '3' });

  it('refuses a memory change on a version, naming both ways out', () => {
    const cells = splitQualifiers(plan({ functionName: 'fn', qualifier: '3', memoryMb: 256 }));
    expect(() => refuseChangesToQualified(cells, v3)).toThrow(
      "version 3 of 'fn' is immutable (Lambda changes configuration only on $LATEST), so memory 256 MB (it has 128 MB) would change $LATEST while fn:3 is measured; " +
        'run without the qualifier to change and measure $LATEST, or without the change to measure version 3 as it is.',
    );
  });

  it('refuses force-cold through an alias, naming its version', () => {
    const cells = splitQualifiers(plan({ functionName: 'fn:live', forceCold: true }));
    expect(() => refuseChangesToQualified(cells, v3)).toThrow(/^alias 'live' \(version 3\) of 'fn' is immutable .* forcing cold starts \(a changed environment variable\) would change \$LATEST while fn:live is measured/);
  });

  it('allows the version its own memory, $LATEST anything, and a plain burst of a version', () => {
    expect(() => refuseChangesToQualified(splitQualifiers(plan({ functionName: 'fn:3', memoryMb: 128 })), v3)).not.toThrow();
    expect(() => refuseChangesToQualified(splitQualifiers(plan({ functionName: 'fn:$LATEST', memoryMb: 512, forceCold: true })), v3)).not.toThrow();
    expect(() => refuseChangesToQualified(splitQualifiers(plan({ functionName: 'fn:3' })), v3)).not.toThrow();
  });
});

describe('the versions a run publishes', () => {
  const description = 'coldprobe run r1';

  it('are deleted after the alias that points at them, before reserved concurrency and memory', () => {
    const steps = cleanupPlan([
      { kind: 'memory', functionName: 'f', beforeMb: 128 },
      { kind: 'version', functionName: 'f', description },
      { kind: 'version', functionName: 'f', description, version: '4' },
      { kind: 'alias', functionName: 'f', name: 'coldprobe-r1' },
      { kind: 'provisioned', functionName: 'f', qualifier: 'coldprobe-r1' },
      // A second cell: $LATEST unchanged since the run's own version 4, which Lambda gives back.
      { kind: 'version', functionName: 'f', description },
      { kind: 'version', functionName: 'f', description, version: '4' },
    ]);
    expect(steps.map(describeUndo)).toEqual([
      'delete provisioned concurrency on f:coldprobe-r1',
      'delete alias f:coldprobe-r1',
      'delete version 4 of f (published by coldprobe)',
      'restore memory of f to 128 MB',
    ]);
  });

  it('never include a version the run did not create', () => {
    const ledger = [
      { kind: 'version', functionName: 'f', description },
      { kind: 'version', functionName: 'f', description, version: '2', existed: true },
    ] as const;
    expect(cleanupPlan([...ledger])).toEqual([]);
    expect(publishedVersions([...ledger])).toEqual([]);
  });

  it('are looked up by description when a crash came between PublishVersion and its answer', () => {
    const steps = cleanupPlan([
      { kind: 'version', functionName: 'f', description },
      { kind: 'version', functionName: 'f', description, version: '5' },
      { kind: 'version', functionName: 'f', description },
    ]);
    expect(steps).toEqual([{ kind: 'delete-versions', functionName: 'f', description, versions: ['5'], search: true }]);
    expect(describeUndo(steps[0]!)).toBe("delete version 5 and any version described 'coldprobe run r1' of f (published by coldprobe)");
  });
});

describe('the run alias', () => {
  it('is unique to the run and within Lambda alias rules (1-128 of [a-zA-Z0-9-_], not all digits)', () => {
    const name = runAliasName('2026-12-01T00-29-29-123Z-4242-ab12');
    expect(name).toBe('coldprobe-2026-12-01T00-29-29-123Z-4242-ab12');
    expect(runAliasName('x'.repeat(300))).toHaveLength(128);
    expect(runAliasName('a:b.c')).toMatch(/^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/);
    expect(runAliasName('r1')).not.toBe(runAliasName('r2'));
  });
});

describe('the changes listed before an AWS run', () => {
  it('lists no memory change for a version measured at its own memory, even where $LATEST has another', () => {
    const cells = splitQualifiers(plan({ functionName: 'fn:3', memoryMb: 128 }));
    expect(plannedChanges(cells, [{ functionName: 'fn', memoryMb: 256 }])).toEqual([]);
    expect(plannedChanges(splitQualifiers(plan({ functionName: 'fn', memoryMb: 128 })), [{ functionName: 'fn', memoryMb: 256 }])).toEqual([
      'fn: set memory to 128 MB in turn (now 256 MB; restored afterwards).',
    ]);
  });
});
