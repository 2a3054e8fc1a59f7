/**
 * Writing results files, apart from reading them (results-file.ts): a run only writes, and the reader's
 * schema (zod, about 80 ms of CPU to load) stays off the path from a shard's start to its release.
 */
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ColdprobeError } from '../core/errors.js';
import type { ResultsFile } from '../core/results.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * Write a results file atomically: `<path>.<pid>.tmp` beside it, fsync, rename over `path`; creates the folder.
 * On any failure the temp file is removed and the target is left as it was (absent or the previous version).
 * The records are what was measured and cannot be measured again for free: when `path` cannot take them (a
 * full disk), they are saved in the system's temp folder and the error sentence says where.
 */
export function writeResultsFile(path: string, file: ResultsFile): void {
  const text = JSON.stringify(file) + '\n';
  try {
    writeFileAtomic(path, text, 'results file');
  } catch (error) {
    if (!(error instanceof ColdprobeError)) throw error;
    const rescue = join(tmpdir(), `coldprobe-unsaved-${basename(path)}`);
    if (dirname(rescue) === dirname(path)) throw error;
    try {
      writeFileAtomic(rescue, text, 'results file');
    } catch {
      throw error;
    }
    throw new ColdprobeError(error.kind, `${error.message.replace(/\.$/, '')}; the results were saved to ${rescue} instead.`, { cause: error });
  }
}

/** `YYYYMMDD-HHMMSS` of a date in UTC (UTC so names sort the same on every machine). */
export function timestampForFile(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-` +
    `${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`
  );
}

/**
 * Default results path `<cwd>/results/<function>-<YYYYMMDD-HHMMSS>.json` (UTC); characters unsafe in file
 * names (an ARN's `:` and `/`) become `_`.
 */
export function defaultResultsPath(cwd: string, functionName: string, date: Date): string {
  // An ARN or `name:qualifier` names the function by its last segments; keep them readable but file-safe.
  const safe = basename(functionName.replace(/[^A-Za-z0-9._-]+/g, '_')) || 'function';
  return join(cwd, 'results', `${safe}-${timestampForFile(date)}.json`);
}
