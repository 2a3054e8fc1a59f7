/**
 * `coldprobe load --url`: an open-model load on an HTTP endpoint. The URL is checked to accept connections
 * first (exit 3 when it does not), the load runs through the autocannon-based driver, and with `--function` the
 * function's REPORT records are read from CloudWatch Logs and joined to the requests by request id. The results
 * file has the same shape as every other (one cell, its records, summary and `load` windows).
 */
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ExitCode, targetUnavailable } from '../../core/errors.js';
import { joinReports, reachedFunction } from '../../core/log-join.js';
import { formatStages, type LoadStage } from '../../core/load-stages.js';
import { loadWindows } from '../../core/load-windows.js';
import { buildSchedule } from '../../core/load-schedule.js';
import type { CellResult, ResultsFile } from '../../core/results.js';
import { summarize } from '../../core/summary.js';
import { shardLoad, type ShardInfo } from '../../core/shard.js';
import type { Threshold } from '../../core/threshold.js';
import { lateReleaseMessage } from '../../engine/clock.js';
import { runHttpLoad } from '../../engine/http-load.js';
import { finishThresholds, type LostThreshold, ThresholdWatch } from '../../engine/thresholds.js';
import { checkOutputPath, RESULTS_BYTES_PER_INVOCATION } from '../../io/atomic-file.js';
import { buildResultsFile } from '../../io/results-builder.js';
import { writeResultsFile } from '../../io/results-write.js';
import { renderLoadWindows } from '../../report/load-windows.js';
import { renderSummary } from '../../report/text.js';
import type { CliIo } from '../command.js';
import { fingerprint, releaseAdvice, runIdOf, type ShardRequest } from '../shard-flags.js';

export interface UrlLoadRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  stages: LoadStage[];
  maxInFlight: number;
  windowMs: number;
  timeoutMs: number;
  /** Join REPORT records of this function from CloudWatch Logs. */
  functionName?: string;
  logsEndpoint?: string;
  region?: string;
  awsProfile?: string;
  logTimeoutMs: number;
  thresholds: readonly Threshold[];
  baseline?: ResultsFile;
  /** `--abort-on-fail`: stop as soon as an errors/throttled threshold is lost. */
  abortOnFail: boolean;
  out: string;
  json: boolean;
  color: boolean;
  /** `--shard`, `--start-at`, `--start-in`, `--run-id`: this load is one shard of several. */
  shard?: ShardRequest;
}

