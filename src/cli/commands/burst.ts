/**
 * `coldprobe burst`: release N invocations together (in waves, or as a closed loop) at one function: a one-cell
 * run. Turns flags into a plan and a target choice; src/cli/execute.ts does the rest, as for `run`.
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { usageError } from '../../core/errors.js';
import { buildBurstPlan } from '../../core/plan.js';
import { RESULTS_SCHEMA_VERSION } from '../../core/results.js';
import { needsBaseline, parseThresholdsOrThrow, ThresholdWatch } from '../../engine/thresholds.js';
import { readPayload } from '../../io/payload.js';
import { defaultResultsPath } from '../../io/results-write.js';
import { renderCleanup } from '../../report/cleanup.js';
import { renderSummary } from '../../report/text.js';
import { durationMs, parseFlags, positiveInt } from '../args.js';
import { colorWanted, type CliIo, type Command } from '../command.js';
import { executeCommand } from '../execute.js';
import { EXIT, formatHelp, OUTPUT_OPTIONS, TARGET_OPTIONS } from '../help.js';
import { resolveShardFlags, SHARD_FLAGS, SHARD_SECTION } from '../shard-flags.js';
import { targetFromFlags } from '../target.js';

const USAGE = formatHelp({
  usage: ['coldprobe burst [options]'],
  about:
    'Release N synchronous invocations of a function together, classify each one cold, pre-initialized or warm from its REPORT line, print a summary and write a results file. Runs on the bundled emulator unless --target aws.',
  sections: [
    {
      title: 'What to invoke',
      options: [
        ['--function NAME', 'function name or ARN (default node-hello)'],
        ['--qualifier Q', 'version or alias'],
        ['--payload JSON|@FILE', 'invocation payload, inline JSON or @file.json (default {})'],
      ],
    },
    {
      title: 'The burst',
      options: [
        ['--n N', 'invocations per wave, released together (default 500)'],
        ['--waves K', 'how many bursts (default 1)'],
        ['--interval DURATION', 'idle gap between waves, e.g. 5s (default 5s)'],
        ['--concurrency C', 'closed loop: keep at most C in flight until N were sent in each wave'],
        [
          '--force-cold',
          'make sure no warm environment exists before the first wave (emulator: stop idle environments; aws: bump COLDPROBE_COLD_NONCE on the function, removed again when the burst ends)',
        ],
        ['--memory MB', "set the function's memory first (on aws also needs --allow-memory-change; the old size is put back when the burst ends)"],
        ['--allow-memory-change', 'permit --memory to change a real AWS function'],
        ['--timeout DURATION', 'client-side limit per invocation (default: function timeout + 15s on aws, + 120s on the emulator, whose cold starts queue for CPU)'],
      ],
    },
    { title: 'Target', options: TARGET_OPTIONS },
    {
      title: 'Thresholds (judged at the end; exit 10 when one fails)',
      options: [
        ['--threshold EXPR', "e.g. 'cold.init.p99 < 800ms', 'errors == 0', 'cold_ratio <= 0.2' (repeatable)"],
        ['--baseline FILE', "results file for thresholds like 'warm.latency.p99 < baseline + 5ms'"],
        ['--abort-on-fail', 'stop the run as soon as an errors/throttled threshold can no longer pass'],
      ],
    },
    {
      title: 'Output',
      options: [['--out FILE', 'results file (default results/<function>-<UTC timestamp>.json)'], ...OUTPUT_OPTIONS],
    },
    SHARD_SECTION,
  ],
  exitCodes: [EXIT.ok, EXIT.usage, EXIT.unavailable, EXIT.threshold, EXIT.interrupted],
});

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
  'endpoint-url': { type: 'string' },
  'ca-bundle': { type: 'string' },
  functions: { type: 'string', multiple: true },
  'idle-ttl': { type: 'string' },
  'init-concurrency': { type: 'string' },
  'no-cpu-quota': { type: 'boolean' },
  yes: { type: 'boolean' },
  threshold: { type: 'string', multiple: true },
  baseline: { type: 'string' },
  'abort-on-fail': { type: 'boolean' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'no-tui': { type: 'boolean' },
  'no-color': { type: 'boolean' },
  ...SHARD_FLAGS,
} as const;

async function runBurst(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags('burst', args, FLAGS);
  if (positionals.length > 0) throw usageError(`burst: unexpected argument '${positionals[0]}' (see 'coldprobe burst --help').`);
  // Read first: --start-in counts from this process's start, --start-at must still be ahead.
  const shard = resolveShardFlags(values, performance.timeOrigin, Date.now());
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
  if (memoryMb !== undefined && values.target === 'aws' && values['allow-memory-change'] !== true) {
    throw usageError('--memory changes a real AWS function; add --allow-memory-change to permit it.');
  }
  const target = targetFromFlags(values, { functionName, allowMutations: forceCold || memoryMb !== undefined, cwd: io.cwd, env: io.env });
  if (timeoutMs !== undefined) target.timeoutMs = timeoutMs;
  const payload = readPayload(values.payload, io.cwd);
  // Thresholds and their baseline are checked before anything runs: a typo must not cost a burst.
  const thresholds = parseThresholdsOrThrow(values.threshold ?? []);
  const baselinePath = values.baseline !== undefined ? resolve(io.cwd, values.baseline) : undefined;
  // The reader (and its schema) is loaded only for a baseline: a shard's start-up is its release's lead time.
  const baseline = baselinePath !== undefined ? (await import('../../io/results-file.js')).readResultsFile(baselinePath) : undefined;
  if (baseline === undefined && needsBaseline(thresholds)) {
    throw usageError('a threshold compares with the baseline, but no baseline was given; pass --baseline <file>.');
  }
  const abortOnFail = values['abort-on-fail'] === true;
  if (abortOnFail && !new ThresholdWatch(thresholds).active) {
    throw usageError("--abort-on-fail needs a threshold that can be lost mid-run, on errors or throttles (e.g. --threshold 'errors == 0').");
  }
  const plan = buildBurstPlan({
    functionName,
    payload,
    n,
    waves,
    intervalMs,
    forceCold,
    ...(values.qualifier !== undefined ? { qualifier: values.qualifier } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(memoryMb !== undefined ? { memoryMb } : {}),
  });
  const out = values.out !== undefined ? resolve(io.cwd, values.out) : defaultResultsPath(io.cwd, functionName, new Date());

  // Stored in the results file: the resolved options (never credentials).
  const options: Record<string, unknown> = { target: target.kind, function: functionName, payloadBytes: payload.byteLength, n, waves, intervalMs, forceCold };
  if (values.qualifier !== undefined) options['qualifier'] = values.qualifier;
  if (concurrency !== undefined) options['concurrency'] = concurrency;
  if (memoryMb !== undefined) options['memoryMb'] = memoryMb;
  if (timeoutMs !== undefined) options['timeoutMs'] = timeoutMs;
  if (target.kind === 'aws') {
    if (target.region !== undefined) options['region'] = target.region;
    if (target.profile !== undefined) options['awsProfile'] = target.profile;
    if (target.endpoint !== undefined) options['endpointUrl'] = target.endpoint;
  } else {
    options['functionsDirs'] = target.functionsDirs;
    options['cpuQuota'] = target.cpuQuota;
    if (target.idleTtlMs !== undefined) options['idleTtlMs'] = target.idleTtlMs;
    if (target.initConcurrency !== undefined) options['initConcurrency'] = target.initConcurrency;
  }
  if (thresholds.length > 0) options['thresholds'] = thresholds.map((t) => t.source);
  if (abortOnFail) options['abortOnFail'] = true;
  if (baselinePath !== undefined) options['baseline'] = baselinePath;

  return executeCommand(
    {
      command: 'burst',
      name: `'${functionName}'`,
      plan,
      target,
      out,
      yes: values.yes === true,
      noTui: values['no-tui'] === true,
      json: values.json === true,
      color: colorWanted(io, values['no-color']),
      thresholds,
      ...(baseline !== undefined ? { baseline } : {}),
      abortOnFail,
      options,
      ...(shard !== undefined ? { shard } : {}),
      render: (results, outcome, style) => renderSummary(results, style) + renderCleanup(outcome.cleanup),
      jsonText: (results) => {
        const cell = results.cells[0];
        return JSON.stringify({
          schemaVersion: RESULTS_SCHEMA_VERSION,
          command: 'burst',
          resultsPath: out,
          interrupted: results.interrupted,
          ...(results.invocations !== undefined ? { invocations: results.invocations } : {}),
          target: results.target,
          options: results.options,
          cell: cell ? { spec: cell.spec, notes: cell.notes ?? [] } : null,
          summary: cell?.summary ?? null,
          thresholds: results.thresholds ?? [],
        });
      },
    },
    io,
  );
}

/** `coldprobe burst`, as registered in src/cli/commands/index.ts. */
export const burstCommand: Command = {
  name: 'burst',
  summary: 'Release N invocations together and profile their cold starts.',
  usage: USAGE,
  run: runBurst,
};
