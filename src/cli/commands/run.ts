/**
 * `coldprobe run <profile>`: runs a profile's matrix (functions × memory × provisioned concurrency) on the
 * emulator or AWS, writes one results file with every cell, and prints the comparison table.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withOverrides, type PriceTable } from '../../core/cost.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { expandMatrix, plannedChanges, plannedInvocations, type MatrixCell } from '../../core/matrix.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile } from '../../core/results.js';
import { createCpuQuota } from '../../emulator/cpu-quota.js';
import { MATRIX_ALIAS, runMatrix, snapshotFunctions } from '../../engine/matrix-runner.js';
import { finishThresholds, needsBaseline, parseThresholdsOrThrow } from '../../engine/thresholds.js';
import { loadProfile, type LoadedProfile } from '../../io/profile.js';
import { checkOutputPath, RESULTS_BYTES_PER_INVOCATION } from '../../io/atomic-file.js';
import { defaultResultsPath, readResultsFile, writeResultsFile } from '../../io/results-file.js';
import { renderCleanup } from '../../report/cleanup.js';
import { renderMatrixTable } from '../../report/matrix-table.js';
import { rowOf } from '../../report/matrix-rows.js';
import { createAwsTarget } from '../../targets/aws.js';
import { createEmulatorTarget } from '../../targets/emulator.js';
import { SdkTarget } from '../../targets/sdk-target.js';
import type { Target } from '../../targets/target.js';
import { chooseView } from '../../ui/view.js';
import { parseFlags } from '../args.js';
import type { CliIo, Command } from '../command.js';
import { sdkAliasOps } from './run-aliases.js';

/** The sample functions shipped with coldprobe (same relative place from src/ and dist/). */
export const BUNDLED_FUNCTIONS_DIR = fileURLToPath(new URL('../../../profiles/functions', import.meta.url));

const USAGE = `Usage: coldprobe run <profile.yaml|profile.json> [options]

Runs every cell of a profile's matrix (function × memory × provisioned concurrency), one burst shape per cell,
and prints a comparison table; writes one results file with every cell.

Options:
  --yes                 On AWS, make the listed changes without asking (needed when stdin is not a terminal).
  --target <kind>       emulator or aws (default: the profile's target).
  --region <region>     AWS region (default: the profile's, then AWS_REGION).
  --aws-profile <name>  AWS shared-config profile (default: the profile's, then AWS_PROFILE).
  --out <path>          Results file (default results/<profile>-<timestamp>.json).
  --json                Print the comparison as JSON on stdout.
  --no-tui              Plain line output instead of the live view.
  --threshold <expr>    A threshold judged at the end, added to the profile's (repeatable), e.g.
                        'cold.init.p99 < 800ms' or '[node-hello-*] errors == 0'; a failed one exits 10.
  --baseline <file>     Baseline results file for thresholds like 'cold.init.p50 <= baseline * 1.10'
                        (default: the profile's 'baseline:').

On AWS, every change (memory, reserved and provisioned concurrency, a force-cold variable) is listed first
and put back when the run ends, fails or is interrupted. Costs are estimates. Exit codes: 0 ok, 2 bad profile,
3 target unavailable, 10 threshold failed, 130 interrupted.`;

