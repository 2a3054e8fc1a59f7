import { describe, expect, it } from 'vitest';
import { classify, PRE_INITIALIZED_SLACK_MS, toRecord } from '../../src/core/classify.js';
import type { RawInvocationInput, RecordContext } from '../../src/core/classify.js';
import { coldprobeLine, reportLine } from '../../src/lambda/report.js';
import type { RawInvocationResult } from '../../src/targets/target.js';
import type { ReportFields } from '../../src/core/types.js';

const base = { durationMs: 10, billedDurationMs: 11, memorySizeMb: 128, maxMemoryUsedMb: 60 } satisfies ReportFields;
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

  it.each([
    ['latency 30 ms, init 120 ms', 30_000, 120, 'pre-initialized'],
    ['latency 130 ms, init 120 ms', 130_000, 120, 'cold'],
    ['latency equal to the init', 120_000, 120, 'cold'],
    ['no latency measured', undefined, 120, 'cold'],
  ] as const)('with the client latency: %s → %s', (_name, latencyUs, initDurationMs, want) => {
    expect(classify({ ...base, initDurationMs }, false, latencyUs)).toBe(want);
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

  describe('pre-initialized: an Init Duration the client did not wait for', () => {
    // Provisioned concurrency's first invocation of an environment: Lambda ran the init at allocation, minutes
    // before, and the REPORT still carries it (text log format, Version: 3 for a published version).
    const pcTail = [
      'START RequestId: 3d7f2a10-5b8e-4c1d-9f60-7a2e4b8c1d03 Version: 3',
      '2024-07-01T08:54:54.210Z\t3d7f2a10-5b8e-4c1d-9f60-7a2e4b8c1d03\tINFO\thello',
      'END RequestId: 3d7f2a10-5b8e-4c1d-9f60-7a2e4b8c1d03',
      'REPORT RequestId: 3d7f2a10-5b8e-4c1d-9f60-7a2e4b8c1d03\tDuration: 2.41 ms\tBilled Duration: 3 ms\tMemory Size: 512 MB\tMax Memory Used: 89 MB\tInit Duration: 412.37 ms',
      '',
    ].join('\n');
    const requestId = '3d7f2a10-5b8e-4c1d-9f60-7a2e4b8c1d03';

    it('is pre-initialized when the whole latency is shorter than the init (38 ms against 412 ms)', () => {
      const r = toRecord({ sentAt: 1001, finishedAt: 1039, statusCode: 200, requestId, logTail: pcTail }, ctx);
      expect(r.classification).toBe('pre-initialized');
      expect(r.report?.initDurationMs).toBe(412.37);
    });

    it('is cold when the client waited at least the init (a cold start: init, then the invocation)', () => {
      expect(toRecord({ sentAt: 1001, finishedAt: 1420, statusCode: 200, requestId, logTail: pcTail }, ctx).classification).toBe('cold');
    });

    it('needs the latency shorter than the init by more than the slack', () => {
      const at = (latencyMs: number) => toRecord({ sentAt: 1000, finishedAt: 1000 + latencyMs, statusCode: 200, requestId, logTail: pcTail }, { ...ctx, runStartAt: 1000 }).classification;
      expect(at(412.37 - PRE_INITIALIZED_SLACK_MS - 0.01)).toBe('pre-initialized');
      expect(at(412.37 - PRE_INITIALIZED_SLACK_MS + 0.01)).toBe('cold');
    });

    it('reads the JSON log format the same way (proactive initialisation of an on-demand environment)', () => {
      const json = [
        `{"time":"2024-07-01T08:54:54.100Z","type":"platform.start","record":{"requestId":"${requestId}","version":"$LATEST"}}`,
        `{"time":"2024-07-01T08:54:54.127Z","type":"platform.report","record":{"requestId":"${requestId}","metrics":{"durationMs":17.493,"billedDurationMs":18,"initDurationMs":235.086,"maxMemoryUsedMB":75,"memorySizeMB":128},"status":"success"}}`,
        '',
      ].join('\n');
      expect(toRecord({ sentAt: 1001, finishedAt: 1045, statusCode: 200, requestId, logTail: json }, ctx).classification).toBe('pre-initialized');
      expect(toRecord({ sentAt: 1001, finishedAt: 1270, statusCode: 200, requestId, logTail: json }, ctx).classification).toBe('cold');
    });

    it('never applies to a suppressed init or a SnapStart restore, which the client waits for', () => {
      const restored = `REPORT RequestId: ${requestId}\tDuration: 20.00 ms\tBilled Duration: 21 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tRestore Duration: 480.11 ms`;
      expect(toRecord({ sentAt: 1001, finishedAt: 1010, statusCode: 200, requestId, logTail: restored }, ctx).classification).toBe('cold');
      const suppressed = `INIT_REPORT Init Duration: 9999.52 ms\tPhase: init\tStatus: timeout\n${pcTail}`;
      expect(toRecord({ sentAt: 1001, finishedAt: 1010, statusCode: 200, requestId, logTail: suppressed }, ctx).classification).toBe('cold');
    });
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

  it('keeps the response request id and the executed version', () => {
    const r = toRecord({ sentAt: 1001, finishedAt: 1002, requestId: 'r-warm', executedVersion: '3', logTail: warmTail }, ctx);
    expect(r.requestId).toBe('r-warm');
    expect(r.executedVersion).toBe('3');
    expect(r.classification).toBe('warm');
    expect(r.foreignReportRequestId).toBeUndefined();
  });

  it("does not classify from a REPORT naming another request id than the response's x-amzn-RequestId", () => {
    // The REPORT in the tail is another invocation's (here: printed by the function); its Init Duration is not ours.
    const tail = [
      'START RequestId: 6b3c1f2e-0d4a-4c6e-9a51-2f7d8e9b1c30 Version: $LATEST',
      '2024-07-01T08:54:54.100Z\t6b3c1f2e-0d4a-4c6e-9a51-2f7d8e9b1c30\tINFO\tREPORT RequestId: x',
      'REPORT RequestId: 0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c\tDuration: 3.10 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 61 MB\tInit Duration: 140.02 ms',
      '',
    ].join('\n');
    const r = toRecord({ sentAt: 1001, finishedAt: 1400, statusCode: 200, requestId: '6b3c1f2e-0d4a-4c6e-9a51-2f7d8e9b1c30', logTail: tail }, ctx);
    expect(r.classification).toBe('unknown');
    expect(r.report).toBeUndefined();
    expect(r.foreignReportRequestId).toBe('0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c');
    expect(r.requestId).toBe('6b3c1f2e-0d4a-4c6e-9a51-2f7d8e9b1c30');
    // Without a response request id there is nothing to match: the REPORT is taken as the invocation's.
    expect(toRecord({ sentAt: 1001, finishedAt: 1400, statusCode: 200, logTail: tail }, ctx).classification).toBe('cold');
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
