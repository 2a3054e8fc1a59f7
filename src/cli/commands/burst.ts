/**
 * `coldprobe burst`: release N invocations together (in waves, or as a closed loop), classify each one,
 * print a summary and write a results file. Wires flags → plan → target → engine → view → results file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, CliIo } from '../command.js';
import { durationMs, parseFlags, positiveInt } from '../args.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { buildBurstPlan, type BurstPlanOptions } from '../../core/plan.js';
import { RESULTS_SCHEMA_VERSION, type ResultsFile } from '../../core/results.js';
import { summarize } from '../../core/summary.js';
import { executeRun, type RunOutcome } from '../../engine/run.js';
import { finishThresholds, type LostThreshold, needsBaseline, parseThresholdsOrThrow, ThresholdWatch } from '../../engine/thresholds.js';
import { checkOutputPath, RESULTS_BYTES_PER_INVOCATION } from '../../io/atomic-file.js';
import { defaultResultsPath, readResultsFile, writeResultsFile } from '../../io/results-file.js';
import { readPayload } from '../../io/payload.js';
import type { EventSink } from '../../core/events.js';
import { renderCleanup } from '../../report/cleanup.js';
import { renderSummary } from '../../report/text.js';
import type { Target } from '../../targets/target.js';
import { createAwsTarget } from '../../targets/aws.js';
import { createEmulatorTarget } from '../../targets/emulator.js';
// ─── TUI seam ────────────────────────────────────────────────────────────────────────────────────────
// chooseView(io, flags) returns the event sink (ink TUI on a terminal, plain lines otherwise) and a
// finish(summaryText, resultsPath) that ends the view (src/ui/view.ts).
import { chooseView } from '../../ui/view.js';

const USAGE = `Usage: coldprobe burst [options]

Release N synchronous invocations of a function together, classify each one cold or warm from its REPORT
line, print a summary and write a results file. Runs on the bundled emulator unless --target aws.

What to invoke:
  --function NAME        function name or ARN (default node-hello)
  --qualifier Q          version or alias
  --payload JSON|@FILE   invocation payload, inline JSON or @file.json (default {})

The burst:
  --n N                  invocations per wave, released together (default 500)
  --waves K              how many bursts (default 1)
  --interval DURATION    idle gap between waves, e.g. 5s (default 5s)
  --concurrency C        closed loop: keep at most C in flight until N were sent in each wave
  --force-cold           make sure no warm environment exists before the first wave
                         (emulator: stop idle environments; aws: bump COLDPROBE_COLD_NONCE on the function,
                         removed again when the burst ends)
  --memory MB            set the function's memory first (on aws also needs --allow-memory-change;
                         the old size is put back when the burst ends)
  --allow-memory-change  permit --memory to change a real AWS function
  --timeout DURATION     client-side limit per invocation (default: function timeout + 15s on aws,
                         + 120s on the emulator, whose cold starts queue for CPU)

Target:
  --target emulator|aws  (default emulator)
  --region R             aws region (default: AWS_REGION or your profile's region)
  --aws-profile P        shared-config profile (default: AWS_PROFILE or the default chain)
  --functions DIR        emulator: folder of function folders (default profiles/functions; repeatable)
  --idle-ttl DURATION    emulator: reap idle environments after this long (default: the emulator's)
  --init-concurrency K   emulator: environments allowed to initialise at once (default: CPU count)
  --yes                  do not ask before changing a real AWS function

Thresholds (judged at the end; exit 10 when one fails):
  --threshold EXPR       e.g. 'cold.init.p99 < 800ms', 'errors == 0', 'cold_ratio <= 0.2' (repeatable)
  --baseline FILE        results file for thresholds like 'warm.latency.p99 < baseline + 5ms'
  --abort-on-fail        stop the run as soon as an errors/throttled threshold can no longer pass

Output:
  --out FILE             results file (default results/<function>-<UTC timestamp>.json)
  --json                 print the summary as JSON on stdout (progress goes to stderr)
  --no-tui               plain progress lines instead of the live view
  --no-color             no ANSI colour (NO_COLOR is honoured too)

Exit codes: 0 ok, 2 bad input, 3 target unavailable, function missing or a clean-up step failed, 10 a threshold failed,
130 interrupted (partial results written).`;

const FLAGS = {
  n: { type: 'string' },
  waves: { type: 'string' },
  interval: { type: 'string' },
  concurrency: { type: 'string' },
  function: { type: 'string' },
  qualifier: { type: 'string' },
  payload: { type: 'string' },
  memory: { type: 'string' },
  'force-cold': { type: 'boolean' },
  'allow-memory-change': { type: 'boolean' },
  timeout: { type: 'string' },
  target: { type: 'string' },
  region: { type: 'string' },
  'aws-profile': { type: 'string' },
  functions: { type: 'string', multiple: true },
  'idle-ttl': { type: 'string' },
  'init-concurrency': { type: 'string' },
  yes: { type: 'boolean' },
  threshold: { type: 'string', multiple: true },
  baseline: { type: 'string' },
  'abort-on-fail': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'no-tui': { type: 'boolean' },
  'no-color': { type: 'boolean' },
} as const;

/** Options of one burst run, resolved from flags; stored in the results file (never credentials). */
interface ResolvedOptions {
  target: 'emulator' | 'aws';
  function: string;
  qualifier?: string;
  payloadBytes: number;
  n: number;
  waves: number;
  intervalMs: number;
  concurrency?: number;
  memoryMb?: number;
  forceCold: boolean;
  timeoutMs?: number;
  region?: string;
  awsProfile?: string;
  functionsDirs?: string[];
  idleTtlMs?: number;
  initConcurrency?: number;
  thresholds?: string[];
  abortOnFail?: boolean;
  baseline?: string;
  out: string;
}