/** Ask on the terminal; false on anything but y/yes, and on Ctrl-C while asking. */
async function confirm(io: CliIo, question: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  // On a terminal readline swallows Ctrl-C as its own event; pass it on as the interrupt it is.
  rl.on('SIGINT', () => io.requestInterrupt());
  try {
    const answer = await rl.question(question, { signal: io.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

async function openTarget(loaded: LoadedProfile, kind: 'emulator' | 'aws', flags: { region?: string; awsProfile?: string }): Promise<{ target: Target; notes: string[] }> {
  const t = loaded.profile.target;
  if (kind === 'aws') {
    const region = flags.region ?? (t.kind === 'aws' ? t.region : undefined);
    const profile = flags.awsProfile ?? (t.kind === 'aws' ? t.profile : undefined);
    // Mutations are allowed here because `run` asks for confirmation (or --yes) before changing anything.
    const target = await createAwsTarget({ allowMutations: true, ...(region ? { region } : {}), ...(profile ? { profile } : {}) });
    return { target, notes: [] };
  }
  const emu = t.kind === 'emulator' ? t : { kind: 'emulator' as const };
  const wantQuota = emu.cpuQuota ?? true;
  const notes: string[] = [];
  if (wantQuota) {
    // Probe once so the run can say (once) whether memory sizes really get proportional CPU here.
    const probe = createCpuQuota(true);
    notes.push(probe.active ? 'CPU quota proportional to memory (1,769 MB = 1 vCPU) applied through cgroups' : (probe.unavailableReason ?? 'CPU quotas unavailable'));
    probe.close();
  } else notes.push('CPU quotas off (profile target.cpuQuota: false): every memory size gets the same CPU');
  const target = await createEmulatorTarget({
    functionsDirs: [loaded.functionsDir ?? BUNDLED_FUNCTIONS_DIR],
    cpuQuota: wantQuota,
    ...(emu.accountConcurrency !== undefined ? { accountConcurrency: emu.accountConcurrency } : {}),
    ...(emu.idleTtl !== undefined ? { idleTtlMs: emu.idleTtl } : {}),
    ...(emu.initConcurrency !== undefined ? { initConcurrency: emu.initConcurrency } : {}),
  });
  return { target, notes };
}

function jsonSummary(results: ResultsFile, path: string, extra: Record<string, unknown>): string {
  return JSON.stringify(
    {
      resultsPath: path,
      interrupted: results.interrupted,
      target: results.target,
      costNote: results.cells.find((c) => c.cost)?.cost?.note,
      cells: results.cells.map((c) => ({ ...rowOf(c), summary: c.summary, cost: c.cost })),
      thresholds: results.thresholds,
      ...extra,
    },
    null,
    2,
  );
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run a profile: a matrix of functions × memory × provisioned concurrency, compared.',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags('run', args, {
      yes: { type: 'boolean' },
      target: { type: 'string' },
      region: { type: 'string' },
      'aws-profile': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      'no-tui': { type: 'boolean' },
      threshold: { type: 'string', multiple: true },
      baseline: { type: 'string' },
    });
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
    const prices: PriceTable = withOverrides(profile.prices);
    const cells: MatrixCell[] = expandMatrix({
      functions: profile.functions,
      memoryMb: profile.matrix.memoryMb,
      provisioned: profile.matrix.provisioned,
      ...(profile.matrix.reservedConcurrency ? { reservedConcurrency: profile.matrix.reservedConcurrency } : {}),
      burst: {
        n: profile.burst.n,
        waves: profile.burst.waves,
        intervalMs: profile.burst.interval,
        forceCold: profile.burst.forceCold,
        ...(profile.burst.concurrency !== undefined ? { concurrency: profile.burst.concurrency } : {}),
      },
    });
    const kind = kindFlag ?? profile.target.kind;
    // A results file that cannot be written must fail before anything is sent, not after the run.
    checkOutputPath(values.out ?? defaultResultsPath(io.cwd, profile.name, new Date()), '--out', plannedInvocations(cells) * RESULTS_BYTES_PER_INVOCATION);

    const { target, notes } = await openTarget(loaded, kind, {
      ...(values.region !== undefined ? { region: values.region } : {}),
      ...(values['aws-profile'] !== undefined ? { awsProfile: values['aws-profile'] } : {}),
    });
    try {
      const before = await snapshotFunctions(target, cells);
      for (const fn of profile.functions) {
        const actual = before.get(fn.name)?.info.runtime;
        if (actual !== undefined && actual !== fn.runtime) notes.push(`'${fn.name}' runs ${actual}, the profile says ${fn.runtime}`);
      }
      if (target.kind === 'aws') {
        const changes = plannedChanges(
          cells,
          [...before.values()].map((b) => ({ functionName: b.info.functionName, memoryMb: b.info.memoryMb, ...(b.reservedConcurrency !== undefined ? { reservedConcurrency: b.reservedConcurrency } : {}) })),
          target instanceof SdkTarget ? MATRIX_ALIAS : undefined,
        );
        io.stderr.write(
          `coldprobe run ${profile.name} on ${target.description}: ${cells.length} cells, ${plannedInvocations(cells)} invocations.\n` +
            (changes.length > 0 ? `It will change real functions:\n${changes.map((c) => `  - ${c}`).join('\n')}\n` : 'It changes no function configuration.\n'),
        );
        if (changes.length > 0 && values.yes !== true) {
          if (io.stdin.isTTY !== true) throw usageError('run: this profile changes real AWS functions; re-run with --yes to allow it.');
          if (!(await confirm(io, 'Proceed? [y/N] '))) {
            io.stderr.write('coldprobe: nothing was changed.\n');
            return io.signal.aborted ? ExitCode.interrupted : ExitCode.usage;
          }
        }
      }

      const view = chooseView(io, { ...(values['no-tui'] ? { noTui: true } : {}), ...(values.json ? { json: true } : {}) });
      for (const note of notes) view.sink({ type: 'notice', atUs: 0, level: note.startsWith('CPU quotas unavailable') ? 'warn' : 'info', message: note });
      const outcome = await runMatrix({
        target,
        cells,
        payload: loaded.payload,
        prices,
        emit: view.sink,
        signal: io.signal,
        before,
        notes,
        ...(target instanceof SdkTarget ? { aliases: sdkAliasOps(target.client) } : {}),
      });

      const results: ResultsFile = {
        schemaVersion: RESULTS_SCHEMA_VERSION,
        tool: { name: 'coldprobe', version: toolVersion() },
        command: 'run',
        startedAt: outcome.startedAt,
        finishedAt: outcome.finishedAt,
        interrupted: outcome.interrupted,
        target: { kind: target.kind, description: target.description },
        options: {
          profile: profile.name,
          profilePath: loaded.path,
          matrix: profile.matrix,
          burst: profile.burst,
          functions: profile.functions,
          prices: { ...prices },
          cleanup: outcome.cleanup,
          publishedVersions: outcome.versions,
          notes,
        },
        cells: outcome.cells,
      };
      let exitCode: number = ExitCode.ok;
      let gateText = '';
      if (thresholds.length > 0 && !outcome.interrupted && !outcome.error) {
        const end = finishThresholds(results, thresholds, baseline);
        results.thresholds = end.verdicts;
        exitCode = end.exitCode;
        const failedCount = end.verdicts.filter((v) => !v.passed).length;
        gateText = `\nThresholds: ${end.verdicts.length - failedCount} passed, ${failedCount} failed.\n${end.verdicts.filter((v) => !v.passed).map((v) => `  FAIL ${v.cell}: ${v.expression} (${v.detail})`).join('\n')}`;
      }
      const outPath = values.out ?? defaultResultsPath(io.cwd, profile.name, new Date(outcome.startedAt));
      writeResultsFile(outPath, results);

      const width = io.stdout.columns ?? 80;
      const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
      const cleanupText = renderCleanup(outcome.cleanup);
      const versionsText = target.kind === 'aws' && outcome.versions.length > 0 ? `\nPublished versions kept: ${outcome.versions.join(', ')}.` : '';
      const header = outcome.interrupted ? 'Interrupted: partial results.\n' : '';
      await view.finish(`${header}${renderMatrixTable(outcome.cells, { color, width })}${gateText}${cleanupText}${versionsText}`, outPath);
      if (values.json) io.stdout.write(jsonSummary(results, outPath, { cleanup: outcome.cleanup, publishedVersions: outcome.versions }) + '\n');

      if (outcome.error) throw outcome.error;
      if (outcome.cleanup.failed.length > 0) exitCode = ExitCode.targetUnavailable;
      if (outcome.interrupted) return ExitCode.interrupted;
      return exitCode;
    } finally {
      await target.close();
    }
  },
};

function toolVersion(): string {
  // package.json sits two levels above both src/cli/commands and dist/cli/commands.
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
