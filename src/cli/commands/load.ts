/**
 * `coldprobe load`: load over time. On the Invoke API (a one-cell run whose step is an open-model load, through
 * the same engine, SDK path, records and results file as `burst`), or on an HTTP endpoint with `--url` (Function
 * URLs, API Gateway), optionally classified from the function's REPORT records in CloudWatch Logs (`--function`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { usageError } from '../../core/errors.js';
import { parseLoadDuration, parseStages, steadyStages, type LoadStage } from '../../core/load-stages.js';
import type { RunPlan, RunStep } from '../../core/plan.js';
import { RESULTS_SCHEMA_VERSION } from '../../core/results.js';
import { needsBaseline, parseThresholdsOrThrow, ThresholdWatch } from '../../engine/thresholds.js';
import { readPayload } from '../../io/payload.js';
import { defaultResultsPath } from '../../io/results-write.js';
import { renderCleanup } from '../../report/cleanup.js';
import { renderLoadWindows } from '../../report/load-windows.js';
import { renderSummary } from '../../report/text.js';
import { durationMs, parseFlags, positiveInt } from '../args.js';
import { colorWanted, type CliIo, type Command } from '../command.js';
import { executeCommand } from '../execute.js';
import { resolveShardFlags, SHARD_FLAGS, SHARD_SECTION } from '../shard-flags.js';
import { EXIT, formatHelp, OUTPUT_OPTIONS, TARGET_OPTIONS } from '../help.js';
import { targetFromFlags } from '../target.js';
import { runUrlLoad } from './load-url.js';

const USAGE = formatHelp({
  usage: ['coldprobe load (--rate R --duration D | --stages S) [options]'],
  about:
    "Start invocations at a rate over time, whatever the responses do (open model, like k6's arrival-rate executors), classify each cold or warm, and show per time window: rate asked and achieved, in flight, cold starts, throttles by Reason, latency p50/p99 and (emulator) environments in use. Runs on the bundled emulator unless --target aws; --url drives an HTTP endpoint instead of the Invoke API.",
  sections: [
    {
      title: 'The load',
      options: [
        ['--rate R', 'invocations per second (with --duration)'],
        ['--duration D', 'how long, e.g. 30s or 2m (default 30s)'],
        ['--stages S', 'ramps and holds instead: DURATION:RATE or DURATION:FROM-TO, comma-separated, e.g. 30s:0-200,60s:200,30s:200-0'],
        ['--max-in-flight N', 'at most N invocations in flight (sockets); later ones wait and are counted late, never dropped (default 1000)'],
        ['--window D', 'length of a time window (default 1s)'],
        ['--timeout DURATION', 'client-side limit per invocation'],
      ],
    },
    {
      title: 'Invoke API (default)',
      options: [
        ['--function NAME', 'function name or ARN (default node-hello)'],
        ['--qualifier Q', 'version or alias'],
        ['--payload JSON|@FILE', 'invocation payload (default {})'],
        ['--force-cold', 'start from no warm environment (as burst --force-cold)'],
      ],
    },
    {
      title: 'HTTP (--url)',
      options: [
        ['--url URL', 'e.g. https://<id>.lambda-url.<region>.on.aws/path or an API Gateway URL'],
        ['--method M', 'HTTP method (default GET, or POST with --body)'],
        ["--header 'K: V'", 'request header (repeatable)'],
        ['--body TEXT|@FILE', 'request body'],
        ['--function NAME', "also read the function's REPORT records from CloudWatch Logs after the run and classify each request cold/warm by its x-amzn-RequestId"],
        ['--logs-endpoint URL', "CloudWatch Logs endpoint (the emulator's, for a Function URL on the emulator)"],
        ['--log-timeout D', 'how long to wait for REPORT records to arrive in the logs (default 60s)'],
      ],
    },
    { title: 'Target (Invoke API)', options: TARGET_OPTIONS },
    {
      title: 'Thresholds (judged at the end; exit 10 when one fails)',
      options: [
        ['--threshold EXPR', "e.g. 'errors == 0', 'cold_ratio[after 30s] < 0.01', 'latency.p99[10s..60s] < 200ms' (repeatable)"],
        ['--baseline FILE', 'results file for baseline-relative thresholds'],
        ['--abort-on-fail', 'stop the load as soon as an errors/throttled threshold can no longer pass (exit 10)'],
      ],
    },
    { title: 'Output', options: [['--out FILE', 'results file (default results/<function>-<UTC timestamp>.json)'], ...OUTPUT_OPTIONS] },
    SHARD_SECTION,
  ],
  notes: [
    "A shard of a load sends every N-th arrival of the whole schedule (so each stage at 1/N of its rate) with 1/N of --max-in-flight; the shards' files merge into the whole load's windows.",
  ],
  exitCodes: [EXIT.ok, EXIT.usage, [3, 'target unavailable (unreachable URL, function missing)'], EXIT.threshold, EXIT.interrupted],
});

const FLAGS = {
  rate: { type: 'string' },
  duration: { type: 'string' },
  stages: { type: 'string' },
  'max-in-flight': { type: 'string' },
  window: { type: 'string' },
  timeout: { type: 'string' },
  function: { type: 'string' },
  qualifier: { type: 'string' },
  payload: { type: 'string' },
  'force-cold': { type: 'boolean' },
  url: { type: 'string' },
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  body: { type: 'string' },
  'logs-endpoint': { type: 'string' },
  'log-timeout': { type: 'string' },
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

/** The stages from `--rate/--duration` or `--stages`, or a usage error in one sentence. */
export function stagesFromFlags(values: { rate?: string; duration?: string; stages?: string }): LoadStage[] {
  if (values.stages !== undefined) {
    if (values.rate !== undefined || values.duration !== undefined) throw usageError('give either --stages or --rate with --duration, not both.');
    const parsed = parseStages(values.stages);
    if (!parsed.ok) throw usageError(parsed.error.message);
    return parsed.stages;
  }
  if (values.rate === undefined) throw usageError("load needs --rate R (with --duration) or --stages S, e.g. --rate 100 --duration 30s (see 'coldprobe load --help').");
  const rate = /^\s*\d+(\.\d+)?\s*$/.test(values.rate) ? Number(values.rate) : Number.NaN;
  if (Number.isNaN(rate)) throw usageError(`--rate must be a number of invocations per second greater than 0, got '${values.rate}'.`);
  const duration = values.duration === undefined ? 30_000 : parseLoadDuration(values.duration.trim());
  if (duration === undefined) throw usageError(`--duration must be a duration like 30s, 2m or 1h, got '${values.duration}'.`);
  const parsed = steadyStages(rate, duration);
  if (!parsed.ok) throw usageError(parsed.error.message);
  return parsed.stages;
}

