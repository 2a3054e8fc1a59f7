/**
 * `coldprobe baseline <results.json> [--to path] [--profile p]`: store a results file as the baseline the CI
 * gate compares against. Records are kept whole: the noise test resamples them.
 */
import { existsSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { usageError } from '../../core/errors.js';
import type { ResultsFile } from '../../core/results.js';
import { readResultsFile, writeResultsFile } from '../../io/results-file.js';
import { parseFlags } from '../args.js';
import { EXIT, formatHelp } from '../help.js';
import type { Command } from '../command.js';

const USAGE = formatHelp({
  usage: ['coldprobe baseline <results.json> [options]'],
  about:
    "Stores a results file as the baseline that 'coldprobe check' compares against, written atomically. Where: --to, else the profile's 'baseline:' path, else results/baselines/<name>.json (name: the profile named in the results, else the first cell's function).",
  sections: [
    {
      title: 'Options',
      options: [
        ['--to FILE', 'where to write the baseline'],
        ['--profile FILE', "use this profile's 'baseline:' path"],
        ['--force', 'store a baseline even from an interrupted (partial) run'],
      ],
    },
  ],
  exitCodes: [EXIT.ok, [2, 'bad input: an unreadable results file, an interrupted run without --force, an unwritable path']],
});

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'baseline';

/** Default baseline path for a results file: results/baselines/<profile name or first function>.json. */
export function defaultBaselinePath(cwd: string, results: ResultsFile): string {
  const opts = results.options;
  const profileName = typeof opts['profileName'] === 'string' ? opts['profileName'] : undefined;
  const profilePath = typeof opts['profile'] === 'string' ? opts['profile'] : undefined;
  const name =
    profileName ??
    (profilePath !== undefined ? basename(profilePath, extname(profilePath)) : undefined) ??
    results.cells[0]?.spec.functionName ??
    'baseline';
  return join(cwd, 'results', 'baselines', `${safeName(name)}.json`);
}

/** Write `results` as a baseline at `path`, refusing partial runs unless forced; returns the path written. */
export function storeBaseline(path: string, results: ResultsFile, force: boolean, source: string): string {
  if (results.interrupted && !force) {
    throw usageError(`${source} is from an interrupted run, so its records are partial; re-run it or pass --force.`);
  }
  if (results.cells.length === 0) throw usageError(`${source} has no cells, so it cannot be a baseline.`);
  writeResultsFile(path, results);
  return path;
}

export const baselineCommand: Command = {
  name: 'baseline',
  summary: 'store a results file as the baseline for the CI gate',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags('baseline', args, {
      to: { type: 'string' },
      profile: { type: 'string' },
      force: { type: 'boolean' },
    });
    if (positionals.length !== 1) {
      throw usageError(`baseline: expected one results file, got ${positionals.length} (see 'coldprobe baseline --help').`);
    }
    const source = positionals[0]!;
    // The YAML parser is loaded only when a profile is named.
    const profile = values.profile !== undefined ? (await import('../../io/profile.js')).loadProfile(values.profile, io.cwd) : undefined;
    const results = readResultsFile(resolve(io.cwd, source));
    const to = values.to !== undefined ? resolve(io.cwd, values.to) : (profile?.baselinePath ?? defaultBaselinePath(io.cwd, results));
    const replaced = existsSync(to);
    storeBaseline(to, results, values.force === true, source);
    const records = results.cells.reduce((n, c) => n + c.records.length, 0);
    const shown = relative(io.cwd, to) || to;
    io.stdout.write(
      `baseline ${replaced ? 'updated' : 'stored'}: ${shown} (${results.cells.length} cell(s), ${records} records); commit it so CI compares against it.\n`,
    );
    return 0;
  },
};