/** Runs the load; returns the exit code. */
export async function runUrlLoad(whole: UrlLoadRequest, io: CliIo): Promise<number> {
  // A shard sends its arrivals with its share of the sockets; a load too small to split is refused first.
  const shard = whole.shard?.shard;
  const step = shard === undefined ? undefined : shardLoad({ kind: 'load', stages: whole.stages, maxInFlight: whole.maxInFlight, windowMs: whole.windowMs }, shard);
  const req: UrlLoadRequest = step === undefined ? whole : { ...whole, maxInFlight: step.maxInFlight };
  const schedule = buildSchedule(req.stages, shard);
  checkOutputPath(req.out, '--out', schedule.count * RESULTS_BYTES_PER_INVOCATION);
  await checkReachable(req.url);
  const share = shard === undefined ? '' : `shard ${shard.index}/${shard.count}, `;
  io.stderr.write(`coldprobe load ${req.method} ${req.url.href}: ${formatStages(req.stages)} (${share}${schedule.count} requests), at most ${req.maxInFlight} in flight.\n`);
  let lastShown = -1;
  // --abort-on-fail: the first response that loses a threshold stops the load as Ctrl-C would (the requests in
  // flight get the grace), but the run ends with exit 10, not 130.
  const watch = req.abortOnFail ? new ThresholdWatch(req.thresholds) : undefined;
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  if (io.signal.aborted) stop.abort();
  else io.signal.addEventListener('abort', onInterrupt, { once: true });
  let lost: LostThreshold | undefined;
  const startedAt = new Date();
  const shardRequest = req.shard;
  const result = await runHttpLoad({
    url: req.url,
    method: req.method,
    headers: req.headers,
    ...(req.body === undefined ? {} : { body: req.body }),
    stages: req.stages,
    maxInFlight: req.maxInFlight,
    timeoutMs: req.timeoutMs,
    windowMs: req.windowMs,
    cell: 'default',
    signal: stop.signal,
    // Requests running at Ctrl-C get what a burst's invocations get, then are recorded as interrupted.
    graceMs: Math.min(req.timeoutMs, 5_000),
    ...(shard === undefined ? {} : { shard }),
    // performance.now()'s origin is this process's start on the wall clock.
    ...(req.shard?.releaseAtMs === undefined ? {} : { releaseAt: req.shard.releaseAtMs - performance.timeOrigin }),
    // Said before the load starts; performance.now() is how long after its start this process got ready.
    ...(shardRequest === undefined ? {} : { onLateRelease: (lateMs: number) => io.stderr.write(`coldprobe: warning: ${lateReleaseMessage('starting the load', lateMs, () => releaseAdvice(shardRequest, performance.now()))}.\n`) }),
    onRecord: (record) => {
      if (watch !== undefined && lost === undefined) {
        lost = watch.observe(record);
        if (lost !== undefined) {
          io.stderr.write(`coldprobe: ${lost.detail}; stopping the load (--abort-on-fail).\n`);
          stop.abort();
        }
      }
      // Plain live progress: one line per window as the load moves past it.
      const index = Math.floor(record.sentUs / (req.windowMs * 1000)) - 1;
      if (index > lastShown && !req.json) {
        lastShown = index;
        io.stderr.write(`  ${((index + 1) * req.windowMs) / 1000}s: ${record.index + 1} written\n`);
      }
    },
  });
  io.signal.removeEventListener('abort', onInterrupt);
  let join: NonNullable<CellResult['load']>['join'];
  const notes: string[] = [];
  if (req.functionName !== undefined && result.records.some(reachedFunction)) {
    io.stderr.write(`Reading REPORT records of '${req.functionName}' from CloudWatch Logs (up to ${req.logTimeoutMs / 1000}s)…\n`);
    const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
    const { readReports } = await import('../../targets/cloudwatch-reports.js');
    const client = new CloudWatchLogsClient({
      maxAttempts: 3,
      ...(req.region === undefined ? {} : { region: req.region }),
      ...(req.logsEndpoint === undefined ? {} : { endpoint: req.logsEndpoint, region: req.region ?? 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
      ...(req.awsProfile === undefined ? {} : { profile: req.awsProfile }),
    });
    const wanted = new Set(result.records.filter(reachedFunction).flatMap((r) => (r.requestId === undefined ? [] : [r.requestId])));
    const read = await readReports({
      client,
      functionName: req.functionName,
      startTimeMs: result.startedAtMs,
      endTimeMs: result.finishedAtMs,
      wanted,
      timeoutMs: req.logTimeoutMs,
      pollMs: 1000,
      signal: io.signal,
    });
    client.destroy();
    if (read.ok) {
      join = joinReports(result.records, read.reports);
      if (join.missing > 0) notes.push(`${join.missing} of ${join.expected} REPORT records were not in CloudWatch Logs after ${req.logTimeoutMs / 1000}s; those requests are unknown.`);
    } else {
      join = { unavailable: read.reason };
      notes.push(`cold/warm not known: ${read.reason}; latency only.`);
    }
  } else if (req.functionName === undefined) {
    notes.push('cold/warm not known: HTTP responses carry no REPORT line; pass --function to read them from CloudWatch Logs.');
  }
  const cellInfo = { functionName: req.functionName ?? req.url.host, runtime: 'http', memoryMb: 0 };
  const bursts = [{ index: 0, n: schedule.count, releaseSpreadUs: 0, prepareUs: 0, startedUs: result.records[0]?.sentUs ?? 0, notSent: result.notSent }];
  const { summary, histograms } = summarize(result.records, bursts, cellInfo);
  const cell: CellResult = {
    spec: { id: 'default', label: `${req.method} ${req.url.href}`, ...cellInfo, provisioned: 0 },
    bursts,
    records: result.records,
    histograms,
    summary,
    load: {
      stages: formatStages(req.stages),
      windowMs: req.windowMs,
      maxInFlight: req.maxInFlight,
      originUs: 0,
      durationUs: schedule.durationUs,
      scheduled: schedule.count,
      notSent: result.notSent,
      startedFromBacklog: result.startedFromBacklog,
      // Recomputed after the join, so the windows' cold counts include what the logs said.
      windows: loadWindows(result.records, { windowMs: req.windowMs, schedule }, schedule.durationUs),
      ...(join === undefined ? {} : { join }),
    },
  };
  if (notes.length > 0) cell.notes = notes;
  // Stopped early, by Ctrl-C or a lost threshold: the results are partial either way.
  const interrupted = stop.signal.aborted;
  const options: Record<string, unknown> = { url: req.url.href, method: req.method, headers: Object.keys(req.headers), bodyBytes: req.body?.length ?? 0, stages: formatStages(req.stages), maxInFlight: req.maxInFlight, windowMs: req.windowMs };
  if (req.functionName !== undefined) options['function'] = req.functionName;
  const results = buildResultsFile(
    'load',
    {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(result.finishedAtMs).toISOString(),
      interrupted,
      cells: [cell],
      cleanup: { done: [], failed: [] },
      versions: [],
      invocations: { planned: schedule.count, sent: result.records.length, notSent: result.notSent },
    },
    { kind: req.logsEndpoint === undefined ? 'aws' : 'emulator', description: `http ${req.url.origin}` },
    options,
  );
  if (req.shard !== undefined) results.shard = await shardInfoOf(whole, req.shard, result.records.length > 0 ? result.releasedAtMs : undefined, io.signal);
  const judged = req.thresholds.length > 0 ? finishThresholds(results, req.thresholds, req.baseline) : undefined;
  if (judged) results.thresholds = judged.verdicts;
  writeResultsFile(req.out, results);
  const style = { color: req.color && io.stdout.isTTY === true, width: io.stdout.columns ?? 80 };
  const text = renderSummary(results, style) + renderLoadWindows(cell, style.width) + `Results: ${req.out}\n`;
  if (req.json) {
    io.stderr.write(text);
    io.stdout.write(`${JSON.stringify({ command: 'load', resultsPath: req.out, interrupted, summary, load: cell.load, notes: cell.notes ?? [], thresholds: results.thresholds ?? [] })}\n`);
  } else io.stdout.write(text);
  if (io.signal.aborted) return ExitCode.interrupted;
  if (lost !== undefined) return ExitCode.thresholdFailed;
  return judged === undefined ? ExitCode.ok : judged.exitCode;
}

/**
 * What a shard's results file says about it: the plan's fingerprint (the whole request, the same on every shard),
 * when its schedule started, and this machine's clock against the endpoint's `Date` header, measured after the
 * load so its requests never compete with it.
 */
async function shardInfoOf(whole: UrlLoadRequest, request: ShardRequest, releasedAtMs: number | undefined, signal: AbortSignal): Promise<ShardInfo> {
  const { url, method, headers, body, stages, maxInFlight, windowMs, timeoutMs, functionName } = whole;
  const planId = fingerprint({ command: 'load', url: url.href, method, headers, body: body ?? null, stages, maxInFlight, windowMs, timeoutMs, functionName: functionName ?? null });
  const info: ShardInfo = { index: request.shard.index, count: request.shard.count, runId: runIdOf(request, planId), planId, host: hostname() };
  if (request.releaseAtMs !== undefined) info.releaseAt = new Date(request.releaseAtMs).toISOString();
  if (releasedAtMs !== undefined) info.releasedAtUs = Math.round(releasedAtMs * 1000);
  if (!signal.aborted) {
    const { measureClockOffset } = await import('../../targets/clock-probe.js');
    const offset = await measureClockOffset(url.origin, { signal });
    if (offset !== undefined) info.clockOffset = offset;
  }
  return info;
}

/** Opens (and closes) one TCP connection to the URL's host and port; exit 3 in one sentence when that fails. */
async function checkReachable(url: URL): Promise<void> {
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(targetUnavailable(`cannot reach ${url.origin}: ${error.code ?? error.message}; nothing was sent.`, error));
    });
  });
}
