import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { checkOutputPath, writeFileAtomic, type WriterFs } from '../../src/io/atomic-file.js';
import { readResultsFile, writeResultsFile } from '../../src/io/results-file.js';
import { resultsFixture } from './fixtures/results.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-atomic-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const realFs: WriterFs = { openSync, writeSync, fsyncSync, fstatSync, closeSync, renameSync };

/** A file system whose write(2) writes at most `limits[i]` bytes on its i-th call (then the rest of the list repeats its last entry). */
function shortWrites(limits: number[]): WriterFs & { calls: number } {
  const fs = {
    ...realFs,
    calls: 0,
    writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number): number => {
      const limit = limits[Math.min(fs.calls, limits.length - 1)] as number;
      fs.calls += 1;
      if (limit === 0) return 0;
      return writeSync(fd, buffer, offset, Math.min(length, limit));
    },
  };
  return fs;
}

function errorOf(fn: () => unknown): ColdprobeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ColdprobeError);
    return err as ColdprobeError;
  }
  throw new Error('expected a ColdprobeError, nothing was thrown');
}

describe('writeFileAtomic', () => {
  it('resumes short writes until every byte is on disk', () => {
    const path = join(dir, 'out.json');
    const text = 'x'.repeat(10_000) + '\n';
    const fs = shortWrites([100, 3, 5000]);
    writeFileAtomic(path, text, 'results file', fs);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(fs.calls).toBeGreaterThan(3);
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('a write that stops making progress (a full disk) fails with a sentence, removes the temp file and keeps the old file', () => {
    const path = join(dir, 'out.json');
    writeFileSync(path, 'previous');
    const err = errorOf(() => writeFileAtomic(path, 'y'.repeat(10_000), 'results file', shortWrites([4096, 0])));
    expect(err.exitCode).not.toBe(0);
    expect(err.message).toBe(`Cannot write results file ${path} (no space left on the device); nothing was written there.`);
    expect(readdirSync(dir)).toEqual(['out.json']);
    expect(readFileSync(path, 'utf8')).toBe('previous');
  });

  it('a file whose size on disk differs from what was written is not renamed into place', () => {
    const path = join(dir, 'out.json');
    const fs: WriterFs = { ...realFs, fstatSync: () => ({ size: 3 }) };
    const err = errorOf(() => writeFileAtomic(path, 'abcdef', 'baseline', fs));
    expect(err.message).toContain('shorter than what was written');
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** A 64 KiB tmpfs, when this process may mount one (root in a sandbox that allows it). */
function mountSmallTmpfs(): string | undefined {
  const at = mkdtempSync(join(tmpdir(), 'coldprobe-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', at], { stdio: 'ignore' });
    return at;
  } catch {
    rmSync(at, { recursive: true, force: true });
    return undefined;
  }
}

const tmpfs = process.platform === 'linux' && process.getuid?.() === 0 ? mountSmallTmpfs() : undefined;

describe.skipIf(tmpfs === undefined)('a results file on a full 64 KiB tmpfs', () => {
  const root = tmpfs as string;
  afterAll(() => {
    execFileSync('umount', [root]);
    rmSync(root, { recursive: true, force: true });
  });

  it('fails non-zero with a sentence, leaves no truncated or temp file, and saves the records elsewhere', () => {
    const path = join(root, 'big.json');
    const small = resultsFixture({ n: 5 });
    writeResultsFile(path, small);
    // ~430 KB of records against 64 KiB of disk: write(2) fills the disk, then ENOSPC.
    const big = resultsFixture({ n: 1000 });
    const err = errorOf(() => writeResultsFile(path, big));
    expect(err.exitCode).toBe(2);
    const rescued = join(tmpdir(), 'coldprobe-unsaved-big.json');
    expect(err.message).toBe(
      `Cannot write results file ${path} (no space left on the device); nothing was written there; the results were saved to ${rescued} instead.`,
    );
    expect(readdirSync(root)).toEqual(['big.json']);
    expect(readResultsFile(path)).toEqual(small);
    expect(readResultsFile(rescued)).toEqual(big);
    rmSync(rescued);
  });

  it('checkOutputPath refuses it before anything is sent, naming the free space', () => {
    const path = join(root, 'next.json');
    const err = errorOf(() => checkOutputPath(path, '--out', 1000 * 1024));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^--out .*next\.json is on a file system with \d+ KiB free, and the results file needs about 1000 KiB; free some space or choose another --out\.$/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('checkOutputPath', () => {
  it('accepts a new file in a folder it creates, and leaves nothing behind', () => {
    const path = join(dir, 'a', 'b', 'out.json');
    checkOutputPath(path, '--out', 10_000);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual([]);
  });

  it('refuses a folder', () => {
    mkdirSync(join(dir, 'results'));
    const err = errorOf(() => checkOutputPath(join(dir, 'results'), '--out'));
    expect(err.message).toBe(`--out ${join(dir, 'results')} is a folder; name a file, e.g. ${join(dir, 'results')}/results.json.`);
  });

  it('refuses a path under a file', () => {
    writeFileSync(join(dir, 'file'), 'x');
    const path = join(dir, 'file', 'out.json');
    const err = errorOf(() => checkOutputPath(path, '--out'));
    expect(err.message).toContain('a part of the path is a file, not a folder');
    expect(err.exitCode).toBe(2);
  });
});
