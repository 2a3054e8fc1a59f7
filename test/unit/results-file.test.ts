import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { defaultResultsPath, readResultsFile, writeResultsFile } from '../../src/io/results-file.js';
import { resultsFixture } from './fixtures/results.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-results-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The usage error `fn` throws (fails the test when it throws something else or nothing). */
function usageErrorOf(fn: () => unknown): ColdprobeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ColdprobeError);
    expect((err as ColdprobeError).kind).toBe('usage');
    expect((err as ColdprobeError).exitCode).toBe(2);
    return err as ColdprobeError;
  }
  throw new Error('expected a usage error, nothing was thrown');
}

describe('writeResultsFile / readResultsFile', () => {
  it('round-trips a results file, creating the folder', () => {
    const file = resultsFixture({ n: 50, throttled: 3, functionErrors: 2 });
    const path = join(dir, 'nested', 'results', 'fn.json');
    writeResultsFile(path, file);
    expect(readResultsFile(path)).toEqual(file);
    expect(readdirSync(join(dir, 'nested', 'results'))).toEqual(['fn.json']);
  });

  it('reads a file written before the interrupted outcome existed (its count was 0 then)', () => {
    const file = resultsFixture({ n: 5 });
    const old = JSON.parse(JSON.stringify(file)) as { cells: Array<{ summary: { byOutcome: Record<string, number>; perBurst?: Array<Record<string, unknown>> } }> };
    for (const cell of old.cells) {
      delete cell.summary.byOutcome['interrupted'];
      for (const b of cell.summary.perBurst ?? []) delete b['interrupted'];
    }
    const path = join(dir, 'old.json');
    writeFileSync(path, JSON.stringify(old));
    expect(readResultsFile(path).cells[0]?.summary.byOutcome.interrupted).toBe(0);
  });

  it('keeps unknown (newer, additive) fields when reading', () => {
    const file = { ...resultsFixture({ n: 5 }), extraFromLaterVersion: { a: 1 } };
    const path = join(dir, 'x.json');
    writeFileSync(path, JSON.stringify(file));
    expect(readResultsFile(path)).toMatchObject({ extraFromLaterVersion: { a: 1 } });
  });

  it('a write that fails before the rename leaves no target file and no temp file', () => {
    const file = resultsFixture({ n: 5 });
    const path = join(dir, 'out.json');
    // The target is a non-empty folder: the data is written and synced to the temp file, then rename fails.
    mkdirSync(path);
    writeFileSync(join(path, 'keep'), 'x');
    const err = usageErrorOf(() => writeResultsFile(path, file));
    expect(err.message).toContain(path);
    expect(err.message).toContain('it is a folder');
    expect(readdirSync(dir)).toEqual(['out.json']);
    expect(readdirSync(path)).toEqual(['keep']);
  });

  it('a failing write keeps the previous file intact', () => {
    const path = join(dir, 'out.json');
    const first = resultsFixture({ n: 5 });
    writeResultsFile(path, first);
    const bad = { ...first, options: { big: 10n } } as unknown as typeof first;
    expect(() => writeResultsFile(path, bad)).toThrow();
    expect(readResultsFile(path)).toEqual(first);
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('an unwritable folder is a usage error naming the file', () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    const path = join(blocker, 'sub', 'out.json');
    const err = usageErrorOf(() => writeResultsFile(path, resultsFixture({ n: 2 })));
    expect(err.message).toContain(path);
    expect(existsSync(path)).toBe(false);
  });

  it('a malformed record names the field path', () => {
    const file = resultsFixture({ n: 5 });
    const json = JSON.parse(JSON.stringify(file)) as { cells: Array<{ records: Array<Record<string, unknown>> }> };
    const rec = json.cells[0]?.records[3];
    if (rec) rec['outcome'] = 'exploded';
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(json));
    const err = usageErrorOf(() => readResultsFile(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain('cells[0].records[3].outcome');
  });

  it('a garbled histogram names its field', () => {
    const file = resultsFixture({ n: 5 });
    const json = JSON.parse(JSON.stringify(file)) as { cells: Array<{ histograms: Record<string, string> }> };
    if (json.cells[0]) json.cells[0].histograms['latency.cold'] = 'not base64!';
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(json));
    expect(usageErrorOf(() => readResultsFile(path)).message).toContain('cells[0].histograms.latency.cold');
  });

  it('a missing top-level field is named', () => {
    const { startedAt: _dropped, ...rest } = resultsFixture({ n: 2 });
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(rest));
    expect(usageErrorOf(() => readResultsFile(path)).message).toContain('field startedAt');
  });

  it('a newer schemaVersion is refused clearly', () => {
    const path = join(dir, 'new.json');
    writeFileSync(path, JSON.stringify({ ...resultsFixture({ n: 2 }), schemaVersion: 2 }));
    const err = usageErrorOf(() => readResultsFile(path));
    expect(err.message).toContain('schemaVersion 2');
    expect(err.message).toContain('newer coldprobe');
  });

  it.each([
    ['missing', (p: string) => p, 'does not exist'],
    ['a folder', (p: string) => (mkdirSync(p), p), 'is a folder'],
    ['not JSON', (p: string) => (writeFileSync(p, '{"schemaVersion": 1,'), p), 'not valid JSON'],
    ['a JSON array', (p: string) => (writeFileSync(p, '[]'), p), 'expected a JSON object'],
  ])('a file that is %s gives a clear usage error', (_name, setup, phrase) => {
    const path = setup(join(dir, 'r.json'));
    const err = usageErrorOf(() => readResultsFile(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain(phrase);
  });

  it('writes JSON that ends with a newline', () => {
    const path = join(dir, 'r.json');
    writeResultsFile(path, resultsFixture({ n: 1 }));
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
  });
});

describe('defaultResultsPath', () => {
  const date = new Date(Date.UTC(2026, 10, 2, 4, 5, 6));
  it('is results/<function>-<YYYYMMDD-HHMMSS>.json under cwd (UTC)', () => {
    expect(defaultResultsPath('/w', 'sample-node', date)).toBe('/w/results/sample-node-20261102-040506.json');
  });
  it('makes ARNs and qualifiers file-safe', () => {
    expect(defaultResultsPath('/w', 'arn:aws:lambda:us-east-1:123456789012:function:my-fn:live', date)).toBe(
      '/w/results/arn_aws_lambda_us-east-1_123456789012_function_my-fn_live-20261102-040506.json',
    );
    expect(defaultResultsPath('/w', '../../etc/x', date)).toBe('/w/results/.._.._etc_x-20261102-040506.json');
  });
});
