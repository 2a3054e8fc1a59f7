import { describe, expect, it } from 'vitest';
import {
  coldprobeLine,
  formatReportJson,
  reportLine,
  parseEnvironmentLine,
  parseReportLine,
} from '../../src/lambda/report.js';
import type { ReportFields } from '../../src/core/types.js';

const ID = 'c6af9ac6-7b61-11e6-9a41-93e812345678';

// Real-shaped tails, from lambda-protocol.md §2.1–2.3.
const cases: Array<{ name: string; tail: string; want: ReportFields | undefined }> = [
  {
    name: 'text cold (Init Duration after Max Memory Used, trailing tab)',
    tail:
      'INIT_START Runtime Version: nodejs:20.v13\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc\n' +
      `START RequestId: ${ID} Version: $LATEST\n` +
      `2024-01-29T16:41:15.998Z\t${ID}\tINFO\thello\n` +
      `END RequestId: ${ID}\n` +
      `REPORT RequestId: ${ID}\tDuration: 12.34 ms\tBilled Duration: 163 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 150.20 ms\t\n`,
    want: {
      requestId: ID,
      durationMs: 12.34,
      billedDurationMs: 163,
      memorySizeMb: 128,
      maxMemoryUsedMb: 60,
      initDurationMs: 150.2,
    },
  },
  {
    name: 'text warm, old spacing (`27 ms \\t`)',
    tail:
      `START RequestId: ${ID} Version: 3\nEND RequestId: ${ID}\n` +
      `REPORT RequestId: ${ID}\tDuration: 26.31 ms\tBilled Duration: 27 ms \tMemory Size: 1024 MB\tMax Memory Used: 77 MB\t\n`,
    want: { requestId: ID, durationMs: 26.31, billedDurationMs: 27, memorySizeMb: 1024, maxMemoryUsedMb: 77 },
  },
  {
    name: 'text warm, newer form without trailing tab or newline',
    tail: `END RequestId: ${ID}\nREPORT RequestId: ${ID}\tDuration: 1.02 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB`,
    want: { requestId: ID, durationMs: 1.02, billedDurationMs: 2, memorySizeMb: 128, maxMemoryUsedMb: 40 },
  },
  {
    name: 'text timeout with Status',
    tail:
      `2024-01-29T16:41:15.998Z ${ID} Task timed out after 3.02 seconds\nEND RequestId: ${ID}\n` +
      `REPORT RequestId: ${ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 64 MB\tStatus: timeout\n`,
    want: {
      requestId: ID,
      durationMs: 3000,
      billedDurationMs: 3000,
      memorySizeMb: 1024,
      maxMemoryUsedMb: 64,
      status: 'timeout',
    },
  },
  {
    name: 'text runtime crash with Status and Error Type',
    tail:
      `RequestId: ${ID} Error: Runtime exited with error: exit status 1\nRuntime.ExitError\nEND RequestId: ${ID}\n` +
      `REPORT RequestId: ${ID}\tDuration: 43.11 ms\tBilled Duration: 44 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB\tStatus: error\tError Type: Runtime.ExitError\n`,
    want: {
      requestId: ID,
      durationMs: 43.11,
      billedDurationMs: 44,
      memorySizeMb: 128,
      maxMemoryUsedMb: 3,
      status: 'error',
      errorType: 'Runtime.ExitError',
    },
  },
  {
    name: 'text SnapStart restore (Restore Duration, Billed Restore Duration ignored)',
    tail: `REPORT RequestId: ${ID}\tDuration: 20.00 ms\tBilled Duration: 21 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tRestore Duration: 412.34 ms\tBilled Restore Duration: 120 ms\t\n`,
    want: {
      requestId: ID,
      durationMs: 20,
      billedDurationMs: 21,
      memorySizeMb: 512,
      maxMemoryUsedMb: 90,
      restoreDurationMs: 412.34,
    },
  },
  {
    name: "RIE's REPORT (Init Duration first) and an XRAY line after it",
    tail:
      `REPORT RequestId: ${ID}\tInit Duration: 1.52 ms\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t\n` +
      'XRAY TraceId: 1-5e7d7595-212fxmpl9ee07c4884191322\tSegmentId: 42ffxmpl0645f474\tSampled: true\n',
    want: {
      requestId: ID,
      durationMs: 5,
      billedDurationMs: 5,
      memorySizeMb: 3008,
      maxMemoryUsedMb: 3008,
      initDurationMs: 1.52,
    },
  },
  {
    name: 'tail truncated at the front (starts mid-line), REPORT the last of several lines, CRLF',
    tail:
      `ed line of app output that lost its start\r\n${'x'.repeat(3000)}\r\nEND RequestId: ${ID}\r\n` +
      `REPORT RequestId: ${ID}\tDuration: 7.50 ms\tBilled Duration: 8 ms\tMemory Size: 256 MB\tMax Memory Used: 51 MB\tInit Duration: 99.90 ms\t\r\n`,
    want: {
      requestId: ID,
      durationMs: 7.5,
      billedDurationMs: 8,
      memorySizeMb: 256,
      maxMemoryUsedMb: 51,
      initDurationMs: 99.9,
    },
  },
  {
    name: 'unknown keys ignored',
    tail: `REPORT RequestId: ${ID}\tDuration: 1.00 ms\tFuture Field: 9 units\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\t\n`,
    want: { requestId: ID, durationMs: 1, billedDurationMs: 1, memorySizeMb: 128, maxMemoryUsedMb: 30 },
  },
  {
    name: 'JSON cold',
    tail:
      `{"time":"2024-07-01T08:54:54.000Z","type":"platform.start","record":{"requestId":"${ID}","version":"$LATEST"}}\n` +
      `{"timestamp":"2024-07-01T08:54:54.100Z","level":"INFO","requestId":"${ID}","message":"hi"}\n` +
      `{"time":"2024-07-01T08:54:54.127Z","type":"platform.report","record":{"requestId":"${ID}","metrics":{"durationMs":17.493,"billedDurationMs":18,"initDurationMs":235.086,"maxMemoryUsedMB":75,"memorySizeMB":128},"status":"success"}}\n`,
    want: {
      requestId: ID,
      durationMs: 17.493,
      billedDurationMs: 18,
      memorySizeMb: 128,
      maxMemoryUsedMb: 75,
      initDurationMs: 235.086,
      status: 'success',
    },
  },
  {
    name: 'JSON warm, error status',
    tail: `{"time":"2024-07-01T08:54:54.127Z","type":"platform.report","record":{"requestId":"${ID}","metrics":{"durationMs":3.1,"billedDurationMs":4,"maxMemoryUsedMB":70,"memorySizeMB":128},"status":"error","errorType":"Runtime.ExitError"}}`,
    want: {
      requestId: ID,
      durationMs: 3.1,
      billedDurationMs: 4,
      memorySizeMb: 128,
      maxMemoryUsedMb: 70,
      status: 'error',
      errorType: 'Runtime.ExitError',
    },
  },
  {
    name: 'JSON SnapStart restore',
    tail: `{"time":"t","type":"platform.report","record":{"requestId":"${ID}","metrics":{"durationMs":3,"billedDurationMs":4,"maxMemoryUsedMB":70,"memorySizeMB":128,"restoreDurationMs":301.5},"status":"success"}}\n`,
    want: {
      requestId: ID,
      durationMs: 3,
      billedDurationMs: 4,
      memorySizeMb: 128,
      maxMemoryUsedMb: 70,
      restoreDurationMs: 301.5,
      status: 'success',
    },
  },
  { name: 'no REPORT (START/END only)', tail: `START RequestId: ${ID} Version: $LATEST\nEND RequestId: ${ID}\n`, want: undefined },
  {
    name: 'INIT_REPORT alone is not a REPORT',
    tail: 'INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout\n',
    want: undefined,
  },
  {
    name: 'an app line mentioning REPORT mid-line is not a REPORT',
    tail: `2024-01-29T16:41:15.998Z\t${ID}\tINFO\tREPORT RequestId: fake\tDuration: 1 ms\n`,
    want: undefined,
  },
  { name: 'REPORT without Duration', tail: `REPORT RequestId: ${ID}\tMemory Size: 128 MB\n`, want: undefined },
  { name: 'broken JSON report line', tail: '{"type":"platform.report","record":{"metrics":', want: undefined },
  { name: 'JSON platform.report without metrics', tail: '{"type":"platform.report","record":{}}', want: undefined },
  { name: 'empty tail', tail: '', want: undefined },
];

