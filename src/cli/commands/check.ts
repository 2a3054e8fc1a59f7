/**
 * `coldprobe check <results.json>`: the CI gate. Judges thresholds (from flags and the profile) and, with a
 * baseline, the noise-aware regression check; prints the verdicts, appends a markdown summary to
 * $GITHUB_STEP_SUMMARY, emits ::error annotations under GitHub Actions, writes JUnit on request.
 * Exit 0 pass, 10 failed, 2 bad input.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ExitCode, usageError } from '../../core/errors.js';
import { runGate } from '../../core/gate.js';
import { KNOWN_METRICS, STATS } from '../../core/cell-metrics.js';
import type { ResultsFile } from '../../core/results.js';
import { needsBaseline, parseThresholdsOrThrow } from '../../engine/thresholds.js';
import { readResultsFile, writeFileAtomic } from '../../io/results-file.js';
import { renderAnnotations, underGitHubActions } from '../../report/annotations.js';
import { renderCompareTable } from '../../report/compare-table.js';
import { renderGateText } from '../../report/gate-text.js';
import { renderJunit } from '../../report/junit.js';
import { renderMarkdown } from '../../report/markdown.js';
import { parseFlags } from '../args.js';
import type { Command } from '../command.js';
import { formatHelp } from '../help.js';
import { defaultBaselinePath, storeBaseline } from './baseline.js';

const USAGE = formatHelp({
  usage: ['coldprobe check <results.json> [--baseline FILE] [--threshold EXPR ...] [options]'],
  about:
    'The CI gate: judges a results file against thresholds and, with a baseline, checks it for regressions. A part that does not run (no baseline: no regression check) is reported as SKIP.',
  sections: [
    {
      title: 'Options',
      options: [
        ['--baseline FILE', "baseline results file (default: the profile's 'baseline:')"],
        ['--threshold EXPR', "a threshold (repeatable); added to the profile's"],
        ['--profile FILE', 'take thresholds and the baseline path from this profile'],
        ['--update-baseline', 'when the check passes, store these results as the baseline'],
        ['--strict', 'inconclusive items fail the check'],
        ['--thresholds-only', 'skip the default regression check; judge thresholds only'],
        ['--tolerance PCT', 'smallest slowdown the regression check fails on (default 10%); raise it where runs of the same code differ more (noisy shared runners)'],
        ['--junit FILE', 'write a JUnit XML report'],
        ['--markdown FILE', 'write the markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)'],
        ['--json', 'print the verdicts as JSON instead of text'],
      ],
    },
    {
      title: 'Thresholds: [cell] <metric> <op> <value>',
      lines: [
        'ops: < <= > >= == !=     values: 800ms 1.2s 350us (times need a unit), 0.2 or 20% (ratios),',
        'plain numbers (counts), baseline, baseline * 1.10, baseline + 50ms, baseline - 1',
        "[cell-id] limits a threshold to matching cells ('*' wildcard); default every cell.",
        `metrics: ${KNOWN_METRICS.join(', ')}`,
        `<stat>: ${STATS.join(', ')}`,
        "e.g. 'cold.init.p99 < 800ms'  'cold.latency.p50 <= baseline * 1.10'  '[node-512] errors == 0'",
      ],
    },
  ],
  notes: [
    "With a baseline, every matched cell's cold.init.p50, cold.latency.p50 and warm.latency.p50 are also checked for a regression: more than --tolerance (10%) slower AND beyond the noise (99% bootstrap CI of the ratio, seeded, plus a rank test). A limit relative to the baseline that is crossed only within the noise passes; absolute limits are hard. Too few samples to judge is \"inconclusive\": reported, not failed, unless --strict.",
  ],
  exitCodes: [
    [0, 'passed'],
    [1, 'internal error (a bug: please report it)'],
    [2, 'bad input, also nothing to judge (no threshold and no baseline)'],
    [10, 'a threshold or a regression failed'],
  ],
});

/** `--tolerance 25%` or `0.25` → 0.25; default 0.10. */
function parseTolerance(raw: string | undefined): number {
  if (raw === undefined) return 0.1;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(raw);
  const value = m ? (m[2] === '%' ? Number(m[1]) / 100 : Number(m[1])) : Number.NaN;
  if (!(value >= 0 && value < 10)) throw usageError(`--tolerance must be a percentage like 10% or a fraction like 0.1, got '${raw}'.`);
  return value;
}

