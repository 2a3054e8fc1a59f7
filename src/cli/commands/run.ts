/**
 * `coldprobe run <profile>`: runs a profile's matrix (functions × memory × provisioned concurrency) on the
 * emulator or AWS and prints the comparison table. Turns the profile into a plan and a target choice;
 * src/cli/execute.ts does the rest, as for `burst`.
 */
import { parseEndpointUrl } from '../../targets/endpoint.js';
import { resolve } from 'node:path';
import { withOverrides } from '../../core/cost.js';
import { usageError } from '../../core/errors.js';
import { formatStages } from '../../core/load-stages.js';
import { expandMatrix } from '../../core/matrix.js';
import type { ResultsFile } from '../../core/results.js';
import { needsBaseline, parseThresholdsOrThrow } from '../../engine/thresholds.js';
import { loadProfile } from '../../io/profile.js';
import { defaultResultsPath, readResultsFile } from '../../io/results-file.js';
import { renderCleanup } from '../../report/cleanup.js';
import { renderLoadWindows } from '../../report/load-windows.js';
import { rowOf } from '../../report/matrix-rows.js';
import { renderMatrixTable } from '../../report/matrix-table.js';
import { performance } from 'node:perf_hooks';
import { parseFlags, positiveInt } from '../args.js';
import { colorWanted, type Command } from '../command.js';
import { executeCommand } from '../execute.js';
import { resolveShardFlags, SHARD_FLAGS, SHARD_SECTION } from '../shard-flags.js';
import { EXIT, formatHelp } from '../help.js';
import { functionsDirs, type TargetChoice } from '../target.js';

const USAGE = formatHelp({
  usage: ['coldprobe run <profile.yaml|profile.json> [options]'],
  about:
    "Runs every cell of a profile's matrix (function × memory × provisioned concurrency), with the profile's burst shape, its load over time (a '… load' cell beside each burst cell), or both, and prints a comparison table; writes one results file with every cell. The profile's target, functions, matrix, burst, thresholds and baseline apply; these options override or add to them.",
  sections: [
    {
      title: 'Target (over the profile)',
      options: [
        ['--target emulator|aws', "where to run (default: the profile's target)"],
        ['--region R', "AWS region (default: the profile's, then AWS_REGION)"],
        ['--aws-profile P', "AWS shared-config profile (default: the profile's, then AWS_PROFILE)"],
        ['--endpoint-url URL', 'aws: send to this endpoint instead (LocalStack, `coldprobe emulator`); recorded in the results file'],
        ['--ca-bundle FILE', 'aws: trust the certificates in this PEM file (default AWS_CA_BUNDLE), as the AWS CLI'],
        ['--functions DIR', "emulator: a folder of function folders, instead of the profile's target.functionsDir (repeatable)"],
        ['--init-concurrency K', "emulator: environments initialising at once, instead of the profile's target.initConcurrency"],
        ['--yes', 'aws: make the listed changes without asking (needed when stdin is not a terminal)'],
        [
          '--allow-reserved-zero',
          'aws: permit a reserved concurrency of 0 (it stops every invocation of the function, production traffic included, until coldprobe puts it back); --yes does not cover it',
        ],
      ],
    },
    {
      title: 'Thresholds (judged at the end; exit 10 when one fails)',
      options: [
        ['--threshold EXPR', "added to the profile's (repeatable), e.g. 'cold.init.p99 < 800ms' or '[node-hello-*] errors == 0'"],
        ['--baseline FILE', "baseline results file for thresholds like 'cold.init.p50 <= baseline * 1.10' (default: the profile's 'baseline:')"],
      ],
    },
    {
      title: 'Output',
      options: [
        ['--out FILE', 'results file, relative to the working folder (default results/<profile>-<timestamp>.json); checked before anything runs'],
        ['--json', 'print the comparison as JSON on stdout'],
        ['--no-tui', 'plain progress lines instead of the live view'],
        ['--no-color', 'no ANSI colour (NO_COLOR is honoured too)'],
      ],
    },
    SHARD_SECTION,
  ],
  notes: ['On AWS, every change (memory, reserved and provisioned concurrency, a force-cold variable) is listed first and put back when the run ends, fails or is interrupted. Costs are estimates.'],
  exitCodes: [EXIT.ok, EXIT.usage, EXIT.unavailable, EXIT.threshold, EXIT.interrupted],
});

