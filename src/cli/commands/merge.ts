/**
 * `coldprobe merge <shard.json>… --out all.json`: the results files of every shard of one run into one results
 * file that report, check and compare read like any other. The checks and the merging are src/core/merge.ts.
 */
import { resolve } from 'node:path';
import { ExitCode, usageError } from '../../core/errors.js';
import { mergeShards } from '../../core/merge.js';
import { readResultsFile, writeResultsFile } from '../../io/results-file.js';
import { renderShards } from '../../report/shards.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, formatHelp } from '../help.js';

const USAGE = formatHelp({
  usage: ['coldprobe merge <shard.json>… --out <all.json> [options]'],
  about:
    "Merges the results files of every shard of one run (each run with --shard i/N) into one results file: records concatenated in invocation order, HDR histograms merged, summaries recomputed, and how far apart the shards released beside each shard's own release spread. Thresholds are not carried over: judge the merged file with 'coldprobe check'.",
  sections: [
    {
      title: 'Options',
      options: [
        ['--out FILE', 'where to write the merged results file (required)'],
        ['--json', 'print the shards section as JSON on stdout instead of text'],
      ],
    },
  ],
  exitCodes: [EXIT.ok, [2, 'bad input: not shards of one run (another plan or run id, a shard twice or missing), an unreadable file, no --out']],
});

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'Merge the results files of every shard of one run into one.',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags('merge', args, { out: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length === 0) throw usageError("merge: name the results file of every shard, e.g. 'coldprobe merge shard-*.json --out all.json'.");
    if (values.out === undefined) throw usageError('merge: --out <path> is required (where the merged results file goes).');
    const inputs = positionals.map((name) => ({ name, file: readResultsFile(resolve(io.cwd, name)) }));
    const merged = mergeShards(inputs);
    const out = resolve(io.cwd, values.out);
    writeResultsFile(out, merged);
    const shards = merged.shards;
    if (values.json === true) io.stdout.write(JSON.stringify({ resultsPath: out, shards }) + '\n');
    else {
      const records = merged.cells.reduce((sum, c) => sum + c.records.length, 0);
      io.stdout.write(`${shards ? renderShards(shards) : ''}\n\nmerged ${records} records into ${out}\n`);
    }
    return ExitCode.ok;
  },
};