function packageRoot(): string {
  // dist/cli/commands/burst.js (or src/… under tsx) → the package root three folders up.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Folders of emulator functions: the flag's, else ./profiles/functions, else the copy shipped with coldprobe. */
function functionsDirs(flag: string[] | undefined, cwd: string): string[] {
  if (flag && flag.length > 0) {
    return flag.map((dir) => {
      const path = isAbsolute(dir) ? dir : resolve(cwd, dir);
      if (!existsSync(path)) throw usageError(`--functions folder ${path} does not exist.`);
      return path;
    });
  }
  const local = resolve(cwd, 'profiles', 'functions');
  return [existsSync(local) ? local : resolve(packageRoot(), 'profiles', 'functions')];
}

async function confirm(io: CliIo, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  return new Promise((resolveAnswer) => {
    const onData = (chunk: Buffer | string): void => {
      io.stdin.off('data', onData);
      io.stdin.pause();
      resolveAnswer(/^\s*y(es)?\s*$/i.test(String(chunk)));
    };
    io.stdin.on('data', onData);
    io.stdin.resume();
  });
}

interface Resolved {
  options: ResolvedOptions;
  plan: BurstPlanOptions;
  flags: ReturnType<typeof parseFlags<typeof FLAGS>>['values'];
  thresholds: ReturnType<typeof parseThresholdsOrThrow>;
  baseline: ResultsFile | undefined;
}

function resolveOptions(args: string[], io: CliIo): Resolved {
  const { values, positionals } = parseFlags('burst', args, FLAGS);
  if (positionals.length > 0) throw usageError(`burst: unexpected argument '${positionals[0]}' (see 'coldprobe burst --help').`);
  const target = values.target ?? 'emulator';
  if (target !== 'emulator' && target !== 'aws') throw usageError(`--target must be 'emulator' or 'aws', got '${target}'.`);
  const functionName = values.function ?? 'node-hello';
  if (functionName.trim() === '') throw usageError('--function needs a function name or ARN.');
  const n = positiveInt('n', values.n, 500);
  const waves = positiveInt('waves', values.waves, 1);
  const intervalMs = durationMs('interval', values.interval, 5_000);
  const concurrency = values.concurrency === undefined ? undefined : positiveInt('concurrency', values.concurrency, 1);
  const memoryMb = values.memory === undefined ? undefined : positiveInt('memory', values.memory, 128);
  const timeoutMs = values.timeout === undefined ? undefined : durationMs('timeout', values.timeout, 0);
  if (timeoutMs !== undefined && timeoutMs < 1) throw usageError(`--timeout must be longer than 0, got '${values.timeout}'.`);
  const forceCold = values['force-cold'] === true;
  if (target === 'emulator') {
    for (const flag of ['region', 'aws-profile'] as const) {
      if (values[flag] !== undefined) throw usageError(`--${flag} only applies to --target aws.`);
    }
  } else {
    for (const flag of ['functions', 'idle-ttl', 'init-concurrency'] as const) {
      if (values[flag] !== undefined) throw usageError(`--${flag} only applies to --target emulator.`);
    }
    if (memoryMb !== undefined && values['allow-memory-change'] !== true) {
      throw usageError('--memory changes a real AWS function; add --allow-memory-change to permit it.');
    }
  }
  const payload = readPayload(values.payload, io.cwd);
  // Thresholds and their baseline are checked before anything runs: a typo must not cost a burst.
  const thresholds = parseThresholdsOrThrow(values.threshold ?? []);
  const baseline = values.baseline !== undefined ? readResultsFile(resolve(io.cwd, values.baseline)) : undefined;
  if (baseline === undefined && needsBaseline(thresholds)) {
    throw usageError("a threshold compares with the baseline, but no baseline was given; pass --baseline <file>.");
  }
  if (values['abort-on-fail'] === true && !new ThresholdWatch(thresholds).active) {
    throw usageError("--abort-on-fail needs a threshold that can be lost mid-run, on errors or throttles (e.g. --threshold 'errors == 0').");
  }
  const plan: BurstPlanOptions = { functionName, payload, n, waves, intervalMs, forceCold };
  if (values.qualifier !== undefined) plan.qualifier = values.qualifier;
  if (concurrency !== undefined) plan.concurrency = concurrency;
  if (memoryMb !== undefined) plan.memoryMb = memoryMb;
  // Validates the combination (e.g. memory range) before anything starts.
  buildBurstPlan(plan);

  const out = values.out !== undefined ? resolve(io.cwd, values.out) : defaultResultsPath(io.cwd, functionName, new Date());
  const options: ResolvedOptions = { target, function: functionName, payloadBytes: payload.byteLength, n, waves, intervalMs, forceCold, out };
  if (values.qualifier !== undefined) options.qualifier = values.qualifier;
  if (concurrency !== undefined) options.concurrency = concurrency;
  if (memoryMb !== undefined) options.memoryMb = memoryMb;
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (target === 'aws') {
    if (values.region !== undefined) options.region = values.region;
    if (values['aws-profile'] !== undefined) options.awsProfile = values['aws-profile'];
  } else {
    options.functionsDirs = functionsDirs(values.functions, io.cwd);
    if (values['idle-ttl'] !== undefined) options.idleTtlMs = durationMs('idle-ttl', values['idle-ttl'], 0);
    if (values['init-concurrency'] !== undefined) options.initConcurrency = positiveInt('init-concurrency', values['init-concurrency'], 1);
  }
  if (thresholds.length > 0) options.thresholds = thresholds.map((t) => t.source);
  if (values['abort-on-fail'] === true) options.abortOnFail = true;
  if (values.baseline !== undefined) options.baseline = resolve(io.cwd, values.baseline);
  return { options, plan, flags: values, thresholds, baseline };
}

async function createTarget(options: ResolvedOptions): Promise<Target> {
  if (options.target === 'aws') {
    const aws: Parameters<typeof createAwsTarget>[0] = { allowMutations: options.forceCold || options.memoryMb !== undefined };
    if (options.region !== undefined) aws.region = options.region;
    if (options.awsProfile !== undefined) aws.profile = options.awsProfile;
    if (options.timeoutMs !== undefined) aws.requestTimeoutOverrideMs = options.timeoutMs;
    return createAwsTarget(aws);
  }
  const emulator: Parameters<typeof createEmulatorTarget>[0] = { functionsDirs: options.functionsDirs ?? [], log: () => undefined };
  if (options.idleTtlMs !== undefined) emulator.idleTtlMs = options.idleTtlMs;
  if (options.initConcurrency !== undefined) emulator.initConcurrency = options.initConcurrency;
  if (options.timeoutMs !== undefined) emulator.requestTimeoutOverrideMs = options.timeoutMs;
  return createEmulatorTarget(emulator);
}

/** Build the results file of a finished (or interrupted) run. */
function resultsOf(outcome: RunOutcome, target: Target, options: ResolvedOptions): ResultsFile {
  const { out: _out, ...stored } = options;
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'coldprobe', version: toolVersion() },
    command: 'burst',
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    interrupted: outcome.interrupted,
    target: { kind: target.kind, description: target.description },
    options: outcome.cleanup.done.length + outcome.cleanup.failed.length > 0 ? { ...stored, cleanup: outcome.cleanup } : { ...stored },
    cells: outcome.cells.map((cell) => {
      const { summary, histograms } = summarize(cell.records, cell.bursts, {
        functionName: cell.spec.functionName,
        runtime: cell.spec.runtime,
        memoryMb: cell.spec.memoryMb,
      });
      const result: ResultsFile['cells'][number] = { spec: cell.spec, bursts: cell.bursts, records: cell.records, histograms, summary };
      if (cell.notes.length > 0) result.notes = cell.notes;
      return result;
    }),
  };
}