async function runLoad(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags('load', args, FLAGS);
  if (positionals.length > 0) throw usageError(`load: unexpected argument '${positionals[0]}' (see 'coldprobe load --help').`);
  const stages = stagesFromFlags(values);
  const maxInFlight = positiveInt('max-in-flight', values['max-in-flight'], 1000);
  const windowMs = durationMs('window', values.window, 1000);
  if (windowMs < 10) throw usageError(`--window must be at least 10ms, got '${values.window}'.`);
  const timeoutMs = values.timeout === undefined ? undefined : durationMs('timeout', values.timeout, 0);
  if (timeoutMs !== undefined && timeoutMs < 1) throw usageError(`--timeout must be longer than 0, got '${values.timeout}'.`);
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
  const color = colorWanted(io, values['no-color']);
  const shard = resolveShardFlags(values, performance.timeOrigin, Date.now());

  if (values.url !== undefined) {
    const invokeOnly = ['qualifier', 'payload', 'force-cold', 'target', 'region', 'endpoint-url', 'ca-bundle', 'functions', 'idle-ttl', 'init-concurrency', 'no-cpu-quota', 'yes'] as const;
    for (const flag of invokeOnly) if (values[flag] !== undefined) throw usageError(`--${flag} applies to the Invoke API; with --url, send what the endpoint needs with --header and --body.`);
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw usageError(`--url must be an http:// or https:// URL, got '${values.url}'.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url must be an http:// or https:// URL, got '${values.url}'.`);
    const classified = thresholds.filter((t) => /^(cold|warm|unknown)/.test(t.metric.name));
    if (values.function === undefined && classified.length > 0) {
      throw usageError(`'${classified[0]?.source}' needs cold/warm classification, which HTTP traffic gets only from the function's REPORT records: add --function NAME.`);
    }
    const body = values.body === undefined ? undefined : values.body.startsWith('@') ? readBodyFile(resolve(io.cwd, values.body.slice(1))) : values.body;
    const headers: Record<string, string> = {};
    for (const raw of values.header ?? []) {
      const colon = raw.indexOf(':');
      if (colon < 1) throw usageError(`--header must look like 'Name: value', got '${raw}'.`);
      headers[raw.slice(0, colon).trim()] = raw.slice(colon + 1).trim();
    }
    const out = values.out !== undefined ? resolve(io.cwd, values.out) : defaultResultsPath(io.cwd, values.function ?? url.hostname, new Date());
    return runUrlLoad(
      {
        url,
        method: (values.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase(),
        headers,
        ...(body === undefined ? {} : { body }),
        stages,
        maxInFlight,
        windowMs,
        timeoutMs: timeoutMs ?? 30_000,
        ...(values.function === undefined ? {} : { functionName: values.function }),
        ...(values['logs-endpoint'] === undefined ? {} : { logsEndpoint: values['logs-endpoint'] }),
        ...(values.region === undefined ? {} : { region: values.region }),
        ...(values['aws-profile'] === undefined ? {} : { awsProfile: values['aws-profile'] }),
        logTimeoutMs: durationMs('log-timeout', values['log-timeout'], 60_000),
        thresholds,
        ...(baseline === undefined ? {} : { baseline }),
        abortOnFail,
        out,
        json: values.json === true,
        color,
        ...(shard === undefined ? {} : { shard }),
      },
      io,
    );
  }

  for (const flag of ['method', 'header', 'body', 'logs-endpoint', 'log-timeout'] as const) {
    if (values[flag] !== undefined) throw usageError(`--${flag} only applies with --url.`);
  }
  const functionName = values.function ?? 'node-hello';
  if (functionName.trim() === '') throw usageError('--function needs a function name or ARN.');
  const forceCold = values['force-cold'] === true;
  const target = targetFromFlags(values, { functionName, allowMutations: forceCold, cwd: io.cwd, env: io.env });
  if (timeoutMs !== undefined) target.timeoutMs = timeoutMs;
  const payload = readPayload(values.payload, io.cwd);
  const steps: RunStep[] = [];
  if (forceCold) steps.push({ kind: 'force-cold' });
  steps.push({ kind: 'load', stages, maxInFlight, windowMs });
  const qualifier = values.qualifier;
  const plan: RunPlan = {
    cells: [{ spec: { id: 'default', label: qualifier ? `${functionName}:${qualifier}` : functionName, functionName, provisioned: 0, ...(qualifier ? { qualifier } : {}) }, steps }],
    payload,
  };
  const out = values.out !== undefined ? resolve(io.cwd, values.out) : defaultResultsPath(io.cwd, functionName, new Date());
  const options: Record<string, unknown> = { target: target.kind, function: functionName, payloadBytes: payload.byteLength, stages: values.stages ?? null, maxInFlight, windowMs, forceCold };
  if (values.rate !== undefined) Object.assign(options, { rate: Number(values.rate), durationMs: stages[0]?.durationMs });
  if (qualifier !== undefined) options['qualifier'] = qualifier;
  if (timeoutMs !== undefined) options['timeoutMs'] = timeoutMs;
  if (target.kind === 'aws' && target.endpoint !== undefined) options['endpointUrl'] = target.endpoint;
  if (thresholds.length > 0) options['thresholds'] = thresholds.map((t) => t.source);
  if (abortOnFail) options['abortOnFail'] = true;
  return executeCommand(
    {
      command: 'load',
      name: `'${functionName}'`,
      plan,
      target,
      out,
      yes: values.yes === true,
      noTui: values['no-tui'] === true,
      json: values.json === true,
      color,
      thresholds,
      ...(baseline !== undefined ? { baseline } : {}),
      abortOnFail,
      options,
      ...(shard !== undefined ? { shard } : {}),
      render: (results, outcome, style) => renderSummary(results, style) + renderLoadWindows(results.cells[0], style.width) + renderCleanup(outcome.cleanup),
      jsonText: (results) => {
        const cell = results.cells[0];
        return JSON.stringify({
          schemaVersion: RESULTS_SCHEMA_VERSION,
          command: 'load',
          resultsPath: out,
          interrupted: results.interrupted,
          ...(results.invocations !== undefined ? { invocations: results.invocations } : {}),
          target: results.target,
          options: results.options,
          summary: cell?.summary ?? null,
          load: cell?.load ?? null,
          thresholds: results.thresholds ?? [],
        });
      },
    },
    io,
  );
}

function readBodyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`Cannot read body file ${path}: ${code === 'ENOENT' ? 'it does not exist' : (code ?? 'unknown error')}.`);
  }
}

/** `coldprobe load`, as registered in src/cli/commands/index.ts. */
export const loadCommand: Command = {
  name: 'load',
  summary: 'Start invocations at a rate over time (ramps, holds) and watch cold starts and throttles per window.',
  usage: USAGE,
  run: runLoad,
};