describe('parseReportLine', () => {
  it.each(cases)('$name', ({ tail, want }) => {
    expect(parseReportLine(tail)).toEqual(want);
  });

  it('returns undefined for an undefined tail', () => {
    expect(parseReportLine(undefined)).toBeUndefined();
  });

  it('takes the last REPORT when a tail holds two (the earlier one belongs to a previous invocation)', () => {
    const tail =
      `REPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\tInit Duration: 5.00 ms\t\n` +
      `REPORT RequestId: b\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 31 MB\t\n`;
    expect(parseReportLine(tail)).toMatchObject({ requestId: 'b', durationMs: 2 });
    expect(parseReportLine(tail)?.initDurationMs).toBeUndefined();
  });

  it('leaves fields a JSON platform.report lacks absent, never 0 (a timed-out invocation with only durationMs)', () => {
    // Lambda's JSON log format (LoggingConfig.LogFormat = JSON), the shape of the telemetry schema's platform.report.
    const line = `{"time":"2024-07-01T08:54:57.127Z","type":"platform.report","record":{"requestId":"${ID}","metrics":{"durationMs":3000.52,"initDurationMs":211.4},"status":"timeout"}}`;
    const fields = parseReportLine(`{"time":"2024-07-01T08:54:54.127Z","type":"platform.start","record":{"requestId":"${ID}","version":"$LATEST"}}\n${line}\n`);
    expect(fields).toEqual({ requestId: ID, durationMs: 3000.52, initDurationMs: 211.4, status: 'timeout' });
    expect(fields).not.toHaveProperty('billedDurationMs');
    expect(fields).not.toHaveProperty('memorySizeMb');
    expect(fields).not.toHaveProperty('maxMemoryUsedMb');
    // A metric of the wrong type is as good as absent.
    const odd = parseReportLine(`{"type":"platform.report","record":{"requestId":"${ID}","metrics":{"durationMs":1.5,"memorySizeMB":"128"}}}`);
    expect(odd).toEqual({ requestId: ID, durationMs: 1.5 });
  });

  it('leaves fields a text REPORT lacks absent', () => {
    expect(parseReportLine(`REPORT RequestId: ${ID}\tDuration: 2.00 ms\tMemory Size: 512 MB`)).toEqual({ requestId: ID, durationMs: 2, memorySizeMb: 512 });
  });

  it('round-trips reportLine and formatReportJson', () => {
    const fields = {
      requestId: ID,
      durationMs: 12.34,
      billedDurationMs: 13,
      memorySizeMb: 256,
      maxMemoryUsedMb: 61,
      initDurationMs: 180.25,
      status: 'error',
      errorType: 'Runtime.ExitError',
    };
    expect(parseReportLine(`START\n${reportLine(fields).trimEnd()}\n`)).toEqual(fields);
    expect(parseReportLine(formatReportJson(fields))).toEqual(fields);
    const ok = { requestId: ID, durationMs: 1, billedDurationMs: 1, memorySizeMb: 128, maxMemoryUsedMb: 30 };
    expect(parseReportLine(formatReportJson(ok))).toEqual({ ...ok, status: 'success' });
  });
});

