import { describe, expect, it } from 'vitest';
import type { FunctionDefinition } from '../../src/emulator/api.js';
import { FunctionDefinitionError, parseFunctionJson } from '../../src/emulator/function-folder.js';
import { Registry } from '../../src/emulator/registry.js';
import { LambdaApiError } from '../../src/emulator/registry-types.js';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function';

const definition = (name: string, overrides: Partial<FunctionDefinition> = {}): FunctionDefinition => ({
  name,
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  codeDir: '/nonexistent/coldprobe-test',
  memoryMb: 128,
  timeoutS: 3,
  environment: { A: '1' },
  description: '',
  ...overrides,
});

const registry = (accountConcurrency = 1000): Registry => {
  const r = new Registry({ region: 'us-east-1', accountId: '123456789012', accountConcurrency, now: () => new Date('2026-01-02T03:04:05.678Z') });
  r.register(definition('f'));
  r.register(definition('g'));
  return r;
};

/** The Lambda error a registry call throws. */
function thrown(fn: () => unknown): { status: number; type: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof LambdaApiError) return error.serviceError;
    throw error;
  }
  throw new Error('expected a LambdaApiError');
}

describe('Registry', () => {
  it('resolves invokes by qualifier and says which ARN was not found', () => {
    const r = registry();
    const latest = r.resolveInvoke({ functionName: 'f' });
    expect(latest).toMatchObject({ executedVersion: '$LATEST', invokedArn: `${ARN}:f`, config: { functionArn: `${ARN}:f`, generation: 1 } });
    expect(r.resolveInvoke({ functionName: 'f', qualifier: '$LATEST' })).toMatchObject({ invokedArn: `${ARN}:f:$LATEST` });
    expect(r.resolveInvoke({ functionName: 'nope' })).toEqual({ notFound: `Function not found: ${ARN}:nope` });
    expect(r.resolveInvoke({ functionName: 'f', qualifier: '7' })).toEqual({ notFound: `Function not found: ${ARN}:f:7` });
    expect(r.resolveInvoke({ functionName: 'f', qualifier: 'live' })).toEqual({ notFound: `Function not found: ${ARN}:f:live` });
  });

  it('keeps invokes on the applied config while an update is in progress, then bumps the generation', () => {
    const r = registry();
    const shown = r.beginUpdate('f', { memoryMb: 256, environment: { B: '2' } });
    expect(shown).toMatchObject({ memoryMb: 256, environment: { B: '2' } });
    expect(shown.lastModified).toBe('2026-01-02T03:04:05.678+0000');
    expect(r.get({ functionName: 'f' }).lastUpdateStatus).toBe('InProgress');
    expect(r.resolveInvoke({ functionName: 'f' })).toMatchObject({ config: { memoryMb: 128, environment: { A: '1' }, generation: 1 } });
    expect(thrown(() => r.beginUpdate('f', { timeoutS: 5 }))).toMatchObject({ status: 409, type: 'ResourceConflictException' });
    expect(thrown(() => r.publishVersion('f', {}))).toMatchObject({ status: 409 });

    expect(r.applyUpdate('f')).toBe(2);
    expect(r.applyUpdate('f')).toBe(0);
    expect(r.get({ functionName: 'f' }).lastUpdateStatus).toBe('Successful');
    expect(r.resolveInvoke({ functionName: 'f' })).toMatchObject({ config: { memoryMb: 256, environment: { B: '2' }, generation: 2 } });
    expect(thrown(() => r.beginUpdate('f', { revisionId: 'stale' }))).toMatchObject({ status: 412, type: 'PreconditionFailedException' });
  });

  it('publishes snapshots, returns the newest version when nothing changed, and resolves aliases to versions', () => {
    const r = registry();
    expect(r.publishVersion('f', {}).version).toBe('1');
    expect(r.publishVersion('f', { description: 'again' }).version).toBe('1');
    r.beginUpdate('f', { timeoutS: 9 });
    r.applyUpdate('f');
    expect(r.publishVersion('f', {}).version).toBe('2');
    expect(r.listVersions('f').map((v) => v.version)).toEqual(['$LATEST', '1', '2']);

    r.createAlias('f', { name: 'live', functionVersion: '1' });
    expect(r.resolveInvoke({ functionName: 'f', qualifier: 'live' })).toMatchObject({
      executedVersion: '1',
      invokedArn: `${ARN}:f:live`,
      config: { version: '1', timeoutS: 3, generation: 1 },
    });
    expect(r.resolveInvoke({ functionName: 'f', qualifier: '2' })).toMatchObject({ config: { version: '2', timeoutS: 9 } });
    expect(thrown(() => r.createAlias('f', { name: 'live', functionVersion: '2' }))).toMatchObject({ status: 409 });
    expect(thrown(() => r.createAlias('f', { name: '12', functionVersion: '2' }))).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(thrown(() => r.createAlias('f', { name: 'x', functionVersion: '3' }))).toMatchObject({ status: 404 });
  });

  it('enforces the unreserved minimum and provisioned concurrency against reserved', () => {
    const r = registry();
    expect(r.putReservedConcurrency('f', 900)).toBe(900);
    expect(thrown(() => r.putReservedConcurrency('g', 1))).toMatchObject({ status: 400, message: expect.stringContaining('minimum value of [100]') });
    expect(r.totalReserved()).toBe(900);
    r.putReservedConcurrency('f', 2);
    r.publishVersion('f', {});
    r.createAlias('f', { name: 'live', functionVersion: '1' });
    expect(thrown(() => r.putProvisioned('f', 'live', 3))).toMatchObject({ status: 400, message: expect.stringContaining('reservedConcurrentExecution') });
    const { changes } = r.putProvisioned('f', 'live', 2);
    expect(changes).toEqual([{ key: 'f:1', version: '1', count: 2 }]);
    expect(thrown(() => r.putReservedConcurrency('f', 1))).toMatchObject({ message: expect.stringContaining("total provisioned concurrency [2]") });
    expect(r.resolveInvoke({ functionName: 'f', qualifier: 'live' })).toMatchObject({ provisionedKey: 'f:1', reservedConcurrency: 2 });
    // The version itself has no config of its own, and $LATEST never uses provisioned environments.
    expect(r.resolveInvoke({ functionName: 'f', qualifier: '1' })).not.toHaveProperty('provisionedKey');
    expect(r.resolveInvoke({ functionName: 'f' })).not.toHaveProperty('provisionedKey');
  });

  it('validates provisioned-concurrency qualifiers and moves a config with its alias', () => {
    const r = registry();
    expect(thrown(() => r.putProvisioned('f', undefined, 1))).toMatchObject({ status: 400, message: expect.stringContaining('alias or a published version') });
    expect(thrown(() => r.putProvisioned('f', '$LATEST', 1))).toMatchObject({ status: 400, message: expect.stringContaining('unpublished') });
    expect(thrown(() => r.putProvisioned('f', '1', 1))).toMatchObject({ status: 404 });
    r.publishVersion('f', {});
    r.beginUpdate('f', { description: 'v2' });
    r.applyUpdate('f');
    r.beginUpdate('f', { memoryMb: 512 });
    r.applyUpdate('f');
    r.publishVersion('f', {});
    r.createAlias('f', { name: 'live', functionVersion: '1' });
    r.putProvisioned('f', 'live', 2);
    expect(thrown(() => r.putProvisioned('f', '1', 1))).toMatchObject({ status: 409, type: 'ResourceConflictException' });
    const moved = r.updateAlias('f', 'live', { functionVersion: '2' });
    expect(moved.changes).toEqual([{ key: 'f:1', version: '1', count: 0 }, { key: 'f:2', version: '2', count: 2 }]);
    expect(r.getProvisioned('f', 'live').key).toBe('f:2');
    expect(r.listProvisioned('f').map((p) => p.record.qualifier)).toEqual(['live']);
    expect(r.deleteAlias('f', 'live')).toEqual([{ key: 'f:2', version: '2', count: 0 }]);
    expect(thrown(() => r.getProvisioned('f', '2'))).toMatchObject({ status: 404, type: 'ProvisionedConcurrencyConfigNotFoundException' });
  });

  it('keeps counting generations when a function is registered again', () => {
    const r = registry();
    r.register(definition('f', { memoryMb: 1024 }));
    expect(r.resolveInvoke({ functionName: 'f' })).toMatchObject({ config: { memoryMb: 1024, generation: 2 } });
  });
});

