/**
 * When the caller gets its answer, and what an init that overruns or fails costs the first invocation, end to
 * end through the real SDK and real runtimes:
 * - response timing: without a log tail the caller has the response when the runtime POSTs it; the work the
 *   runtime does after that (until its next /next) is Duration and holds the concurrency slot, but is not
 *   client latency. With a tail the caller waits for the REPORT, i.e. for that /next.
 * - suppressed init: an on-demand init past the init limit is retried inside the first invocation, bounded by
 *   the function timeout (INIT_REPORT … Phase: init, then … Phase: invoke; no Init Duration in REPORT).
 */
import { InvokeCommand, PutFunctionConcurrencyCommand, TooManyRequestsException, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../src/emulator/api.js';
import { readFunctionJson } from '../../src/emulator/function-folder.js';
import { startEmulator } from '../../src/emulator/index.js';
import { toRecord } from '../../src/core/classify.js';
import { fixture, parseTail, sdkClient, waitFor } from './emulator-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../profiles/functions/', import.meta.url));
const text = (out: InvokeCommandOutput): string => Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');

const RECORD_CONTEXT = { index: 0, cell: 'default', burst: 1, scheduledAt: 0, runStartAt: 0, prepareMs: 0 };

describe('emulator response timing and suppressed init', () => {
  let emulator: Emulator | undefined;
  let client: LambdaClient | undefined;

  afterEach(async () => {
    client?.destroy();
    await emulator?.close();
    emulator = undefined;
    client = undefined;
  });

  async function start(options: EmulatorOptions): Promise<{ emulator: Emulator; client: LambdaClient }> {
    emulator = await startEmulator(options);
    client = sdkClient(emulator);
    return { emulator, client };
  }

  /** Sends `command` and measures the client's latency. */
  async function timed(c: LambdaClient, command: InvokeCommand): Promise<{ out: InvokeCommandOutput; ms: number }> {
    const t0 = performance.now();
    const out = await c.send(command);
    return { out, ms: performance.now() - t0 };
  }

  it('answers at the runtime\'s POST without a tail; the work after it is Duration and holds the slot', async () => {
    const afterMs = 1500;
    const sample = readFunctionJson(join(SAMPLES, 'provided-after-response', 'function.json'), 'after');
    const { client: c } = await start({ functions: [{ ...sample, environment: { AFTER_MS: String(afterMs) } }] });
    await c.send(new PutFunctionConcurrencyCommand({ FunctionName: 'after', ReservedConcurrentExecutions: 1 }));

    // With a tail the caller waits for the REPORT, whose Duration ends at the runtime's next /next.
    const cold = await timed(c, new InvokeCommand({ FunctionName: 'after', LogType: 'Tail' }));
    const coldTail = parseTail(cold.out.LogResult);
    expect(coldTail.initDurationMs).toBeGreaterThan(0);
    expect(coldTail.durationMs).toBeGreaterThanOrEqual(afterMs);
    expect(cold.ms).toBeGreaterThanOrEqual(afterMs);
    expect(coldTail.text).toContain('working');

    // Without one, the response comes at the POST, long before the runtime is done.
    const warm = await timed(c, new InvokeCommand({ FunctionName: 'after' }));
    expect(JSON.parse(text(warm.out))).toEqual({ answered: warm.out.$metadata.requestId });
    expect(warm.ms).toBeLessThan(afterMs / 2);
    // ...and the environment is still busy: its concurrency slot (reserved concurrency 1) is not free yet.
    const throttled = await c.send(new InvokeCommand({ FunctionName: 'after' })).then(() => undefined, (error: unknown) => error);
    expect(throttled).toBeInstanceOf(TooManyRequestsException);
    expect((throttled as TooManyRequestsException).Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');

    // Once it asked for the next event, the same environment serves again, warm.
    expect(await waitFor(() => emulator?.environments()[0]?.state === 'idle', 5000)).toBe(true);
    const third = await timed(c, new InvokeCommand({ FunctionName: 'after', LogType: 'Tail' }));
    const thirdTail = parseTail(third.out.LogResult);
    expect(thirdTail.envSeq).toBe(3);
    expect(thirdTail.initDurationMs).toBeUndefined();
    expect(thirdTail.durationMs).toBeGreaterThanOrEqual(afterMs);
  });

  it('retries an init that overran the limit inside the first invocation, which succeeds when the retry fits', async () => {
    // Init takes 700 ms; the init limit is 300 ms (Lambda: 10 s); the function timeout (3 s) bounds the retry.
    const { emulator: e, client: c } = await start({ functions: [fixture('slow-init', 'slow', { environment: { INIT_MS: '700' } })], initTimeoutMs: 300 });
    const first = await c.send(new InvokeCommand({ FunctionName: 'slow', LogType: 'Tail' }));
    expect(first.FunctionError).toBeUndefined();
    expect(JSON.parse(text(first))).toBe('initialised at last');
    const t = parseTail(first.LogResult);
    expect(t.text).toContain('INIT_REPORT Init Duration: 300.00 ms\tPhase: init\tStatus: timeout\n');
    expect(t.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: success\n[\s\S]*START RequestId/);
    // Suppressed: the init ran inside the invocation, so it is Duration, not Init Duration.
    expect(t.initDurationMs).toBeUndefined();
    expect(t.durationMs).toBeGreaterThanOrEqual(700);
    expect(t.envSeq).toBe(1);
    // coldprobe's own classification of that tail: cold (a suppressed init), then warm.
    const record = (out: InvokeCommandOutput) => toRecord({ sentAt: 0, finishedAt: 1, statusCode: 200, logTail: out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : undefined }, RECORD_CONTEXT);
    expect(record(first).classification).toBe('cold');
    const second = await c.send(new InvokeCommand({ FunctionName: 'slow', LogType: 'Tail' }));
    expect(parseTail(second.LogResult)).toMatchObject({ envId: t.envId, envSeq: 2, initDurationMs: undefined });
    expect(record(second).classification).toBe('warm');
    expect(e.environments()).toHaveLength(1);
  });

  it('times the first invocation out when the retried init does not fit in the function timeout', async () => {
    const { emulator: e, client: c } = await start({
      functions: [fixture('slow-init', 'too-slow', { environment: { INIT_MS: '5000' }, timeoutS: 1 })],
      initTimeoutMs: 300,
    });
    const t0 = performance.now();
    const out = await c.send(new InvokeCommand({ FunctionName: 'too-slow', LogType: 'Tail' }));
    const elapsedMs = performance.now() - t0;
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(text(out))).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 1.00 seconds` });
    const t = parseTail(out.LogResult);
    expect(t.text).toContain('INIT_REPORT Init Duration: 300.00 ms\tPhase: init\tStatus: timeout\n');
    expect(t.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: timeout\n/);
    expect(t.status).toBe('timeout');
    expect(t.initDurationMs).toBeUndefined();
    // Init limit plus the function timeout, not the 5 s the init would have taken.
    expect(elapsedMs).toBeGreaterThanOrEqual(1300 - 50);
    expect(elapsedMs).toBeLessThan(4500);
    expect(await waitFor(() => e.environments().length === 0)).toBe(true);
  });
});
