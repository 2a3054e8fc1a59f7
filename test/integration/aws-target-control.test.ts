/**
 * The AWS target against the emulator standing in for AWS (an endpoint override), with the emulator's test
 * aids playing the AWS behaviours involved: control-plane throttling at 15 requests per second, a function in
 * Pending, environment variables unreadable without kms:Decrypt, and an invoke-only principal.
 */
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { buildBurstPlan } from '../../src/core/plan.js';
import type { Emulator, TestAids } from '../../src/emulator/api.js';
import { startEmulator } from '../../src/emulator/index.js';
import { executeRun } from '../../src/engine/run.js';
import { createAwsTarget, type AwsTarget } from '../../src/targets/aws.js';
import { credentialsExpiryWarning } from '../../src/targets/credentials.js';
import { configuredEndpoint, parseEndpointUrl } from '../../src/targets/endpoint.js';
import { fixture, sdkClient } from './emulator-helpers.js';

const open: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function emulatorWith(testAids: TestAids): Promise<Emulator> {
  const emulator = await startEmulator({ functions: [fixture('echo', 'fn', { environment: { KEEP: 'me' } })], testAids, log: () => undefined });
  open.push(emulator);
  return emulator;
}

async function awsOn(emulator: Emulator, allowMutations = false): Promise<AwsTarget> {
  const target = await createAwsTarget({
    region: 'us-east-1',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    allowMutations,
    env: {},
  });
  open.push(target);
  return target;
}

describe('the aws target on an endpoint override', () => {
  it('records the endpoint, from --endpoint-url or AWS_ENDPOINT_URL_LAMBDA', async () => {
    const emulator = await emulatorWith({});
    const target = await awsOn(emulator);
    expect(target.endpoint).toBe(emulator.endpoint);
    expect(target.description).toBe(`aws us-east-1 via ${emulator.endpoint}`);
    expect(configuredEndpoint({ AWS_ENDPOINT_URL_LAMBDA: 'http://a:1', AWS_ENDPOINT_URL: 'http://b:2' })).toBe('http://a:1');
    expect(configuredEndpoint({ AWS_ENDPOINT_URL: 'http://b:2' })).toBe('http://b:2');
    expect(configuredEndpoint({ AWS_ENDPOINT_URL: 'http://b:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBeUndefined();
    expect(parseEndpointUrl('http://localhost:4566/')).toBe('http://localhost:4566');
    expect(() => parseEndpointUrl('localhost:4566')).toThrow(/must start with http/);
    expect(() => parseEndpointUrl('nope')).toThrow(/must be a URL/);
  });
});

describe('control-plane throttling (test aid: controlPlaneRps 15)', () => {
  it('the control client rides out 429s with standard retries; a no-retry client sees CallerRateLimitExceeded; invokes are not limited', async () => {
    const emulator = await emulatorWith({ controlPlaneRps: 15 });
    const target = await awsOn(emulator);
    const raw = sdkClient(emulator);
    open.push({ close: async () => raw.destroy() });

    // Without retries, 40 requests at once: at most the bucket (15) plus its refill while they arrive pass; the
    // rest are throttled with Lambda's Reason.
    const sentAt = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: 40 }, () => raw.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }))));
    const elapsedS = (performance.now() - sentAt) / 1000;
    const throttled = settled.filter((s) => s.status === 'rejected');
    expect(40 - throttled.length).toBeLessThanOrEqual(15 + Math.ceil(15 * elapsedS));
    expect(throttled.length).toBeGreaterThan(0);
    expect((throttled[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'TooManyRequestsException', Reason: 'CallerRateLimitExceeded' });

    // The target's control client: 40 reads in a row all succeed, paced by the limit (40 at 15/s: > 1 s).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const started = performance.now();
    for (let i = 0; i < 40; i += 1) expect((await target.getFunction('fn')).memoryMb).toBeGreaterThan(0);
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeGreaterThan(1000);

    // Invocations are data plane: 5 at once right after are never throttled by the control-plane limit.
    const invokes = await Promise.all(Array.from({ length: 5 }, () => raw.send(new InvokeCommand({ FunctionName: 'fn' }))));
    expect(invokes.every((r) => r.StatusCode === 200)).toBe(true);
  });
});

