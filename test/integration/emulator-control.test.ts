/**
 * The emulator's control plane through the real AWS SDK: configuration and its update waiter, versions,
 * aliases, reserved and provisioned concurrency, validation errors with Lambda's exception names, and the
 * raw wire details (trailing `/`, `x-amzn-ErrorType`, string timestamps).
 */
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type InvokeCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/api.js';
import { startEmulator } from '../../src/emulator/index.js';
import { fixture, parseTail, sdkClient } from './emulator-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../profiles/functions/', import.meta.url));
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function';
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;

const body = (out: InvokeCommandOutput): Record<string, unknown> =>
  JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;

/** The SDK error a failing call throws, for asserting its name and members. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

/** A raw HTTP exchange with the emulator, for the wire details the SDK hides. */
function raw(emulator: Emulator, method: string, path: string, payload?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.endpoint}${path}`, { method, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('emulator control plane', () => {
  let emulator: Emulator;
  let client: LambdaClient;

  beforeAll(async () => {
    emulator = await startEmulator({
      // Long enough that a call right after an update still finds it InProgress on a loaded machine (at the
      // 100 ms default, 'publishes immutable versions' failed twice under load 25-35); the SDK's waiter
      // polls again only after its 1 s minimum delay, so this costs the tests nothing.
      updateDelayMs: 500,
      functionsDirs: [SAMPLES],
      functions: [fixture('echo'), fixture('echo', 'pc-echo'), fixture('echo', 'versioned'), fixture('echo', 'deletable'), fixture('init-throws')],
    });
    client = sdkClient(emulator);
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  it('registers every sample folder and serves GetFunctionConfiguration by name, partial ARN and full ARN', async () => {
    expect(emulator.functionNames()).toEqual(expect.arrayContaining(['node-hello', 'python-hello', 'provided-hello', 'node-sleep', 'node-throws', 'node-heavy-init']));
    const byName = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'python-hello' }));
    expect(byName).toMatchObject({
      FunctionName: 'python-hello',
      FunctionArn: `${ARN}:python-hello`,
      Runtime: 'python3.11',
      Handler: 'handler.handler',
      MemorySize: 128,
      Timeout: 3,
      Version: '$LATEST',
      State: 'Active',
      LastUpdateStatus: 'Successful',
    });
    expect(byName.LastModified).toMatch(TIMESTAMP);
    expect(byName.RevisionId).toMatch(/^[0-9a-f-]{36}$/);
    const partial = await client.send(new GetFunctionConfigurationCommand({ FunctionName: '123456789012:function:python-hello' }));
    const full = await client.send(new GetFunctionConfigurationCommand({ FunctionName: `${ARN}:python-hello` }));
    expect(partial.RevisionId).toBe(byName.RevisionId);
    expect(full.RevisionId).toBe(byName.RevisionId);

    const missing = await failure(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' })));
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(missing.message).toContain(`${ARN}:nope`);
    const mismatch = await failure(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'python-hello:1', Qualifier: '2' })));
    expect(mismatch).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
  });

  it('applies UpdateFunctionConfiguration after InProgress, so the waiter succeeds and the next invoke is cold with the new config', async () => {
    const first = await client.send(new InvokeCommand({ FunctionName: 'echo', LogType: 'Tail' }));
    const warm = await client.send(new InvokeCommand({ FunctionName: 'echo', LogType: 'Tail' }));
    expect(parseTail(warm.LogResult).envId).toBe(parseTail(first.LogResult).envId);
    expect(parseTail(warm.LogResult).initDurationMs).toBeUndefined();

    const before = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }));
    const updated = await client.send(new UpdateFunctionConfigurationCommand({
      FunctionName: 'echo',
      MemorySize: 512,
      Environment: { Variables: { GREETING: 'updated' } },
      Description: 'after update',
    }));
    expect(updated).toMatchObject({ LastUpdateStatus: 'InProgress', MemorySize: 512, Description: 'after update' });
    expect(updated.Environment?.Variables).toEqual({ GREETING: 'updated' });
    expect(updated.RevisionId).not.toBe(before.RevisionId);

    // A second update while the first is in progress is Lambda's 409.
    const conflict = await failure(client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'echo', Timeout: 5 })));
    expect(conflict).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    expect(conflict.message).toContain('An update is in progress');

    const waited = await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'echo' });
    expect(waited.state).toBe('SUCCESS');
    const after = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'echo' }));
    expect(after).toMatchObject({ LastUpdateStatus: 'Successful', MemorySize: 512 });

    const next = await client.send(new InvokeCommand({ FunctionName: 'echo', LogType: 'Tail' }));
    const tail = parseTail(next.LogResult);
    expect(tail.initDurationMs).toBeGreaterThan(0);
    expect(tail.envId).not.toBe(parseTail(first.LogResult).envId);
    expect(body(next)['env']).toMatchObject({ GREETING: 'updated', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512' });
  });

  it('rejects bad configuration values with the exception names Lambda uses', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ MemorySize: 64 }, 'ValidationException'],
      [{ MemorySize: 20_000 }, 'InvalidParameterValueException'],
      [{ Timeout: 0 }, 'ValidationException'],
      [{ Timeout: 901 }, 'InvalidParameterValueException'],
      [{ Environment: { Variables: { AWS_REGION: 'eu-west-1' } } }, 'InvalidParameterValueException'],
    ];
    for (const [input, name] of cases) {
      const error = await failure(client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'node-sleep', ...input })));
      expect({ input, name: error.name, status: error.status }).toEqual({ input, name, status: 400 });
    }
    const unchanged = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'node-sleep' }));
    expect(unchanged).toMatchObject({ MemorySize: 128, LastUpdateStatus: 'Successful' });
  });

  it('publishes immutable versions (nothing changed → the same version) and serves aliases over them', async () => {
    const v1 = await client.send(new PublishVersionCommand({ FunctionName: 'versioned', Description: 'first' }));
    expect(v1).toMatchObject({ Version: '1', FunctionArn: `${ARN}:versioned:1`, Description: 'first', State: 'Active' });
    expect(v1.$metadata.httpStatusCode).toBe(201);
    const again = await client.send(new PublishVersionCommand({ FunctionName: 'versioned' }));
    expect(again.Version).toBe('1');

    await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'versioned', Environment: { Variables: { GREETING: 'v2' } } }));
    const blocked = await failure(client.send(new PublishVersionCommand({ FunctionName: 'versioned' })));
    expect(blocked.name).toBe('ResourceConflictException');
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: 'versioned' });
    const v2 = await client.send(new PublishVersionCommand({ FunctionName: 'versioned' }));
    expect(v2.Version).toBe('2');

    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'versioned' }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);
    const v1Config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'versioned', Qualifier: '1' }));
    expect(v1Config.Environment?.Variables).toEqual({ GREETING: 'hi' });

    const alias = await client.send(new CreateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '1' }));
    expect(alias).toMatchObject({ AliasArn: `${ARN}:versioned:live`, Name: 'live', FunctionVersion: '1' });
    expect(alias.$metadata.httpStatusCode).toBe(201);
    const viaAlias = await client.send(new InvokeCommand({ FunctionName: 'versioned:live' }));
    expect(viaAlias.ExecutedVersion).toBe('1');
    expect(body(viaAlias)['env']).toMatchObject({ GREETING: 'hi', AWS_LAMBDA_FUNCTION_VERSION: '1' });

    expect((await failure(client.send(new CreateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '2' })))).name)
      .toBe('ResourceConflictException');
    expect((await failure(client.send(new CreateAliasCommand({ FunctionName: 'versioned', Name: 'ghost', FunctionVersion: '9' })))).name)
      .toBe('ResourceNotFoundException');

    await client.send(new UpdateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '2' }));
    const moved = await client.send(new InvokeCommand({ FunctionName: 'versioned', Qualifier: 'live' }));
    expect(moved.ExecutedVersion).toBe('2');
    expect(body(moved)['env']).toMatchObject({ GREETING: 'v2' });
    expect((await client.send(new GetAliasCommand({ FunctionName: 'versioned', Name: 'live' }))).FunctionVersion).toBe('2');
    expect((await client.send(new ListAliasesCommand({ FunctionName: 'versioned' }))).Aliases?.map((a) => a.Name)).toEqual(['live']);

    await client.send(new DeleteAliasCommand({ FunctionName: 'versioned', Name: 'live' }));
    expect((await failure(client.send(new GetAliasCommand({ FunctionName: 'versioned', Name: 'live' })))).name).toBe('ResourceNotFoundException');
    expect((await failure(client.send(new InvokeCommand({ FunctionName: 'versioned:live' })))).name).toBe('ResourceNotFoundException');
  });

  it('deletes a published version with DeleteFunction and a Qualifier, never one an alias references, and its provisioned concurrency with it', async () => {
    // https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html: "You can't delete a version that an alias references."
    const v1 = await client.send(new PublishVersionCommand({ FunctionName: 'deletable', Description: 'coldprobe run t' }));
    expect(v1.Version).toBe('1');
    await client.send(new CreateAliasCommand({ FunctionName: 'deletable', Name: 'keep', FunctionVersion: '1' }));
    const referenced = await failure(client.send(new DeleteFunctionCommand({ FunctionName: 'deletable', Qualifier: '1' })));
    expect(referenced).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    expect(referenced.message).toContain('[keep]');
    expect(await failure(client.send(new DeleteFunctionCommand({ FunctionName: 'deletable', Qualifier: '$LATEST' })))).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(await failure(client.send(new DeleteFunctionCommand({ FunctionName: 'deletable', Qualifier: 'keep' })))).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(await failure(client.send(new DeleteFunctionCommand({ FunctionName: 'deletable', Qualifier: '9' })))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    // The emulator's own limit: its functions come from folders, so the whole function is not deleted.
    expect(await failure(client.send(new DeleteFunctionCommand({ FunctionName: 'deletable' })))).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });

    await client.send(new DeleteAliasCommand({ FunctionName: 'deletable', Name: 'keep' }));
    const deleted = await client.send(new DeleteFunctionCommand({ FunctionName: 'deletable', Qualifier: '1' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect((await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'deletable' }))).Versions?.map((v) => v.Version)).toEqual(['$LATEST']);
    expect((await failure(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'deletable', Qualifier: '1' })))).name).toBe('ResourceNotFoundException');
    expect((await failure(client.send(new InvokeCommand({ FunctionName: 'deletable:1' })))).name).toBe('ResourceNotFoundException');

    // Provisioned concurrency set on the version itself goes with the version (name:version in the path).
    const v2 = await client.send(new PublishVersionCommand({ FunctionName: 'deletable' }));
    await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'deletable', Qualifier: v2.Version, ProvisionedConcurrentExecutions: 1 }));
    await client.send(new DeleteFunctionCommand({ FunctionName: `deletable:${v2.Version}` }));
    expect((await client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'deletable' }))).ProvisionedConcurrencyConfigs ?? []).toEqual([]);
    const live = () => emulator.environments().filter((e) => e.functionName === 'deletable' && e.initType === 'provisioned-concurrency' && e.state !== 'exited' && e.state !== 'stopping');
    for (let i = 0; i < 100 && live().length > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live()).toEqual([]);
  });

  it('puts, gets and deletes reserved concurrency on their two API dates, with the unreserved minimum enforced', async () => {
    const put = await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'node-hello', ReservedConcurrentExecutions: 2 }));
    expect(put.ReservedConcurrentExecutions).toBe(2);
    expect((await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'node-hello' }))).ReservedConcurrentExecutions).toBe(2);
    expect((await client.send(new GetFunctionCommand({ FunctionName: 'node-hello' }))).Concurrency?.ReservedConcurrentExecutions).toBe(2);
    const settings = await client.send(new GetAccountSettingsCommand({}));
    expect(settings.AccountLimit).toMatchObject({ ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 998 });

    const tooMuch = await failure(client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'node-sleep', ReservedConcurrentExecutions: 950 })));
    expect(tooMuch).toMatchObject({ name: 'InvalidParameterValueException', status: 400 });
    expect(tooMuch.message).toContain('below its minimum value of [100]');
    const negative = await failure(client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'node-sleep', ReservedConcurrentExecutions: -1 })));
    expect(negative.name).toBe('ValidationException');

    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'node-hello' }));
    expect((await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'node-hello' }))).ReservedConcurrentExecutions).toBeUndefined();
  });

  it('allocates provisioned concurrency on a version through an alias until READY, and validates it as Lambda does', async () => {
    const onLatest = await failure(client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })));
    expect(onLatest.name).toBe('InvalidParameterValueException');
    expect(onLatest.message).toContain('unpublished function versions');

    const version = await client.send(new PublishVersionCommand({ FunctionName: 'pc-echo' }));
    await client.send(new CreateAliasCommand({ FunctionName: 'pc-echo', Name: 'prod', FunctionVersion: version.Version }));
    const zero = await failure(client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: 'prod', ProvisionedConcurrentExecutions: 0 })));
    expect(zero.name).toBe('ValidationException');

    const put = await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: 'prod', ProvisionedConcurrentExecutions: 2 }));
    expect(put.$metadata.httpStatusCode).toBe(202);
    expect(put.RequestedProvisionedConcurrentExecutions).toBe(2);
    expect(['IN_PROGRESS', 'READY']).toContain(put.Status);

    let status = put.Status;
    for (let i = 0; i < 200 && status !== 'READY'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: 'prod' }))).Status;
    }
    expect(status).toBe('READY');
    const ready = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: 'prod' }));
    expect(ready).toMatchObject({ AllocatedProvisionedConcurrentExecutions: 2, AvailableProvisionedConcurrentExecutions: 2 });
    expect(ready.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);

    const invoke = await client.send(new InvokeCommand({ FunctionName: 'pc-echo', Qualifier: 'prod', LogType: 'Tail' }));
    const tail = parseTail(invoke.LogResult);
    expect(tail.initType).toBe('provisioned-concurrency');
    expect(tail.initDurationMs).toBeUndefined();
    expect(body(invoke)['env']).toMatchObject({ AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' });

    const second = await failure(client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: version.Version, ProvisionedConcurrentExecutions: 1 })));
    expect(second).toMatchObject({ name: 'ResourceConflictException', status: 409 });
    const reservedTooLow = await failure(client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc-echo', ReservedConcurrentExecutions: 1 })));
    expect(reservedTooLow.message).toContain("should not be lower than function's total provisioned concurrency [2]");
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc-echo', ReservedConcurrentExecutions: 3 }));
    const overReserved = await failure(client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: 'prod', ProvisionedConcurrentExecutions: 4 })));
    expect(overReserved.message).toContain('should not be greater than the reservedConcurrentExecution');

    const list = await client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc-echo' }));
    expect(list.ProvisionedConcurrencyConfigs?.map((c) => c.FunctionArn)).toEqual([`${ARN}:pc-echo:prod`]);

    await client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: 'prod' }));
    const gone = await failure(client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-echo', Qualifier: 'prod' })));
    expect(gone).toMatchObject({ name: 'ProvisionedConcurrencyConfigNotFoundException', status: 404 });
    const released = () => emulator.environments().filter((e) => e.functionName === 'pc-echo' && e.initType === 'provisioned-concurrency' && e.state !== 'exited' && e.state !== 'stopping');
    for (let i = 0; i < 100 && released().length > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(released()).toEqual([]);
  });

  it('reports provisioned concurrency FAILED with a StatusReason when its environments cannot initialise', async () => {
    const version = await client.send(new PublishVersionCommand({ FunctionName: 'init-throws' }));
    const put = await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'init-throws', Qualifier: version.Version, ProvisionedConcurrentExecutions: 1 }));
    expect(put.$metadata.httpStatusCode).toBe(202);
    let config = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'init-throws', Qualifier: version.Version }));
    for (let i = 0; i < 200 && config.Status === 'IN_PROGRESS'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      config = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'init-throws', Qualifier: version.Version }));
    }
    expect(config.Status).toBe('FAILED');
    expect(config.StatusReason).toBeTruthy();
    await client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'init-throws', Qualifier: version.Version }));
  });

  it('speaks the raw wire protocol: trailing slash, x-amzn-ErrorType on errors, unknown paths left to the caller', async () => {
    const settings = await raw(emulator, 'GET', '/2016-08-19/account-settings/');
    expect(settings.status).toBe(200);
    expect(JSON.parse(settings.text)).toHaveProperty('AccountLimit.ConcurrentExecutions', 1000);

    const encoded = await raw(emulator, 'GET', `/2015-03-31/functions/${encodeURIComponent(`${ARN}:node-hello`)}/configuration/`);
    expect(encoded.status).toBe(200);

    const missing = await raw(emulator, 'GET', '/2015-03-31/functions/nope/configuration');
    expect(missing.status).toBe(404);
    expect(missing.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(missing.headers['x-amzn-requestid']).toBeTruthy();
    expect(JSON.parse(missing.text)).toMatchObject({ Type: 'User', Message: `Function not found: ${ARN}:nope` });

    const badJson = await raw(emulator, 'PUT', '/2017-10-31/functions/node-hello/concurrency', '{not json');
    expect(badJson.status).toBe(400);
    expect(badJson.headers['x-amzn-errortype']).toBe('InvalidRequestContentException');

    const unknown = await raw(emulator, 'GET', '/2099-01-01/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['x-amzn-errortype']).toBeTruthy();
  });
});