function readBaseline(path: string, shown: string): ResultsFile {
  if (!existsSync(path)) {
    throw usageError(`baseline ${shown} does not exist; create it with 'coldprobe baseline <results.json>' and commit it.`);
  }
  return readResultsFile(path);
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'CI gate: judge thresholds and regressions against a baseline (exit 10 on failure)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags('check', args, {
      baseline: { type: 'string' },
      threshold: { type: 'string', multiple: true },
      profile: { type: 'string' },
      'update-baseline': { type: 'boolean' },
      strict: { type: 'boolean' },
      'thresholds-only': { type: 'boolean' },
      junit: { type: 'string' },
      markdown: { type: 'string' },
      json: { type: 'boolean' },
      tolerance: { type: 'string' },
    });
    if (positionals.length !== 1) {
      throw usageError(`check: expected one results file, got ${positionals.length} (see 'coldprobe check --help').`);
    }
    const resultsArg = positionals[0]!;
    const tolerance = parseTolerance(values.tolerance);
    // Everything the user wrote is validated before any file is read.
    // The YAML parser is loaded only when a profile is named.
    const profile = values.profile !== undefined ? (await import('../../io/profile.js')).loadProfile(values.profile, io.cwd) : undefined;
    const thresholds = parseThresholdsOrThrow([...(profile?.profile.thresholds ?? []), ...(values.threshold ?? [])]);
    const updateBaseline = values['update-baseline'] === true;
    const baselinePath = values.baseline !== undefined ? resolve(io.cwd, values.baseline) : profile?.baselinePath;
    const shownBaseline = baselinePath === undefined ? undefined : relative(io.cwd, baselinePath) || baselinePath;

    const thresholdsOnly = values['thresholds-only'] === true;
    // First run with --update-baseline: no baseline yet is expected, not an error.
    const firstBaseline = updateBaseline && values.baseline === undefined && baselinePath !== undefined && !existsSync(baselinePath);
    const noBaselineReason =
      baselinePath === undefined
        ? values.profile !== undefined
          ? `profile ${values.profile} has no 'baseline:' and no --baseline was given`
          : 'no --baseline was given'
        : firstBaseline
          ? `baseline ${shownBaseline ?? baselinePath} does not exist yet (--update-baseline creates it when the check passes)`
          : undefined;
    // A gate that judges nothing would pass whatever the results say: that is a mistake in the set-up, not a pass.
    if (thresholds.length === 0 && (noBaselineReason !== undefined || thresholdsOnly)) {
      throw usageError(
        thresholdsOnly
          ? `check: nothing to judge: --thresholds-only turns the regression check off and no threshold was given (--threshold '<expr>' or the profile's 'thresholds:').`
          : `check: nothing to judge: no threshold and ${noBaselineReason ?? 'no baseline'}; give --threshold '<expr>', --baseline <file>, or a profile with 'thresholds:' or 'baseline:'.`,
      );
    }

    const results = readResultsFile(resolve(io.cwd, resultsArg));
    const baseline =
      baselinePath !== undefined && shownBaseline !== undefined && !firstBaseline ? readBaseline(baselinePath, shownBaseline) : undefined;
    if (baseline === undefined && needsBaseline(thresholds) && !updateBaseline) {
      throw usageError(`a threshold compares with the baseline, but no baseline was given; pass --baseline <file> or a profile with 'baseline:'.`);
    }

    const gate = runGate(results, thresholds, baseline, {
      minEffect: tolerance,
      strict: values.strict === true,
      thresholdsOnly,
      ...(noBaselineReason === undefined ? {} : { noBaselineReason }),
    });

    if (values.json === true) {
      io.stdout.write(JSON.stringify({ passed: gate.passed, counts: gate.counts, items: gate.items, skipped: gate.skipped }, null, 2) + '\n');
    } else {
      const against = shownBaseline !== undefined && baseline ? ` against baseline ${shownBaseline}` : '';
      io.stdout.write(`coldprobe check ${resultsArg}${against}\n`);
      if (baseline) io.stdout.write('\n' + renderCompareTable(gate.comparisons, { baseline: shownBaseline ?? '', current: resultsArg }, io.stdout.isTTY === true) + '\n');
      io.stdout.write(renderGateText(gate));
    }
    if (underGitHubActions(io.env)) io.stdout.write(renderAnnotations(gate));
    const markdown = renderMarkdown(gate, resultsArg);
    const summaryFile = io.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      try {
        appendFileSync(summaryFile, markdown + '\n');
      } catch (err) {
        io.stderr.write(`coldprobe: could not append to $GITHUB_STEP_SUMMARY (${(err as NodeJS.ErrnoException).code ?? String(err)}).\n`);
      }
    }
    if (values.markdown !== undefined) writeFileAtomic(resolve(io.cwd, values.markdown), markdown, 'markdown summary');
    if (values.junit !== undefined) writeFileAtomic(resolve(io.cwd, values.junit), renderJunit(gate), 'JUnit report');

    if (updateBaseline) {
      const to = baselinePath ?? defaultBaselinePath(io.cwd, results);
      const shown = relative(io.cwd, to) || to;
      if (gate.passed) {
        storeBaseline(to, results, false, resultsArg);
        io.stderr.write(`baseline updated: ${shown}\n`);
      } else {
        io.stderr.write(`baseline not updated (${shown}): the check failed.\n`);
      }
    }
    return gate.passed ? ExitCode.ok : ExitCode.thresholdFailed;
  },
};