describe('parseFunctionJson', () => {
  const parse = (raw: unknown, name = 'fn'): FunctionDefinition => parseFunctionJson(raw, '/x/fn/function.json', name, '/x/fn');

  it('fills Lambda defaults and keeps the folder as code dir', () => {
    expect(parse({ runtime: 'python3.11', handler: 'app.handler' })).toEqual({
      name: 'fn', runtime: 'python3.11', handler: 'app.handler', codeDir: '/x/fn', memoryMb: 128, timeoutS: 3, environment: {}, description: '',
    });
    expect(parse({ runtime: 'provided.al2023' }).handler).toBe('bootstrap');
  });

  const bad: Array<[unknown, string, RegExp]> = [
    [[], 'fn', /must hold a JSON object/],
    [{ runtime: 'java21', handler: 'a.b' }, 'fn', /field "runtime"/],
    [{ runtime: 'nodejs20.x' }, 'fn', /field "handler"/],
    [{ runtime: 'nodejs20.x', handler: 'index' }, 'fn', /field "handler" must look like "file.function"/],
    [{ runtime: 'nodejs20.x', handler: 'i.h', memoryMb: 64 }, 'fn', /field "memoryMb" must be a whole number from 128 to 10240, got 64/],
    [{ runtime: 'nodejs20.x', handler: 'i.h', timeoutS: 0 }, 'fn', /field "timeoutS" must be a whole number from 1 to 900, got 0/],
    [{ runtime: 'nodejs20.x', handler: 'i.h', timeoutS: 1.5 }, 'fn', /field "timeoutS"/],
    [{ runtime: 'nodejs20.x', handler: 'i.h', environment: { A: 1 } }, 'fn', /field "environment.A" must be a string/],
    [{ runtime: 'nodejs20.x', handler: 'i.h', memory: 128 }, 'fn', /unknown field "memory"/],
    [{ runtime: 'nodejs20.x', handler: 'i.h' }, 'bad name', /folder name 'bad name'/],
  ];
  it.each(bad)('rejects %j (folder %s) naming the file and field', (raw, name, message) => {
    let error: unknown;
    try {
      parse(raw, name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FunctionDefinitionError);
    expect((error as Error).message).toMatch(/^\/x\/fn\/function\.json: /);
    expect((error as Error).message).toMatch(message);
  });
});