/**
 * With a watch, wraps `sink` so the run stops (through the returned signal) at the first record that makes a
 * threshold unwinnable; Ctrl-C (`interrupt`) stops it too. Without one, passes `sink` and `interrupt` through.
 */
function abortOnFail(
  sink: EventSink,
  watch: ThresholdWatch | undefined,
  interrupt: AbortSignal,
): { sink: EventSink; signal: AbortSignal; lost: () => LostThreshold | undefined } {
  if (watch === undefined) return { sink, signal: interrupt, lost: () => undefined };
  const controller = new AbortController();
  if (interrupt.aborted) controller.abort();
  else interrupt.addEventListener('abort', () => controller.abort(), { once: true });
  let lost: LostThreshold | undefined;
  const watched: EventSink = (event) => {
    sink(event);
    if (event.type !== 'record' || lost !== undefined) return;
    lost = watch.observe(event.record);
    if (lost === undefined) return;
    sink({ type: 'notice', atUs: event.record.finishedUs, level: 'warn', message: `${lost.detail}; stopping the run (--abort-on-fail)` });
    controller.abort();
  };
  return { sink: watched, signal: controller.signal, lost: () => lost };
}

async function runBurst(args: string[], io: CliIo): Promise<number> {
  const { options, plan, flags, thresholds, baseline } = resolveOptions(args, io);
  // A results file that cannot be written must fail before anything is sent (or changed), not after the burst.
  checkOutputPath(options.out, '--out', options.n * options.waves * RESULTS_BYTES_PER_INVOCATION);
  if (options.target === 'aws' && options.forceCold && flags.yes !== true) {
    const question = `--force-cold will change the real function '${options.function}' (it sets COLDPROBE_COLD_NONCE). Continue?`;
    if (io.stdin.isTTY !== true) throw usageError(`${question.replace(/ Continue\?$/, '')}; add --yes to confirm in a non-interactive shell.`);
    if (!(await confirm(io, question))) {
      io.stderr.write('coldprobe: nothing was changed.\n');
      return ExitCode.usage;
    }
  }

  const color = flags['no-color'] !== true && io.env.NO_COLOR === undefined;
  const viewIo = color ? io : { ...io, env: { ...io.env, NO_COLOR: '1' } };
  let finishView: (text: string, resultsPath?: string) => Promise<void> = async () => undefined;
  const target = await createTarget(options);
  let outcome: RunOutcome;
  let lost: LostThreshold | undefined;
  try {
    // A missing function fails here (exit 3), before any view has drawn anything.
    await target.getFunction(options.function, options.qualifier);
    const view = chooseView(viewIo, { noTui: flags['no-tui'] === true, json: flags.json === true });
    const stop = abortOnFail(view.sink, flags['abort-on-fail'] === true ? new ThresholdWatch(thresholds) : undefined, io.signal);
    try {
      outcome = await executeRun(buildBurstPlan(plan), target, { emit: stop.sink, signal: stop.signal });
      lost = stop.lost();
    } catch (error) {
      await view.finish('');
      throw error;
    }
    finishView = (text, resultsPath) => view.finish(text, resultsPath);
  } finally {
    await target.close();
  }
  const results = resultsOf(outcome, target, options);
  const judged = thresholds.length > 0 ? finishThresholds(results, thresholds, baseline) : undefined;
  if (judged) results.thresholds = judged.verdicts;
  writeResultsFile(options.out, results);
  const width = io.stdout.columns ?? 80;
  const text = renderSummary(results, { color: color && io.stdout.isTTY === true, width }) + renderCleanup(outcome.cleanup);
  await finishView(text, options.out);
  if (flags.json === true) {
    const cell = results.cells[0];
    io.stdout.write(
      JSON.stringify({
        schemaVersion: RESULTS_SCHEMA_VERSION,
        command: 'burst',
        resultsPath: options.out,
        interrupted: results.interrupted,
        target: results.target,
        options: results.options,
        cell: cell ? { spec: cell.spec, notes: cell.notes ?? [] } : null,
        summary: cell?.summary ?? null,
        thresholds: results.thresholds ?? [],
      }) + '\n',
    );
  }
  // Stopped by a lost threshold (not by Ctrl-C): the verdict, not the interruption, decides the exit code.
  if (lost !== undefined && !io.signal.aborted) return judged?.exitCode ?? ExitCode.thresholdFailed;
  if (outcome.interrupted) return ExitCode.interrupted;
  // A change to a real function that could not be put back is the one thing the user must act on.
  if (outcome.cleanup.failed.length > 0) return ExitCode.targetUnavailable;
  return judged?.exitCode ?? ExitCode.ok;
}

/** `coldprobe burst`, as registered in src/cli/commands/index.ts. */
export const burstCommand: Command = {
  name: 'burst',
  summary: 'Release N invocations together and profile their cold starts.',
  usage: USAGE,
  run: runBurst,
};

