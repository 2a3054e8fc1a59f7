/**
 * `coldprobe compare <a.json> <b.json>`: the cell-by-cell comparison of two results files, with deltas and
 * the verdict of the noise test. Informational: exits 0 whatever it finds (`coldprobe check` gates).
 */
import { resolve } from 'node:path';
import { compareResults, DEFAULT_COMPARE_METRICS } from '../../core/compare.js';
import { usageError } from '../../core/errors.js';
import { resolveMetric } from '../../core/cell-metrics.js';
import { readResultsFile } from '../../io/results-file.js';
import { renderCompareTable } from '../../report/compare-table.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, formatHelp } from '../help.js';

const USAGE = formatHelp({
  usage: ['coldprobe compare <baseline.json> <current.json> [options]'],
  about:
    'Side-by-side table per cell (matched by id, then by function/runtime/memory/provisioned) with the relative delta and the noise test\'s verdict (seeded bootstrap CI of the ratio of percentiles, plus a rank test for medians). Percentiles need enough samples: 20 per side for p50, 500 for p99.',
  sections: [
    {
      title: 'Options',
      options: [
        ['--metric NAME', 'metric to show (repeatable), e.g. cold.init.p90; default a standard set'],
        ['--json', 'print the comparison as JSON'],
      ],
    },
  ],
  exitCodes: [EXIT.ok, [2, 'bad input: an unreadable results file or an unknown metric']],
});

export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare two results files cell by cell, with a noise-aware verdict',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags('compare', args, {
      metric: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 2) {
      throw usageError(`compare: expected two results files, got ${positionals.length} (see 'coldprobe compare --help').`);
    }
    const metrics = values.metric ?? [...DEFAULT_COMPARE_METRICS];
    for (const m of metrics) {
      if (!resolveMetric(m)) throw usageError(`compare: unknown metric '${m}' (see 'coldprobe check --help' for the names).`);
    }
    const [a, b] = positionals as [string, string];
    const baseline = readResultsFile(resolve(io.cwd, a));
    const current = readResultsFile(resolve(io.cwd, b));
    const comparisons = compareResults(baseline, current, { metrics });
    if (values.json === true) {
      const out = comparisons.map((c) => ({
        cell: c.pair.id,
        matchedBy: c.pair.matchedBy,
        baselineCell: c.pair.baseline?.spec.id,
        metrics: c.metrics,
        regressions: c.regressions.map((m) => m.metric),
      }));
      io.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      io.stdout.write(renderCompareTable(comparisons, { baseline: a, current: b }, io.stdout.isTTY === true));
    }
    return 0;
  },
};
