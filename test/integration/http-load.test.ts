/**
 * The HTTP load path end to end: the open-model dispatcher, autocannon's connections, records and windows,
 * against a plain node:http server and against the emulator's Function URLs, whose REPORT records are then read
 * back through @aws-sdk/client-cloudwatch-logs and joined by request id.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinReports } from '../../src/core/log-join.js';
import { buildSchedule } from '../../src/core/load-schedule.js';
import { parseStages, type LoadStage } from '../../src/core/load-stages.js';
import { runHttpLoad } from '../../src/engine/http-load.js';
import type { Emulator } from '../../src/emulator/api.js';
import { functionUrl, startEmulator } from '../../src/emulator/index.js';
import { readReports } from '../../src/targets/cloudwatch-reports.js';
import { fixture } from './emulator-helpers.js';

function stages(text: string): LoadStage[] {
  const parsed = parseStages(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.stages;
}

const base = { method: 'GET', headers: {}, timeoutMs: 10_000, windowMs: 250, cell: 'default', graceMs: 5_000 };

describe('HTTP load against a plain server', () => {
  let server: Server;
  let url: URL;
  let seen = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen++;
      const delayMs = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0);
      setTimeout(() => {
        res.writeHead(req.url?.includes('throttle') ? 429 : 200, { 'x-amzn-RequestId': `id-${seen}`, 'content-type': 'application/json' });
        res.end(req.url?.includes('throttle') ? '{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}' : '{}');
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('starts every invocation on schedule, one record each, with request ids', async () => {
    const plan = stages('1s:200');
    const result = await runHttpLoad({ ...base, stages: plan, url, maxInFlight: 50 });
    expect(result.records).toHaveLength(buildSchedule(plan).count);
    expect(result.notSent).toBe(0);
    expect(result.records.every((r) => r.outcome === 'ok' && r.requestId?.startsWith('id-'))).toBe(true);
    expect(result.records.every((r) => r.sentUs >= r.scheduledUs && r.finishedUs >= r.sentUs)).toBe(true);
    expect(result.windows.reduce((n, w) => n + w.started, 0)).toBe(200);
    // Windows go on past the load while late requests finish; the schedule asked for nothing there.
    expect(result.windows.map((w) => w.requested)).toEqual([50, 50, 50, 50, ...result.windows.slice(4).map(() => 0)]);
  });

  it('queues what --max-in-flight cannot start, and counts it late instead of dropping it', async () => {
    const plan = stages('500ms:100');
    const slow = new URL('?delay=40', url);
    const result = await runHttpLoad({ ...base, stages: plan, url: slow, maxInFlight: 1 });
    expect(result.records).toHaveLength(50);
    expect(result.startedFromBacklog).toBeGreaterThan(0);
    // One socket, 40 ms per response: the last invocation starts long after it was due.
    const last = result.records[result.records.length - 1];
    expect((last?.sentUs ?? 0) - (last?.scheduledUs ?? 0)).toBeGreaterThan(500_000);
    expect(result.windows.some((w) => w.late > 0)).toBe(true);
    // In flight never exceeds the cap.
    const sorted = result.records.map((r) => [r.sentUs, r.finishedUs] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]?.[0]).toBeGreaterThanOrEqual(sorted[i - 1]?.[1] ?? 0);
  });

  it('records throttles by the Reason in the body', async () => {
    const result = await runHttpLoad({ ...base, stages: stages('100ms:50'), url: new URL('throttle', url), maxInFlight: 10 });
    expect(result.records.every((r) => r.outcome === 'throttled' && r.errorType === 'ReservedFunctionConcurrentInvocationLimitExceeded')).toBe(true);
  });

  it('records a refused connection as a transport error, never a hang', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runHttpLoad({ ...base, stages: stages('100ms:50'), url: new URL(`http://127.0.0.1:${port}/`), maxInFlight: 5 });
    expect(result.records).toHaveLength(5);
    expect(result.records.every((r) => r.outcome === 'transport-error' && r.errorType === 'ECONNREFUSED')).toBe(true);
  });
});

describe('HTTP load against Function URLs, joined with the emulator\'s CloudWatch Logs', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ functions: [fixture('http-echo')], initConcurrency: 2 });
  });
  afterAll(() => emulator.close());

  it('classifies every request from its REPORT record exactly as the emulator\'s ground truth says', async () => {
    // Light enough that queued cold starts on a busy 2-core machine stay far inside the client timeout.
    const result = await runHttpLoad({ ...base, timeoutMs: 60_000, stages: stages('1s:0-20,1s:20'), url: new URL(functionUrl(emulator.endpoint, 'http-echo')), maxInFlight: 100 });
    expect(result.records.length).toBe(30);
    expect(result.records.filter((r) => r.classification !== 'unknown' || r.statusCode !== 201)).toEqual([]);
    const logs = new CloudWatchLogsClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const read = await readReports({
      client: logs,
      functionName: 'http-echo',
      startTimeMs: result.startedAtMs,
      endTimeMs: result.finishedAtMs,
      wanted: new Set(result.records.map((r) => r.requestId ?? '')),
      timeoutMs: 5000,
      pollMs: 200,
    });
    logs.destroy();
    if (!read.ok) throw new Error(read.reason);
    expect(read.missing).toBe(0);
    const stats = joinReports(result.records, read.reports);
    expect(stats).toEqual({ expected: 30, joined: 30, missing: 0, withoutRequestId: 0 });
    const disagreements = result.records.filter((r) => (r.classification === 'cold') !== (r.env?.envSeq === 1));
    expect(disagreements).toEqual([]);
    expect(result.records.some((r) => r.classification === 'cold')).toBe(true);
    expect(result.records.some((r) => r.classification === 'warm')).toBe(true);
    expect(result.records.filter((r) => r.classification === 'cold').every((r) => (r.report?.initDurationMs ?? 0) > 0)).toBe(true);
  });

  it('holds the REPORT records of plain Invokes too (no LogType: Tail), so they join like Function URL requests', async () => {
    const lambda = new LambdaClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const startedAtMs = Date.now();
    const before = new Map(emulator.environments().map((e) => [e.envId, e.invocations]));
    // Four at once (some cold unless four environments sit idle from the test before), then four more (warm).
    const send = () => Promise.all(Array.from({ length: 4 }, () => lambda.send(new InvokeCommand({ FunctionName: 'http-echo', Payload: new TextEncoder().encode('{}') }))));
    const sent = [...(await send()), ...(await send())];
    lambda.destroy();
    expect(sent.every((r) => r.LogResult === undefined && r.StatusCode === 200)).toBe(true);
    const ids = sent.map((r) => r.$metadata.requestId ?? '');
    const logs = new CloudWatchLogsClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const read = await readReports({ client: logs, functionName: 'http-echo', startTimeMs: startedAtMs, endTimeMs: Date.now(), wanted: new Set(ids), timeoutMs: 5000, pollMs: 200 });
    logs.destroy();
    if (!read.ok) throw new Error(read.reason);
    expect(read.missing).toBe(0);
    // The REPORTs say what the emulator did: one Init Duration per environment it started for these Invokes,
    // and the invocations of every environment that served them add up.
    const started = emulator.environments().filter((e) => e.functionName === 'http-echo' && !before.has(e.envId));
    const cold = ids.filter((id) => read.reports.get(id)?.initDurationMs !== undefined);
    expect(cold).toHaveLength(started.length);
    const served = emulator.environments().reduce((n, e) => n + e.invocations - (before.get(e.envId) ?? 0), 0);
    expect(served).toBe(8);
  });

  it('says why when the logs cannot be read', async () => {
    const logs = new CloudWatchLogsClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const read = await readReports({ client: logs, functionName: 'nobody', startTimeMs: 0, endTimeMs: Date.now(), wanted: new Set(['x']), timeoutMs: 100, pollMs: 50 });
    logs.destroy();
    expect(read).toEqual({ ok: false, reason: 'the log group /aws/lambda/nobody does not exist' });
  });
});
