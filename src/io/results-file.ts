/**
 * Results files on disk: atomic writes (temp file in the same folder, fsync, rename) so a reader never sees a
 * half-written file, and validated reads that name the file and the field when something is wrong.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ColdprobeError, usageError } from '../core/errors.js';
import { RESULTS_SCHEMA_VERSION } from '../core/results.js';
import type { ResultsFile } from '../core/results.js';
import { resultsFileSchema } from './results-schema.js';

/**
 * Write a results file atomically: `<path>.<pid>.tmp` beside it, fsync, rename over `path`; creates the folder.
 * On any failure the temp file is removed and the target is left as it was (absent or the previous version).
 */
export function writeResultsFile(path: string, file: ResultsFile): void {
  writeFileAtomic(path, JSON.stringify(file) + '\n', 'results file');
}

/**
 * Write any text file atomically (temp file in the same folder, fsync, rename, fsync of the folder), so a
 * reader never sees half a file; `what` names the file in the error sentence (e.g. `HTML report`).
 */
export function writeFileAtomic(path: string, text: string, what: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new ColdprobeError('usage', `Cannot write ${what} ${path}: cannot create folder ${dir} (${codeOf(err)}).`, { cause: err });
  }
  const tmp = `${path}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, text);
    // fsync before rename: after a crash the rename must not point at a file whose data never reached the disk.
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw new ColdprobeError('usage', `Cannot write ${what} ${path} (${codeOf(err)}).`, { cause: err });
  }
  // Persist the rename itself (the directory entry); best effort, not every platform can fsync a folder.
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // ignore: the data is written and renamed; only durability across a power loss is weaker
  }
}

/** Words for the file-system errors a user can fix. */
const ERRNO_WORDS: Record<string, string> = {
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'it does not exist',
};

/** A file-system error as words (`permission denied`), else its errno code or message. */
function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return ERRNO_WORDS[code] ?? code;
  return err instanceof Error ? err.message : String(err);
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
