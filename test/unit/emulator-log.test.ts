/** Lambda's platform log lines, byte for byte, and the bounded log tail. */
import { describe, expect, it } from 'vitest';
import { BoundedLog, logTail } from '../../src/emulator/log.js';
import {
  billedDurationMs,
  coldprobeLine,
  crashLines,
  endLine,
  exitReason,
  initReportLine,
  reportLine,
  startLine,
  timeoutLine,
} from '../../src/lambda/report.js';

const ID = '8f5d1a2e-0b1c-4d5e-9f00-123456789abc';

describe('emulator log lines', () => {
  it.each([
    [
      'warm success',
      { requestId: ID, durationMs: 1.234, memorySizeMb: 128, maxMemoryUsedMb: 42 },
      `REPORT RequestId: ${ID}\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 42 MB\n`,
    ],
    [
      'cold start: Init Duration after Max Memory Used, billed includes init',
      { requestId: ID, durationMs: 12.345, memorySizeMb: 256, maxMemoryUsedMb: 60, initDurationMs: 150.2 },
      `REPORT RequestId: ${ID}\tDuration: 12.35 ms\tBilled Duration: 163 ms\tMemory Size: 256 MB\tMax Memory Used: 60 MB\tInit Duration: 150.20 ms\n`,
    ],
    [
      'timeout',
      { requestId: ID, durationMs: 3000, memorySizeMb: 1024, maxMemoryUsedMb: 64, status: 'timeout' as const },
      `REPORT RequestId: ${ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 1024 MB\tMax Memory Used: 64 MB\tStatus: timeout\n`,
    ],
    [
      'error with type',
      { requestId: ID, durationMs: 43.11, memorySizeMb: 128, maxMemoryUsedMb: 3, status: 'error' as const, errorType: 'Runtime.ExitError' },
      `REPORT RequestId: ${ID}\tDuration: 43.11 ms\tBilled Duration: 44 ms\tMemory Size: 128 MB\tMax Memory Used: 3 MB\tStatus: error\tError Type: Runtime.ExitError\n`,
    ],
    [
      'explicit billed duration wins',
      { requestId: ID, durationMs: 5, billedDurationMs: 100, memorySizeMb: 128, maxMemoryUsedMb: 1 },
      `REPORT RequestId: ${ID}\tDuration: 5.00 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB\n`,
    ],
  ])('REPORT: %s', (_name, fields, want) => {
    expect(reportLine(fields)).toBe(want);
  });

  it('writes START, END and the coldprobe line', () => {
    expect(startLine(ID, '$LATEST')).toBe(`START RequestId: ${ID} Version: $LATEST\n`);
    expect(startLine(ID, '3')).toBe(`START RequestId: ${ID} Version: 3\n`);
    expect(endLine(ID)).toBe(`END RequestId: ${ID}\n`);
    expect(coldprobeLine('env-0007', 3, 'on-demand')).toBe('COLDPROBE EnvId: env-0007\tEnvSeq: 3\tInitType: on-demand\n');
  });

  it('bills whole milliseconds, rounding up, init included', () => {
    expect(billedDurationMs(1.01)).toBe(2);
    expect(billedDurationMs(2)).toBe(2);
    expect(billedDurationMs(12.34, 150.2)).toBe(163);
    expect(billedDurationMs(0.2)).toBe(1);
  });

  it('writes INIT_REPORT, timeout and crash lines as Lambda does', () => {
    expect(initReportLine({ initDurationMs: 10000, phase: 'init', status: 'timeout' })).toBe('INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout\n');
    expect(initReportLine({ initDurationMs: 154.03, phase: 'init', status: 'error', errorType: 'Runtime.ExitError' })).toBe(
      'INIT_REPORT Init Duration: 154.03 ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\n',
    );
    expect(timeoutLine(new Date('2024-01-29T16:41:15.998Z'), ID, 3.0214)).toBe(`2024-01-29T16:41:15.998Z ${ID} Task timed out after 3.02 seconds\n`);
    expect(crashLines(ID, 'exit status 1')).toBe(`RequestId: ${ID} Error: Runtime exited with error: exit status 1\nRuntime.ExitError\n`);
    expect(exitReason(1, null)).toBe('exit status 1');
    expect(exitReason(null, 'SIGKILL')).toBe('signal: SIGKILL');
  });

  it('keeps REPORT last and the tail within 4,096 bytes', () => {
    const report = reportLine({ requestId: ID, durationMs: 1, memorySizeMb: 128, maxMemoryUsedMb: 1 });
    const tail = logTail(Buffer.from('y'.repeat(10_000)), `END RequestId: ${ID}\n${report}`);
    expect(tail.length).toBe(4096);
    expect(tail.toString().endsWith(report)).toBe(true);
    const short = logTail(Buffer.from('hello\n'), report);
    expect(short.toString()).toBe(`hello\n${report}`);
    // A pathological tail longer than the limit is itself cut, keeping its end.
    expect(logTail(Buffer.alloc(0), 'z'.repeat(5000)).length).toBe(4096);
  });

  it('bounds an environment log buffer and keeps the most recent bytes', () => {
    const log = new BoundedLog(10);
    for (let i = 0; i < 100; i++) log.push(String(i % 10));
    expect(log.bytes().toString()).toBe('0123456789');
    expect(log.size).toBeLessThanOrEqual(20);
    log.push(Buffer.from('abc'));
    expect(log.bytes().toString()).toBe('3456789abc');
    log.clear();
    expect(log.bytes().length).toBe(0);
  });
});