describe('parseEnvironmentLine', () => {
  it('reads the COLDPROBE line wherever it sits in the tail', () => {
    const report = `REPORT RequestId: ${ID}\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\t`;
    const env = { envId: 'env-7', envSeq: 3, initType: 'on-demand' };
    expect(parseEnvironmentLine(`${report}\n${coldprobeLine(env.envId, env.envSeq, env.initType).trimEnd()}\n`)).toEqual(env);
    expect(parseEnvironmentLine(`${coldprobeLine(env.envId, env.envSeq, env.initType).trimEnd()}\n${report}\n`)).toEqual(env);
    expect(parseReportLine(`${report}\n${coldprobeLine(env.envId, env.envSeq, env.initType).trimEnd()}\n`)).toMatchObject({ durationMs: 1 });
  });

  it.each([
    ['absent', `REPORT RequestId: ${ID}\tDuration: 1.00 ms\n`],
    ['missing EnvSeq', 'COLDPROBE EnvId: e1\tInitType: on-demand\n'],
    ['non-integer EnvSeq', 'COLDPROBE EnvId: e1\tEnvSeq: x\tInitType: on-demand\n'],
    ['mid-line mention', 'INFO\tCOLDPROBE EnvId: e1\tEnvSeq: 1\n'],
  ])('undefined when %s', (_name, tail) => {
    expect(parseEnvironmentLine(tail)).toBeUndefined();
  });
});
