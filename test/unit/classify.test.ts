import { describe, expect, it } from 'vitest';
import { classify, toRecord } from '../../src/core/classify.js';
import type { RawInvocationInput, RecordContext } from '../../src/core/classify.js';
import { coldprobeLine, reportLine } from '../../src/lambda/report.js';
import type { RawInvocationResult } from '../../src/targets/target.js';
import type { ReportFields } from '../../src/core/types.js';

const base: ReportFields = { durationMs: 10, billedDurationMs: 11, memorySizeMb: 128, maxMemoryUsedMb: 60 };
const coldTail = `START\n${reportLine({ ...base, requestId: 'r-cold', initDurationMs: 150 }).trimEnd()}\n`;
const warmTail = `START\n${reportLine({ ...base, requestId: 'r-warm' }).trimEnd()}\n`;
const ctx: RecordContext = { index: 4, cell: 'default', burst: 1, scheduledAt: 1000.25, runStartAt: 1000, prepareMs: 0.4 };

describe('classify', () => {
  it.each([
    ['no REPORT', undefined, 'unknown'],
    ['warm', base, 'warm'],
    ['Init Duration', { ...base, initDurationMs: 120 }, 'cold'],
    ['Restore Duration (SnapStart)', { ...base, restoreDurationMs: 300 }, 'cold'],
    ['Init Duration of 0 still counts', { ...base, initDurationMs: 0 }, 'cold'],
  ] as const)('%s → %s', (_name, report, want) => {
    expect(classify(report)).toBe(want);
  });
});