describe('a function in Pending (test aid: pendingMs)', () => {
  it('invokes are refused with 409 while Pending; getFunction waits until Active', async () => {
    const emulator = await emulatorWith({ pendingMs: 1500 });
    const raw = sdkClient(emulator);
    open.push({ close: async () => raw.destroy() });
    await expect(raw.send(new InvokeCommand({ FunctionName: 'fn' }))).rejects.toMatchObject({ name: 'ResourceConflictException' });
    expect((await raw.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }))).State).toBe('Pending');
    const target = await awsOn(emulator);
    const info = await target.getFunction('fn');
    expect(info.state).toBe('Active');
    expect((await raw.send(new InvokeCommand({ FunctionName: 'fn' }))).StatusCode).toBe(200);
  });
});

describe('environment variables unreadable as under a KMS key (test aid: unreadableEnvironment)', () => {
  it('getFunction says so, and force-cold refuses with a sentence and writes nothing back', async () => {
    const emulator = await emulatorWith({ unreadableEnvironment: ['fn'] });
    const target = await awsOn(emulator, true);
    const before = await target.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));
    expect(before.Environment?.Variables).toBeUndefined();
    const info = await target.getFunction('fn');
    expect(info.environmentError).toMatch(/^KMSAccessDeniedException: /);
    expect(info.environment).toEqual({});

    const error = await target.forceCold('fn').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ColdprobeError);
    expect((error as ColdprobeError).exitCode).toBe(2);
    expect((error as ColdprobeError).message).toMatch(/^the environment variables of 'fn' cannot be read \(KMSAccessDeniedException: .*\), and changing one would mean writing all of them back, erasing them; coldprobe changes none/);
    // Nothing was written: same revision, and a memory-only change (no variables sent) is still allowed.
    const after = await target.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));
    expect(after.RevisionId).toBe(before.RevisionId);
    expect((await target.updateConfiguration('fn', { memoryMb: 256 })).memoryMb).toBe(256);
  });
});

describe('an invoke-only principal (test aid: denyControlPlane)', () => {
  it('runs a plain burst: getFunction falls back, every invocation is a record', async () => {
    const emulator = await emulatorWith({ denyControlPlane: true });
    const target = await awsOn(emulator);
    const info = await target.getFunction('fn');
    expect(info.unreadable).toMatch(/^GetFunctionConfiguration was denied/);
    const plan = buildBurstPlan({ functionName: 'fn', payload: new TextEncoder().encode('{}'), n: 5, waves: 1, intervalMs: 0, forceCold: false });
    const outcome = await executeRun(plan, target, { emit: () => undefined });
    const records = outcome.cells[0]?.records ?? [];
    expect(records).toHaveLength(5);
    expect(records.every((r) => r.outcome === 'ok')).toBe(true);
  });
});

describe('credentials that cannot renew', () => {
  const now = Date.UTC(2026, 0, 1);
  it('warns when the planned run outlives them, and not otherwise', () => {
    expect(credentialsExpiryWarning({}, 3_600_000, now)).toBeUndefined();
    expect(credentialsExpiryWarning({ credentialsExpireAt: now + 3_600_000 }, 10 * 60_000, now)).toBeUndefined();
    expect(credentialsExpiryWarning({ credentialsExpireAt: now + 5 * 60_000 }, 10 * 60_000, now)).toBe(
      'the AWS session credentials expire in 5 min and cannot be renewed, but this run is planned to take at least 10 min; ' +
        'calls (and the clean-up) will fail with ExpiredToken after that. Renew them first, or use a profile that refreshes (SSO, role_arn).',
    );
  });
});
