/**
 * Results files on disk: validated reads that name the file and the field when something is wrong, and (from
 * results-write.ts, re-exported) atomic writes so a reader never sees a half-written file.
 */
import { readFileSync } from 'node:fs';
import { usageError } from '../core/errors.js';
import { RESULTS_SCHEMA_VERSION } from '../core/results.js';
import type { ResultsFile } from '../core/results.js';
import { resultsFileSchema } from './results-schema.js';
import { codeOf, writeFileAtomic } from './atomic-file.js';

// check and report write HTML and JUnit files through this module; the writer lives in atomic-file.ts.
export { writeFileAtomic };
export { defaultResultsPath, timestampForFile, writeResultsFile } from './results-write.js';

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
