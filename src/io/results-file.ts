/**
 * Results files on disk: atomic writes (atomic-file.ts: every byte written, fsync, rename) so a reader never
 * sees a half-written file, and validated reads that name the file and the field when something is wrong.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ColdprobeError, usageError } from '../core/errors.js';
import { RESULTS_SCHEMA_VERSION } from '../core/results.js';
import type { ResultsFile } from '../core/results.js';
import { resultsFileSchema } from './results-schema.js';
import { codeOf, writeFileAtomic } from './atomic-file.js';

// check and report write HTML and JUnit files through this module; the writer lives in atomic-file.ts.
export { writeFileAtomic };

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

/** Render a zod issue path as `cells[0].records[3].outcome`. */
function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * Read and validate a results file; throws a usage ColdprobeError naming the file (and the field) when it is
 * unreadable, not JSON, from a newer coldprobe, or not a results file.
 */
export function readResultsFile(path: string): ResultsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`Cannot read results file ${path}: ${codeOf(err)}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usageError(`Results file ${path} is not valid JSON (${(err as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw usageError(`Results file ${path} is not a coldprobe results file (expected a JSON object).`);
  }
  const version = (value as Record<string, unknown>)['schemaVersion'];
  if (typeof version === 'number' && version > RESULTS_SCHEMA_VERSION) {
    throw usageError(
      `Results file ${path} has schemaVersion ${version}, written by a newer coldprobe; this version reads schemaVersion ${RESULTS_SCHEMA_VERSION}. Upgrade coldprobe to read it.`,
    );
  }
  const parsed = resultsFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? fieldPath(issue.path) : '(top level)';
    const what = issue ? issue.message.replace(/^Invalid (input|option): /, '') : 'invalid';
    const others = parsed.error.issues.length - 1;
    const more = others > 0 ? ` (and ${others} more ${others === 1 ? 'problem' : 'problems'})` : '';
    throw usageError(`Results file ${path} is not a valid coldprobe results file: field ${where}: ${what}${more}.`);
  }
  return parsed.data;
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
