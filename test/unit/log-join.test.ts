import { describe, expect, it } from 'vitest';
import { joinReports, reportsByRequestId } from '../../src/core/log-join.js';
import { formatReportJson, reportLine } from '../../src/lambda/report.js';
import type { InvocationRecord } from '../../src/core/types.js';

const rec = (index: number, extra: Partial<InvocationRecord>): InvocationRecord => ({
  index,
  cell: 'default',
  burst: 0,
  scheduledUs: 0,
  sentUs: 0,
  finishedUs: 1,
  latencyUs: 1,
  prepareUs: 0,
  outcome: 'ok',
  classification: 'unknown',
  statusCode: 200,
  ...extra,
});

describe('joining REPORT records to HTTP requests', () => {
  const messages = [
    reportLine({ requestId: 'cold-text', durationMs: 3, billedDurationMs: 200, memorySizeMb: 128, maxMemoryUsedMb: 60, initDurationMs: 180.5 }).trimEnd(),
    reportLine({ requestId: 'warm-text', durationMs: 2, billedDurationMs: 2, memorySizeMb: 128, maxMemoryUsedMb: 60 }).trimEnd(),
    formatReportJson({ requestId: 'cold-json', durationMs: 3, billedDurationMs: 240, memorySizeMb: 128, maxMemoryUsedMb: 60, initDurationMs: 235.1 }),
    formatReportJson({ requestId: 'warm-json', durationMs: 1, billedDurationMs: 1, memorySizeMb: 128, maxMemoryUsedMb: 60 }),
    'START RequestId: warm-text Version: $LATEST',
  ];

  it('reads text and JSON REPORT events by request id', () => {
    const reports = reportsByRequestId(messages);
    expect([...reports.keys()].sort()).toEqual(['cold-json', 'cold-text', 'warm-json', 'warm-text']);
    expect(reports.get('cold-json')?.initDurationMs).toBe(235.1);
  });

  // An HTTP request that waited for its init took at least that long: 300 ms here, more than either init.
  it.each([
    ['cold-text', 'cold'],
    ['warm-text', 'warm'],
    ['cold-json', 'cold'],
    ['warm-json', 'warm'],
    ['not-logged', 'unknown'],
  ])('%s is %s', (requestId, classification) => {
    const records = [rec(0, { requestId, finishedUs: 300_000, latencyUs: 300_000 })];
    joinReports(records, reportsByRequestId(messages));
    expect(records[0]?.classification).toBe(classification);
  });

  it('takes an Init Duration longer than the whole HTTP latency for an init done ahead of the request (pre-initialized)', () => {
    // Provisioned concurrency: the 180.5 ms init ran at allocation; the request took 25 ms end to end.
    const records = [rec(0, { requestId: 'cold-text', finishedUs: 25_000, latencyUs: 25_000 }), rec(1, { requestId: 'cold-json', finishedUs: 236_500, latencyUs: 236_500 })];
    joinReports(records, reportsByRequestId(messages));
    expect(records.map((r) => r.classification)).toEqual(['pre-initialized', 'cold']);
  });

  it('counts what it could not join, and leaves throttles and transport errors out', () => {
    const records = [
      rec(0, { requestId: 'cold-text' }),
      rec(1, { requestId: 'not-logged' }),
      rec(2, {}),
      rec(3, { outcome: 'throttled', statusCode: 429, requestId: 'throttle-id' }),
      rec(4, { outcome: 'transport-error', statusCode: undefined }),
    ];
    expect(joinReports(records, reportsByRequestId(messages))).toEqual({ expected: 2, joined: 1, missing: 1, withoutRequestId: 1 });
  });
});
