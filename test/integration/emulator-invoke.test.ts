/**
 * The emulator's Invoke path end to end: the real AWS SDK against real node runtime processes. Cold/warm,
 * environments per concurrent invoke, throttles, provisioned concurrency, every failure shape, idle reaping,
 * invocation types and request validation.
 */
import {
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type InvokeCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_HEADERS, type Emulator } from '../../src/emulator/api.js';
import { startEmulator } from '../../src/emulator/index.js';
import { fixture, parseTail, processAlive, sdkClient, waitFor } from './emulator-helpers.js';

const json = (out: InvokeCommandOutput): unknown => JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8'));
const payload = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

/** Settles every promise; throttles come back as the SDK's error objects. */
async function settleAll<T>(promises: Array<Promise<T>>): Promise<Array<{ ok: true; value: T } | { ok: false; error: unknown }>> {
  return Promise.all(promises.map((p) => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }))));
}

describe('emulator invoke (shared emulator)', () => {
  let emulator: Emulator;
  let client: LambdaClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      functions: [
        fixture('echo'),
        fixture('sleep'),
        fixture('sleep', 'sleep-five'),
        fixture('throws'),
        fixture('crash'),
        fixture('init-missing'),
        fixture('init-throws'),
        fixture('init-crash'),
        fixture('echo', 'init-no-handler', { handler: 'index.nope' }),
        fixture('big-response'),
        fixture('cjs'),
        fixture('provided-noexec'),
      ],
    });
    client = sdkClient(emulator);
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  it('runs the first invoke cold with Init Duration and the second warm on the same environment without it', async () => {
    const first = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload({ n: 1 }), LogType: 'Tail' }));
    const second = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: payload({ n: 2 }), LogType: 'Tail' }));
    const a = parseTail(first.LogResult);
    const b = parseTail(second.LogResult);

    expect(first.StatusCode).toBe(200);
    expect(first.FunctionError).toBeUndefined();
    expect(first.ExecutedVersion).toBe('$LATEST');
    expect(a.initDurationMs).toBeGreaterThan(0);
    expect(b.initDurationMs).toBeUndefined();
    expect(a.envId).toBeDefined();
    expect(b.envId).toBe(a.envId);
    expect([a.envSeq, b.envSeq]).toEqual([1, 2]);
    expect(a.initType).toBe('on-demand');
    // Billed Duration includes init on an on-demand cold start (2025 init billing).
    expect(a.billedMs).toBeGreaterThanOrEqual(Math.floor((a.durationMs ?? 0) + (a.initDurationMs ?? 0)));
    expect(a.maxMemoryUsedMb).toBeGreaterThan(0);
    // Init-time output, START, the function's own output, coldprobe's line, END, and REPORT last.
    expect(a.text).toMatch(/echo init[\s\S]*START RequestId: \S+ Version: \$LATEST\n[\s\S]*echo invoked[\s\S]*COLDPROBE [^\n]*\nEND RequestId: [^\n]*\nREPORT /);
    expect(a.lastLine.startsWith('REPORT RequestId: ')).toBe(true);
    expect(b.text).not.toContain('echo init');

    const body = json(second) as { event: unknown; env: Record<string, string>; context: Record<string, unknown> };
    expect(body.event).toEqual({ n: 2 });
    expect(body.context['awsRequestId']).toBe(second.$metadata.requestId);
    expect(body.context['invokedFunctionArn']).toBe('arn:aws:lambda:us-east-1:123456789012:function:echo');
    expect(body.context['memoryLimitInMB']).toBe('256');
    expect(body.context['remainingMs']).toBeGreaterThan(0);
    expect(body.context['remainingMs']).toBeLessThanOrEqual(3000);
    expect(body.env).toMatchObject({
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_FUNCTION_NAME: 'echo',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      TZ: ':UTC',
      _HANDLER: 'index.handler',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
      GREETING: 'hi',
    });
    expect(body.env['AWS_ACCESS_KEY_ID']).toBeTruthy();
    expect(body.env['_X_AMZN_TRACE_ID']).toMatch(/^Root=1-/);
  });

  it('accepts full and partial ARNs and name:qualifier, and forwards the client context', async () => {
    const names = [
      'arn:aws:lambda:us-east-1:123456789012:function:echo',
      '123456789012:function:echo',
      'echo:$LATEST',
      'arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST',
    ];
    for (const FunctionName of names) {
      const out = await client.send(new InvokeCommand({ FunctionName, Payload: payload({ FunctionName }) }));
      expect((json(out) as { event: unknown }).event).toEqual({ FunctionName });
    }
    const ClientContext = Buffer.from(JSON.stringify({ custom: { who: 'test' } })).toString('base64');
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', ClientContext }));
    expect((json(out) as { context: { clientContext: unknown } }).context.clientContext).toEqual({ custom: { who: 'test' } });
  });

  it('starts five environments for five concurrent invokes', async () => {
    const outs = await Promise.all(
      Array.from({ length: 5 }, () => client.send(new InvokeCommand({ FunctionName: 'sleep-five', Payload: payload({ ms: 400 }), LogType: 'Tail' }))),
    );
    const tails = outs.map((o) => parseTail(o.LogResult));
    expect(new Set(tails.map((t) => t.envId)).size).toBe(5);
    for (const t of tails) expect(t.initDurationMs).toBeGreaterThan(0);
    expect(emulator.environments().filter((e) => e.functionName === 'sleep-five')).toHaveLength(5);
  });

  it('reports a thrown error with errorType, errorMessage and trace, and keeps the environment warm', async () => {
    const first = await client.send(new InvokeCommand({ FunctionName: 'throws', LogType: 'Tail' }));
    expect(first.StatusCode).toBe(200);
    expect(first.FunctionError).toBe('Unhandled');
    const doc = json(first) as { errorType: string; errorMessage: string; trace: string[] };
    expect(doc.errorType).toBe('BoomError');
    expect(doc.errorMessage).toBe('boom');
    expect(Array.isArray(doc.trace)).toBe(true);
    expect(doc.trace[0]).toContain('boom');
    const t = parseTail(first.LogResult);
    expect(t.status).toBe('error');
    expect(t.errorType).toBe('BoomError');
    const second = await client.send(new InvokeCommand({ FunctionName: 'throws', LogType: 'Tail' }));
    expect(parseTail(second.LogResult).envId).toBe(t.envId);
  });

  it('fails an invoke whose runtime exits with Runtime.ExitError and replaces the environment', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'crash', Payload: payload({ code: 3 }), LogType: 'Tail' }));
    expect(out.FunctionError).toBe('Unhandled');
    const doc = json(out) as { errorType: string; errorMessage: string };
    expect(doc.errorType).toBe('Runtime.ExitError');
    expect(doc.errorMessage).toBe(`RequestId: ${out.$metadata.requestId} Error: Runtime exited with error: exit status 3`);
    const t = parseTail(out.LogResult);
    expect(t.status).toBe('error');
    expect(t.errorType).toBe('Runtime.ExitError');
    expect(t.text).toContain('about to crash');
    expect(t.text).toContain('Error: Runtime exited with error: exit status 3\nRuntime.ExitError\n');
    expect(await waitFor(() => !emulator.environments().some((e) => e.envId === t.envId))).toBe(true);
    // The emulator survived; the next invoke gets a fresh environment.
    const echo = await client.send(new InvokeCommand({ FunctionName: 'crash', Payload: payload({ code: 1 }), LogType: 'Tail' }));
    const t2 = parseTail(echo.LogResult);
    expect(t2.envId).not.toBe(t.envId);
    expect(t2.initDurationMs).toBeGreaterThan(0);
  });

  it('reports init failures (missing module, throw at import, missing handler, crash) after the retry inside the invoke', async () => {
    // The runtime's own error document goes to the caller; the platform's lines name a platform error type.
    const missing = await client.send(new InvokeCommand({ FunctionName: 'init-missing', LogType: 'Tail' }));
    expect(missing.FunctionError).toBe('Unhandled');
    expect(json(missing)).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining("Cannot find module 'missing'") });
    const t = parseTail(missing.LogResult);
    // Lambda retries a failed on-demand init inside the first invocation, and reports both attempts.
    expect(t.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime.Unknown\n/);
    expect(t.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Runtime.Unknown\nSTART /);
    expect(t.text).toContain('Unknown application error occurred\nRuntime.Unknown\n');
    expect(t.status).toBe('error');
    expect(t.errorType).toBe('Runtime.Unknown');
    expect(t.initDurationMs).toBeUndefined();

    const throwing = await client.send(new InvokeCommand({ FunctionName: 'init-throws', LogType: 'Tail' }));
    expect(json(throwing)).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining('init went wrong') });
    expect(parseTail(throwing.LogResult).text).toContain('init starting');
    expect(parseTail(throwing.LogResult).errorType).toBe('Runtime.Unknown');

    const noHandler = await client.send(new InvokeCommand({ FunctionName: 'init-no-handler', LogType: 'Tail' }));
    expect(json(noHandler)).toMatchObject({ errorType: 'Runtime.HandlerNotFound' });
    expect(parseTail(noHandler.LogResult).errorType).toBe('Runtime.Unknown');

    // A runtime that exits during init without posting /init/error: Runtime.ExitError from the platform.
    const crash = await client.send(new InvokeCommand({ FunctionName: 'init-crash', LogType: 'Tail' }));
    expect(json(crash)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${crash.$metadata.requestId} Error: Runtime exited with error: exit status 2` });
    const ct = parseTail(crash.LogResult);
    expect(ct.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime.ExitError\n/);
    expect(ct.text).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ExitError\n/);
    expect(ct.text).toContain('init about to exit');
    expect(ct.errorType).toBe('Runtime.ExitError');

    for (const out of [missing, throwing, noHandler, crash]) expect(Buffer.from(out.Payload ?? new Uint8Array()).toString()).not.toContain('Runtime.InitError');
    // A failed init leaves no environment behind, and the next invoke initialises again.
    expect(await waitFor(() => !emulator.environments().some((e) => e.functionName.startsWith('init-')))).toBe(true);
    const again = await client.send(new InvokeCommand({ FunctionName: 'init-missing' }));
    expect(again.FunctionError).toBe('Unhandled');
  });

  it('fails a custom runtime whose bootstrap cannot be executed with Runtime.InvalidEntrypoint', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'provided-noexec', LogType: 'Tail' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out)).toMatchObject({ errorType: 'Runtime.InvalidEntrypoint' });
    expect(parseTail(out.LogResult).errorType).toBe('Runtime.InvalidEntrypoint');
    expect(await waitFor(() => !emulator.environments().some((e) => e.functionName === 'provided-noexec'))).toBe(true);
  });

  it('turns an oversized function response into Function.ResponseSizeTooLarge', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'big-response', LogType: 'Tail' }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
    expect(parseTail(out.LogResult).errorType).toBe('Function.ResponseSizeTooLarge');
  });

  it('runs a CommonJS callback-style handler', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'cjs', Payload: payload({ a: 1 }) }));
    expect(out.FunctionError).toBeUndefined();
    expect(json(out)).toEqual({ cjs: true, got: { a: 1 } });
  });

  it('answers Event with 202 and runs it in the background, and DryRun with 204 without running anything', async () => {
    const before = emulator.environments().filter((e) => e.functionName === 'cjs').reduce((n, e) => n + e.invocations, 0);
    const dry = await client.send(new InvokeCommand({ FunctionName: 'cjs', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    const event = await client.send(new InvokeCommand({ FunctionName: 'cjs', InvocationType: 'Event', Payload: payload({ bg: true }) }));
    expect(event.StatusCode).toBe(202);
    expect(Buffer.from(event.Payload ?? new Uint8Array()).length).toBe(0);
    const ran = () => emulator.environments().filter((e) => e.functionName === 'cjs').reduce((n, e) => n + e.invocations, 0);
    expect(await waitFor(() => ran() === before + 1)).toBe(true);
  });

  it('answers 404 for an unknown function, 400 for non-JSON payloads and bad client context, 413 when too large', async () => {
    const attempt = async (input: ConstructorParameters<typeof InvokeCommand>[0]): Promise<{ name: string; status: number | undefined; message: string }> => {
      try {
        await client.send(new InvokeCommand(input));
      } catch (error) {
        const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
        return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
      }
      throw new Error('expected the invoke to fail');
    };
    expect(await attempt({ FunctionName: 'no-such-function' })).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:no-such-function',
    });
    expect(await attempt({ FunctionName: 'echo', Payload: Buffer.from('{not json') })).toMatchObject({
      name: 'InvalidRequestContentException',
      status: 400,
      message: expect.stringContaining('Could not parse request body into json'),
    });
    expect(await attempt({ FunctionName: 'echo', ClientContext: 'not base64 json!' })).toMatchObject({ name: 'InvalidRequestContentException', status: 400 });
    const big = Buffer.from(JSON.stringify('x'.repeat(6_291_456)));
    expect(await attempt({ FunctionName: 'echo', Payload: big })).toMatchObject({
      name: 'RequestTooLargeException',
      status: 413,
      message: `${big.length} byte payload is too large for the RequestResponse invocation type (limit 6291456 bytes)`,
    });
    const eventBig = Buffer.from(JSON.stringify('x'.repeat(1_048_576)));
    expect(await attempt({ FunctionName: 'echo', InvocationType: 'Event', Payload: eventBig })).toMatchObject({ name: 'RequestTooLargeException', status: 413 });
    // An empty payload is `{}`.
    const empty = await client.send(new InvokeCommand({ FunctionName: 'echo' }));
    expect((json(empty) as { event: unknown }).event).toEqual({});
  });

  it("sends coldprobe's environment headers and Lambda's headers on a raw invoke", async () => {
    const res = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const req = request(`${emulator.endpoint}/2015-03-31/functions/echo%3A%24LATEST/invocations`, { method: 'POST', headers: { 'X-Amz-Log-Type': 'Tail' } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end('{"raw":true}');
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-amz-executed-version']).toBe('$LATEST');
    expect(res.headers[EMULATOR_HEADERS.envId]).toMatch(/^env-/);
    expect(Number(res.headers[EMULATOR_HEADERS.envSeq])).toBeGreaterThanOrEqual(1);
    expect(res.headers[EMULATOR_HEADERS.initType]).toBe('on-demand');
    const body = JSON.parse(res.body) as { context: { awsRequestId: string } };
    expect(res.headers['x-amzn-requestid']).toBe(body.context.awsRequestId);
    const tail = parseTail(String(res.headers['x-amz-log-result']));
    expect(tail.envId).toBe(res.headers[EMULATOR_HEADERS.envId]);
    expect(tail.envSeq).toBe(Number(res.headers[EMULATOR_HEADERS.envSeq]));

    // Neither Invoke nor a control-plane path: a Lambda-shaped 404.
    const unknown = await new Promise<{ status: number; type: unknown }>((resolve, reject) => {
      const req = request(`${emulator.endpoint}/2099-01-01/nothing-here`, { method: 'GET' }, (r) => {
        r.resume();
        r.on('end', () => resolve({ status: r.statusCode ?? 0, type: r.headers['x-amzn-errortype'] }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(unknown).toEqual({ status: 404, type: 'ResourceNotFoundException' });
  });
});

describe('emulator invoke (own emulator per test)', () => {
  let emulator: Emulator | undefined;
  let client: LambdaClient | undefined;

  afterEach(async () => {
    client?.destroy();
    await emulator?.close();
    emulator = undefined;
    client = undefined;
  });

  const start = async (options: Parameters<typeof startEmulator>[0]): Promise<{ emulator: Emulator; client: LambdaClient }> => {
    emulator = await startEmulator(options);
    client = sdkClient(emulator);
    return { emulator, client };
  };

  it('throttles exactly the invokes over reserved concurrency, with the reserved Reason', async () => {
    const { client } = await start({ functions: [fixture('sleep')] });
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'sleep', ReservedConcurrentExecutions: 2 }));
    const results = await settleAll(Array.from({ length: 5 }, () => client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 800 }) }))));
    const throttles = results.filter((r) => !r.ok).map((r) => (r as { error: { name: string; Reason?: string; $metadata: { httpStatusCode?: number } } }).error);
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(throttles).toHaveLength(3);
    for (const t of throttles) {
      expect(t.name).toBe('TooManyRequestsException');
      expect(t.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
      expect(t.$metadata.httpStatusCode).toBe(429);
    }
    // Slots free up when invocations end.
    const after = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 1 }) }));
    expect(after.FunctionError).toBeUndefined();
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'sleep', ReservedConcurrentExecutions: 0 }));
    await expect(client.send(new InvokeCommand({ FunctionName: 'sleep' }))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  });

  it('throttles over the account limit with ConcurrentInvocationLimitExceeded and over the scaling rate with its Reason', async () => {
    const { client } = await start({ functions: [fixture('sleep')], accountConcurrency: 2, unreservedMinimum: 1, scalingRate: { environments: 3, perMs: 60_000 } });
    const burst = await settleAll(Array.from({ length: 3 }, () => client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 600 }) }))));
    expect(burst.filter((r) => r.ok)).toHaveLength(2);
    const refused = burst.find((r) => !r.ok) as { error: { name: string; Reason?: string } };
    expect(refused.error).toMatchObject({ name: 'TooManyRequestsException', Reason: 'ConcurrentInvocationLimitExceeded' });
    // Two environments exist and are idle; a third and fourth new environment exceed 3 per minute.
    await Promise.all([
      client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 1 }) })),
      client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 1 }) })),
    ]);
    await emulator?.drainIdle('sleep');
    const cold = await settleAll([
      client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 300 }) })),
      client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 300 }) })),
    ]);
    expect(cold.filter((r) => r.ok)).toHaveLength(1);
    expect((cold.find((r) => !r.ok) as { error: unknown }).error).toMatchObject({ name: 'TooManyRequestsException', Reason: 'FunctionInvocationRateLimitExceeded' });
  });

  it('serves provisioned concurrency 2 then a burst of 5 as 2 warm provisioned plus 3 cold on-demand', async () => {
    const { client, emulator } = await start({ functions: [fixture('sleep')] });
    const published = await client.send(new PublishVersionCommand({ FunctionName: 'sleep' }));
    const version = published.Version ?? '';
    expect(version).toBe('1');
    await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'sleep', Qualifier: version, ProvisionedConcurrentExecutions: 2 }));
    let status: string | undefined;
    for (let i = 0; i < 200 && status !== 'READY'; i++) {
      const got = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'sleep', Qualifier: version }));
      status = got.Status;
      if (status !== 'READY') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('READY');
    expect(emulator.environments().filter((e) => e.initType === 'provisioned-concurrency')).toHaveLength(2);

    const outs = await Promise.all(
      Array.from({ length: 5 }, () => client.send(new InvokeCommand({ FunctionName: 'sleep', Qualifier: version, Payload: payload({ ms: 500 }), LogType: 'Tail' }))),
    );
    const tails = outs.map((o) => parseTail(o.LogResult));
    const pc = tails.filter((t) => t.initType === 'provisioned-concurrency');
    const onDemand = tails.filter((t) => t.initType === 'on-demand');
    expect(pc).toHaveLength(2);
    expect(onDemand).toHaveLength(3);
    for (const t of pc) expect(t.initDurationMs).toBeUndefined();
    for (const t of onDemand) expect(t.initDurationMs).toBeGreaterThan(0);
    for (const o of outs) expect(o.ExecutedVersion).toBe('1');
    expect(tails[0]?.text).toContain('Version: 1');
  });

  it('lets a busy environment of a retired generation finish its invocation, then stops it', async () => {
    const { client, emulator } = await start({ functions: [fixture('sleep')] });
    const first = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 1 }), LogType: 'Tail' }));
    const oldEnv = parseTail(first.LogResult).envId;
    const inFlight = client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 700 }), LogType: 'Tail' }));
    expect(await waitFor(() => emulator.environments().some((e) => e.state === 'busy'))).toBe(true);
    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'sleep', Environment: { Variables: { NONCE: 'x' } } }));
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: 'sleep' });
    // The in-flight invocation completes normally on the old environment...
    const done = await inFlight;
    expect(done.FunctionError).toBeUndefined();
    expect(parseTail(done.LogResult).envId).toBe(oldEnv);
    // ...which is then retired: the next invoke is a cold start elsewhere, and the old environment goes away.
    const next = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 1 }), LogType: 'Tail' }));
    const t = parseTail(next.LogResult);
    expect(t.envId).not.toBe(oldEnv);
    expect(t.initDurationMs).toBeGreaterThan(0);
    expect(await waitFor(() => !emulator.environments().some((e) => e.envId === oldEnv))).toBe(true);
  });

  it('times out a long invocation with Sandbox.Timedout, Status: timeout, and replaces the environment lazily', async () => {
    const { client, emulator } = await start({ functions: [fixture('sleep')] });
    const t0 = performance.now();
    const out = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 5000 }), LogType: 'Tail' }));
    const elapsedMs = performance.now() - t0;
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${out.$metadata.requestId} Error: Task timed out after 1.00 seconds` });
    const t = parseTail(out.LogResult);
    expect(t.status).toBe('timeout');
    expect(t.durationMs).toBe(1000);
    expect(t.text).toMatch(/ Task timed out after [\d.]+ seconds\n/);
    // Answered at the limit, not when the function would have finished.
    expect(elapsedMs).toBeGreaterThanOrEqual(950);
    expect(elapsedMs).toBeLessThan(4500);
    expect(await waitFor(() => emulator.environments().length === 0)).toBe(true);
    const next = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 1 }), LogType: 'Tail' }));
    expect(next.FunctionError).toBeUndefined();
    expect(parseTail(next.LogResult).initDurationMs).toBeGreaterThan(0);
  });

  it('reaps idle environments after idleTtlMs and kills their processes', async () => {
    const { client, emulator } = await start({ functions: [fixture('echo')], idleTtlMs: 300 });
    const out = await client.send(new InvokeCommand({ FunctionName: 'echo', LogType: 'Tail' }));
    const pid = (json(out) as { pid: number }).pid;
    expect(emulator.environments()).toHaveLength(1);
    expect(processAlive(pid)).toBe(true);
    expect(await waitFor(() => emulator.environments().length === 0, 5000)).toBe(true);
    expect(await waitFor(() => !processAlive(pid), 5000)).toBe(true);
    const again = await client.send(new InvokeCommand({ FunctionName: 'echo', LogType: 'Tail' }));
    expect(parseTail(again.LogResult).initDurationMs).toBeGreaterThan(0);
  });

  it('stops every runtime process on close, and close twice is fine', async () => {
    const { client, emulator } = await start({ functions: [fixture('echo'), fixture('sleep')] });
    const outs = await Promise.all([
      client.send(new InvokeCommand({ FunctionName: 'echo' })),
      client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: payload({ ms: 1 }) })),
    ]);
    const pids = outs.map((o) => (json(o) as { pid: number }).pid);
    for (const pid of pids) expect(processAlive(pid)).toBe(true);
    await emulator.close();
    await emulator.close();
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });
});
