/**
 * The one place a results file is assembled from a finished (or interrupted) run, for `burst` and `run` alike,
 * and the one place coldprobe's version is read.
 */
import { readFileSync } from 'node:fs';
import { RESULTS_SCHEMA_VERSION, type CellResult, type InvocationCounts, type ResultsFile } from '../core/results.js';

let cachedVersion: string | undefined;

/** coldprobe's version from its package.json (the same relative place from src/ and dist/); `0.0.0` if unreadable. */
export function toolVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    cachedVersion = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}

/** What a run leaves behind, as the results file needs it (the engine's RunOutcome has these fields). */
export interface RunRecordings {
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  invocations?: InvocationCounts;
  cells: CellResult[];
  cleanup: { done: string[]; failed: string[] };
  /** `function:version` of the versions the run published. */
  versions: string[];
}

/** The results file of a run: the command's resolved options, plus what was put back and published when anything was. */
export function buildResultsFile(
  command: 'burst' | 'run' | 'load',
  run: RunRecordings,
  target: { kind: 'aws' | 'emulator'; description: string; endpoint?: string },
  options: Record<string, unknown>,
): ResultsFile {
  const stored: Record<string, unknown> = { ...options };
  if (run.cleanup.done.length + run.cleanup.failed.length > 0) stored['cleanup'] = run.cleanup;
  if (run.versions.length > 0) stored['publishedVersions'] = run.versions;
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'coldprobe', version: toolVersion() },
    command,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    interrupted: run.interrupted,
    target: { kind: target.kind, description: target.description, ...(target.endpoint !== undefined ? { endpoint: target.endpoint } : {}) },
    options: stored,
    cells: run.cells,
    ...(run.invocations !== undefined ? { invocations: run.invocations } : {}),
  };
}