/** The text printed when a run's thresholds were judged: how many passed, and each failure. */
function gateText(results: ResultsFile): string {
  const verdicts = results.thresholds;
  if (verdicts === undefined) return '';
  const failed = verdicts.filter((v) => !v.passed);
  return `\nThresholds: ${verdicts.length - failed.length} passed, ${failed.length} failed.\n${failed.map((v) => `  FAIL ${v.cell}: ${v.expression} (${v.detail})`).join('\n')}`;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run a profile: a matrix of functions × memory × provisioned concurrency, compared.',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags('run', args, {
      yes: { type: 'boolean' },
      'allow-reserved-zero': { type: 'boolean' },
      target: { type: 'string' },
      region: { type: 'string' },
      'aws-profile': { type: 'string' },
      'ca-bundle': { type: 'string' },
      'endpoint-url': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      'no-tui': { type: 'boolean' },
      'no-color': { type: 'boolean' },
      functions: { type: 'string', multiple: true },
      'init-concurrency': { type: 'string' },
      threshold: { type: 'string', multiple: true },
      baseline: { type: 'string' },
      ...SHARD_FLAGS,
    });
    // Read first: --start-in counts from this process's start, --start-at must still be ahead.
    const shard = resolveShardFlags(values, performance.timeOrigin, Date.now());
    const [profilePath, ...extra] = positionals;
    if (profilePath === undefined) throw usageError("run: name a profile, e.g. 'coldprobe run profiles/demo.yaml'.");
    if (extra.length > 0) throw usageError(`run: unexpected argument '${extra[0]}' (one profile per run).`);
    const kindFlag = values.target;
    if (kindFlag !== undefined && kindFlag !== 'emulator' && kindFlag !== 'aws') throw usageError(`--target must be emulator or aws, got '${kindFlag}'.`);

    // Everything the user wrote is checked before anything starts.
    const loaded = loadProfile(profilePath, io.cwd);
    const { profile } = loaded;
    const thresholds = parseThresholdsOrThrow([...(profile.thresholds ?? []), ...(values.threshold ?? [])]);
    let baseline: ResultsFile | undefined;
    if (needsBaseline(thresholds)) {
      const baselinePath = values.baseline !== undefined ? resolve(io.cwd, values.baseline) : loaded.baselinePath;
      if (!baselinePath) throw usageError(`${loaded.path}: thresholds compare against a baseline, but neither the profile nor --baseline names one.`);
      baseline = readResultsFile(baselinePath);
    }
    const prices = withOverrides(profile.prices);
    const cells = expandMatrix({
      functions: profile.functions,
      memoryMb: profile.matrix.memoryMb,
      provisioned: profile.matrix.provisioned,
      ...(profile.matrix.reservedConcurrency ? { reservedConcurrency: profile.matrix.reservedConcurrency } : {}),
      ...(profile.burst !== undefined
        ? {
            burst: {
              n: profile.burst.n,
              waves: profile.burst.waves,
              intervalMs: profile.burst.interval,
              forceCold: profile.burst.forceCold,
              ...(profile.burst.concurrency !== undefined ? { concurrency: profile.burst.concurrency } : {}),
            },
          }
        : {}),
      ...(profile.load !== undefined
        ? { load: { stages: profile.load.stages, maxInFlight: profile.load.maxInFlight, windowMs: profile.load.window, forceCold: profile.load.forceCold } }
        : {}),
    });
    const t = profile.target;
    let target: TargetChoice;
    if ((kindFlag ?? t.kind) === 'aws') {
      const region = values.region ?? (t.kind === 'aws' ? t.region : undefined);
      const awsProfile = values['aws-profile'] ?? (t.kind === 'aws' ? t.profile : undefined);
      // Mutations are allowed because the run lists its changes and asks for confirmation (or --yes) first.
      target = { kind: 'aws', allowMutations: true, env: io.env, ...(region ? { region } : {}), ...(awsProfile ? { profile: awsProfile } : {}) };
      if (values['endpoint-url'] !== undefined) target.endpoint = parseEndpointUrl(values['endpoint-url']);
      if (values['ca-bundle'] !== undefined) target.caBundle = values['ca-bundle'];
      if (values.functions !== undefined || values['init-concurrency'] !== undefined) {
        throw usageError(`--${values.functions !== undefined ? 'functions' : 'init-concurrency'} only applies to the emulator target.`);
      }
    } else {
      if (values['endpoint-url'] !== undefined) throw usageError('--endpoint-url only applies to the aws target.');
      if (values['ca-bundle'] !== undefined) throw usageError('--ca-bundle only applies to the aws target.');
      const initConcurrency = values['init-concurrency'] === undefined ? undefined : positiveInt('init-concurrency', values['init-concurrency'], 1);
      const emu = t.kind === 'emulator' ? t : { kind: 'emulator' as const };
      target = {
        kind: 'emulator',
        // --functions wins over the profile's target.functionsDir, which wins over the default folders.
        functionsDirs: values.functions !== undefined ? functionsDirs(values.functions, io.cwd) : loaded.functionsDir !== undefined ? [loaded.functionsDir] : functionsDirs(undefined, io.cwd),
        cpuQuota: emu.cpuQuota ?? true,
        ...(emu.accountConcurrency !== undefined ? { accountConcurrency: emu.accountConcurrency } : {}),
        ...(emu.idleTtl !== undefined ? { idleTtlMs: emu.idleTtl } : {}),
        ...((initConcurrency ?? emu.initConcurrency) !== undefined ? { initConcurrency: initConcurrency ?? emu.initConcurrency } : {}),
      };
    }
    const out = values.out !== undefined ? resolve(io.cwd, values.out) : defaultResultsPath(io.cwd, profile.name, new Date());

    return executeCommand(
      {
        command: 'run',
        name: profile.name,
        plan: { cells, payload: loaded.payload },
        target,
        out,
        yes: values.yes === true,
        allowReservedZero: values['allow-reserved-zero'] === true,
        noTui: values['no-tui'] === true,
        json: values.json === true,
        color: colorWanted(io, values['no-color']),
        thresholds,
        ...(baseline !== undefined ? { baseline } : {}),
        abortOnFail: false,
        prices,
        ...(shard !== undefined ? { shard } : {}),
        options: {
          profile: profile.name,
          profilePath: loaded.path,
          matrix: profile.matrix,
          ...(profile.burst !== undefined ? { burst: profile.burst } : {}),
          ...(profile.load !== undefined ? { load: { ...profile.load, stages: formatStages(profile.load.stages) } } : {}),
          functions: profile.functions,
          prices: { ...prices },
        },
        notesAbout: (before) =>
          profile.functions.flatMap((fn) => {
            const actual = before.get(fn.name)?.info.runtime;
            return actual !== undefined && actual !== fn.runtime ? [`'${fn.name}' runs ${actual}, the profile says ${fn.runtime}`] : [];
          }),
        render: (results, outcome, style) => {
          const inv = results.invocations;
          const counts = inv !== undefined ? ` ${inv.sent} of ${inv.planned} invocations sent, ${inv.notSent} not sent.` : '';
          const header = outcome.interrupted ? `Interrupted: partial results.${counts}\n` : '';
          // Each load cell's picture over time, under the table that compares it with the burst cells.
          const loads = results.cells
            .filter((c) => c.load !== undefined)
            .map((c) => `\n${c.spec.label}:${renderLoadWindows(c, style.width)}`)
            .join('');
          return `${header}${renderMatrixTable(results.cells, { ...style, interrupted: results.interrupted })}${loads}${gateText(results)}${renderCleanup(outcome.cleanup)}`;
        },
        jsonText: (results, outcome) =>
          JSON.stringify(
            {
              resultsPath: out,
              interrupted: results.interrupted,
              invocations: results.invocations,
              target: results.target,
              costNote: results.cells.find((c) => c.cost)?.cost?.note,
              cells: results.cells.map((c) => ({ ...rowOf(c), summary: c.summary, cost: c.cost })),
              thresholds: results.thresholds,
              cleanup: outcome.cleanup,
              publishedVersions: outcome.versions,
            },
            null,
            2,
          ),
      },
      io,
    );
  },
};