describe('toRecord outcome and errorType', () => {
  const raw = (extra: Partial<RawInvocationInput>): RawInvocationInput => ({ sentAt: 1001, finishedAt: 1003.5, ...extra });
  it.each<[string, Partial<RawInvocationInput>, string, string | undefined]>([
    ['200 ok', { statusCode: 200, logTail: warmTail }, 'ok', undefined],
    [
      'function error: errorType from the Node error document',
      { statusCode: 200, functionError: 'Unhandled', errorPayload: '{"errorType":"Error","errorMessage":"boom","trace":[]}' },
      'function-error',
      'Error',
    ],
    [
      'function error: timeout document',
      {
        statusCode: 200,
        functionError: 'Unhandled',
        errorPayload: '{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: x Error: Task timed out after 3.00 seconds"}',
      },
      'function-error',
      'Sandbox.Timedout',
    ],
    [
      'function error: older timeout document without errorType',
      { statusCode: 200, functionError: 'Unhandled', errorPayload: '{"errorMessage":"2024-01-01T00:00:00Z x Task timed out after 3.00 seconds"}' },
      'function-error',
      'Sandbox.Timedout',
    ],
    [
      'function error: payload not JSON, REPORT Error Type used',
      {
        statusCode: 200,
        functionError: 'Unhandled',
        errorPayload: 'not json',
        logTail: reportLine({ ...base, status: 'error', errorType: 'Runtime.ExitError' }).trimEnd(),
      },
      'function-error',
      'Runtime.ExitError',
    ],
    [
      'function error: nothing but the header',
      { statusCode: 200, functionError: 'Handled' },
      'function-error',
      'Handled',
    ],
    [
      'throttle with Reason',
      { statusCode: 429, serviceErrorName: 'TooManyRequestsException', throttleReason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
      'throttled',
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    ],
    ['throttle without Reason', { statusCode: 429, serviceErrorName: 'TooManyRequestsException' }, 'throttled', 'Unknown'],
    ['404 service error', { statusCode: 404, serviceErrorName: 'ResourceNotFoundException' }, 'service-error', 'ResourceNotFoundException'],
    ['bare 502 without an exception name', { statusCode: 502 }, 'service-error', 'HTTP 502'],
    ['transport error', { transportError: 'ECONNRESET' }, 'transport-error', 'ECONNRESET'],
    ['client timeout wins over its transport code', { clientTimeout: true, transportError: 'TimeoutError' }, 'client-timeout', 'TimeoutError'],
    ['client timeout alone', { clientTimeout: true }, 'client-timeout', undefined],
    ['given up at Ctrl-C is interrupted, whatever the abort surfaced as', { interrupted: true, clientTimeout: true, transportError: 'AbortError' }, 'interrupted', undefined],
  ])('%s', (_name, extra, outcome, errorType) => {
    const r = toRecord(raw(extra), ctx);
    expect(r.outcome).toBe(outcome);
    expect(r.errorType).toBe(errorType);
  });
});

describe('toRecord fields', () => {
  it('times are µs since the run start; latency is finished − sent; prepare kept apart', () => {
    const r = toRecord({ sentAt: 1001.5, finishedAt: 1153.7505, statusCode: 200, logTail: coldTail }, ctx);
    expect(r).toMatchObject({
      index: 4,
      cell: 'default',
      burst: 1,
      scheduledUs: 250,
      sentUs: 1500,
      finishedUs: 153751,
      latencyUs: 153751 - 1500,
      prepareUs: 400,
      classification: 'cold',
      requestId: 'r-cold',
      statusCode: 200,
    });
    expect(r.report?.initDurationMs).toBe(150);
  });

  it('a suppressed init is cold: INIT_REPORT in the tail, no Init Duration in the REPORT (text and JSON formats)', () => {
    // As Lambda writes it when an init timed out and was retried inside this invocation (Phase: invoke).
    const text = [
      'INIT_REPORT Init Duration: 9999.52 ms\tPhase: init\tStatus: timeout',
      'INIT_REPORT Init Duration: 1204.11 ms\tPhase: invoke\tStatus: success',
      'START RequestId: r-sup Version: $LATEST',
      'END RequestId: r-sup',
      'REPORT RequestId: r-sup\tDuration: 1210.40 ms\tBilled Duration: 1211 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t',
      '',
    ].join('\n');
    const cold = toRecord({ sentAt: 1001, finishedAt: 12000, statusCode: 200, logTail: text }, ctx);
    expect(cold.classification).toBe('cold');
    expect(cold.report?.initDurationMs).toBeUndefined();

    const json = [
      '{"time":"2024-07-01T08:54:40.000Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"invoke","status":"success","metrics":{"durationMs":1204.11}}}',
      '{"time":"2024-07-01T08:54:54.127Z","type":"platform.report","record":{"requestId":"r-sup","metrics":{"durationMs":1210.4,"billedDurationMs":1211,"memorySizeMB":128,"maxMemoryUsedMB":70},"status":"success"}}',
      '',
    ].join('\n');
    expect(toRecord({ sentAt: 1001, finishedAt: 12000, statusCode: 200, logTail: json }, ctx).classification).toBe('cold');
  });

  it('an app log line that merely mentions INIT_REPORT leaves a warm start warm', () => {
    const tail = `START RequestId: r-w Version: $LATEST\nlog: grep INIT_REPORT in CloudWatch\n${warmTail}`;
    expect(toRecord({ sentAt: 1001, finishedAt: 1002, statusCode: 200, logTail: tail }, ctx).classification).toBe('warm');
  });

  it('classifies warm and unknown from the tail', () => {
    expect(toRecord({ sentAt: 1001, finishedAt: 1002, statusCode: 200, logTail: warmTail }, ctx).classification).toBe('warm');
    const none = toRecord({ sentAt: 1001, finishedAt: 1002, statusCode: 429, throttleReason: 'X' }, ctx);
    expect(none.classification).toBe('unknown');
    expect(none.report).toBeUndefined();
  });

  it('env truth: from the raw result first, else from the COLDPROBE line', () => {
    const line = coldprobeLine('from-log', 1, 'on-demand').trimEnd();
    const tail = `${warmTail}${line}\n`;
    expect(toRecord({ sentAt: 1001, finishedAt: 1002, logTail: tail }, ctx).env?.envId).toBe('from-log');
    const raw = { sentAt: 1001, finishedAt: 1002, logTail: tail, env: { envId: 'from-header', envSeq: 2, initType: 'on-demand' } };
    expect(toRecord(raw, ctx).env?.envId).toBe('from-header');
    expect(toRecord({ sentAt: 1001, finishedAt: 1002, logTail: warmTail }, ctx).env).toBeUndefined();
  });

  it('prefers the response request id over the REPORT one and keeps the executed version', () => {
    const r = toRecord({ sentAt: 1001, finishedAt: 1002, requestId: 'hdr', executedVersion: '3', logTail: warmTail }, ctx);
    expect(r.requestId).toBe('hdr');
    expect(r.executedVersion).toBe('3');
  });

  it('never writes NaN times (a results file must read back)', () => {
    const r = toRecord({ sentAt: Number.NaN, finishedAt: Number.NaN, transportError: 'ECONNREFUSED' }, { ...ctx, prepareMs: Number.NaN });
    for (const v of [r.scheduledUs, r.sentUs, r.finishedUs, r.latencyUs, r.prepareUs]) expect(Number.isFinite(v)).toBe(true);
    expect(r.sentUs).toBe(r.scheduledUs);
    expect(r.latencyUs).toBe(0);
  });

  it("targets' RawInvocationResult satisfies the structural input", () => {
    const fromTarget: RawInvocationResult = { sentAt: 1001, finishedAt: 1002, statusCode: 200 };
    expect(toRecord(fromTarget, ctx).outcome).toBe('ok');
  });
});
