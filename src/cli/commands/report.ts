/**
 * `coldprobe report <results.json> [--html out.html]`: re-renders any results file (from `burst` or `run`) as
 * text, and optionally as a self-contained HTML page with charts. Never re-runs anything.
 */
import { resolve } from 'node:path';
import { ExitCode, usageError } from '../../core/errors.js';
import { readResultsFile, writeFileAtomic } from '../../io/results-file.js';
import { renderHtml } from '../../report/html.js';
import { renderMatrixTable } from '../../report/matrix-table.js';
import { renderSummary } from '../../report/text.js';
import { parseFlags } from '../args.js';
import { EXIT, formatHelp } from '../help.js';
import { colorWanted, type Command } from '../command.js';

const USAGE = formatHelp({
  usage: ['coldprobe report <results.json> [options]'],
  about: "Re-renders a results file written by 'coldprobe burst', 'run' or 'load'.",
  sections: [
    {
      title: 'Options',
      options: [
        ['--html FILE', 'also write a self-contained HTML page (inline SVG charts, opens offline)'],
        ['--no-text', 'do not print the text report (with --html)'],
      ],
    },
  ],
  exitCodes: [EXIT.ok, [2, 'bad input: an unreadable results file or an unwritable --html path']],
});

export const reportCommand: Command = {
  name: 'report',
  summary: 'Re-render a results file as text, or as an offline HTML page with charts.',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags('report', args, {
      html: { type: 'string' },
      'no-text': { type: 'boolean' },
    });
    const [file, ...extra] = positionals;
    if (file === undefined) throw usageError("report: name a results file, e.g. 'coldprobe report results/demo-….json'.");
    if (extra.length > 0) throw usageError(`report: unexpected argument '${extra[0]}' (one results file at a time).`);
    const results = readResultsFile(resolve(io.cwd, file));

    if (values['no-text'] !== true) {
      const color = io.stdout.isTTY === true && colorWanted(io, false);
      const width = io.stdout.columns ?? 80;
      const parts: string[] = [];
      if (results.interrupted) parts.push('Interrupted run: partial results.');
      // A matrix deserves its comparison first; every results file also gets the per-cell summary.
      if (results.cells.length > 1) parts.push(renderMatrixTable(results.cells, { color, width, interrupted: results.interrupted, clip: io.stdout.isTTY === true }), '');
      parts.push(renderSummary(results, { color, width, clip: io.stdout.isTTY === true }));
      io.stdout.write(parts.join('\n') + '\n');
    }
    if (values.html !== undefined) {
      const out = resolve(io.cwd, values.html);
      writeFileAtomic(out, renderHtml(results), 'HTML report');
      io.stderr.write(`html: ${out}\n`);
    }
    return ExitCode.ok;
  },
};
