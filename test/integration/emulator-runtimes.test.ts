/**
 * The python and provided runtimes and the sample functions, through the real SDK and real child processes:
 * cold then warm, Python's error shape for a raising handler and for init failures, the custom-runtime
 * `bootstrap` speaking the Runtime API itself, and the node samples behaving as their descriptions say.
 */
import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator, FunctionDefinition } from '../../src/emulator/api.js';
import { startEmulator } from '../../src/emulator/index.js';
import { parseTail, sdkClient } from './emulator-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../profiles/functions/', import.meta.url));

const json = (out: InvokeCommandOutput): Record<string, unknown> =>
  JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
const payload = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));

describe('emulator runtimes and sample functions', () => {
  let emulator: Emulator;
  let client: LambdaClient;
  let scratch: string;

  /** A one-file Python function (`app.py`) in the scratch folder. */
  const python = (name: string, handler: string, source: string): FunctionDefinition => {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.py'), source);
    return { name, runtime: 'python3.11', handler, codeDir: dir, memoryMb: 128, timeoutS: 3, environment: {}, description: '' };
  };

  /** A node function from `files` (name → source) in the scratch folder. */
  const node = (name: string, handler: string, files: Record<string, string>): FunctionDefinition => {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, source] of Object.entries(files)) writeFileSync(join(dir, file), source);
    return { name, runtime: 'nodejs20.x', handler, codeDir: dir, memoryMb: 128, timeoutS: 3, environment: {}, description: '' };
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'coldprobe-runtimes-'));
    emulator = await startEmulator({
      functionsDirs: [SAMPLES],
      functions: [
        node('node-esm-js', 'app.handler', { 'package.json': '{"type":"module"}', 'app.js': 'export const handler = async (e) => ({ esm: import.meta.url.endsWith("app.js"), e });\n' }),
        node('node-cjs-missing-dep', 'app.handler', { 'app.js': 'require("no-such-package-anywhere");\nexports.handler = async () => 1;\n' }),
        node('node-cjs-nested', 'app.handlers.main', { 'app.cjs': 'module.exports = { handlers: { main: async () => "nested" } };\n' }),
        python('py-raises', 'app.handler', 'class PaymentDeclined(Exception):\n    pass\n\ndef handler(event, context):\n    raise PaymentDeclined("card declined for " + context.function_name)\n'),
        python('py-import-error', 'app.handler', 'import module_that_does_not_exist\n\ndef handler(event, context):\n    return 1\n'),
        python('py-no-handler', 'app.missing', 'def handler(event, context):\n    return 1\n'),
        python('py-context', 'app.handler',
          'import os\n\ndef handler(event, context):\n    return {"remaining": context.get_remaining_time_in_millis(), "arn": context.invoked_function_arn,'
          + ' "memory": context.memory_limit_in_mb, "version": context.function_version, "trace": os.environ.get("_X_AMZN_TRACE_ID")}\n'),
      ],
    });
    client = sdkClient(emulator);
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('python-hello: cold with Init Duration, then warm on the same environment without it', async () => {
    const first = await client.send(new InvokeCommand({ FunctionName: 'python-hello', Payload: payload({ n: 1 }), LogType: 'Tail' }));
    const second = await client.send(new InvokeCommand({ FunctionName: 'python-hello', Payload: payload({ n: 2 }), LogType: 'Tail' }));
    const a = parseTail(first.LogResult);
    const b = parseTail(second.LogResult);
    expect(a.initDurationMs).toBeGreaterThan(0);
    expect(b.initDurationMs).toBeUndefined();
    expect(b.envId).toBe(a.envId);
    expect(first.FunctionError).toBeUndefined();
    expect(json(second)).toEqual({ message: 'hello from python', requestId: second.$metadata.requestId, event: { n: 2 } });
    expect(a.text).toContain(`python-hello invoked ${first.$metadata.requestId}`);
  });

  it('python: a raising handler gives Python\'s error document, the environment survives', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'py-raises', LogType: 'Tail' }));
    expect(out.FunctionError).toBe('Unhandled');
    const error = json(out);
    expect(error).toMatchObject({ errorType: 'PaymentDeclined', errorMessage: 'card declined for py-raises', requestId: out.$metadata.requestId });
    expect(error['stackTrace']).toEqual(expect.arrayContaining([expect.stringContaining('app.py')]));
    const again = await client.send(new InvokeCommand({ FunctionName: 'py-raises', LogType: 'Tail' }));
    expect(again.FunctionError).toBe('Unhandled');
    expect(parseTail(again.LogResult).envId).toBe(parseTail(out.LogResult).envId);
  });

  it('python: init failures report Runtime.ImportModuleError and Runtime.HandlerNotFound', async () => {
    const imp = await client.send(new InvokeCommand({ FunctionName: 'py-import-error' }));
    expect(imp.FunctionError).toBe('Unhandled');
    expect(json(imp)).toMatchObject({ errorType: 'Runtime.ImportModuleError' });
    expect(String(json(imp)['errorMessage'])).toContain("Unable to import module 'app'");
    const missing = await client.send(new InvokeCommand({ FunctionName: 'py-no-handler' }));
    expect(missing.FunctionError).toBe('Unhandled');
    expect(json(missing)).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: "Handler 'missing' missing on module 'app'" });
  });

  it('node: a .js handler under "type": "module" loads as an ES module, CommonJS ones through require', async () => {
    const esm = await client.send(new InvokeCommand({ FunctionName: 'node-esm-js', Payload: payload({ n: 1 }) }));
    expect(esm.FunctionError).toBeUndefined();
    expect(json(esm)).toEqual({ esm: true, e: { n: 1 } });
    const nested = await client.send(new InvokeCommand({ FunctionName: 'node-cjs-nested' }));
    expect(Buffer.from(nested.Payload ?? new Uint8Array()).toString('utf8')).toBe('"nested"');
    const missing = await client.send(new InvokeCommand({ FunctionName: 'node-cjs-missing-dep' }));
    expect(missing.FunctionError).toBe('Unhandled');
    expect(json(missing)).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringContaining('no-such-package-anywhere') });
  });

  it('python: the context object carries the deadline, invoked ARN, memory and version', async () => {
    const out = await client.send(new InvokeCommand({ FunctionName: 'py-context', Qualifier: '$LATEST' }));
    const context = json(out);
    expect(context['remaining']).toBeGreaterThan(0);
    expect(context['remaining']).toBeLessThanOrEqual(3000);
    expect(context).toMatchObject({ arn: 'arn:aws:lambda:us-east-1:123456789012:function:py-context:$LATEST', memory: '128', version: '$LATEST' });
  });

  it('provided-hello: its own bootstrap reads the request id header and answers; cold then warm', async () => {
    const first = await client.send(new InvokeCommand({ FunctionName: 'provided-hello', Payload: payload({ k: 'v' }), LogType: 'Tail' }));
    const second = await client.send(new InvokeCommand({ FunctionName: 'provided-hello', Payload: payload({ k: 'w' }), LogType: 'Tail' }));
    expect(first.FunctionError).toBeUndefined();
    expect(json(first)).toEqual({ message: 'hello from provided', requestId: first.$metadata.requestId, event: { k: 'v' } });
    expect(json(second)).toEqual({ message: 'hello from provided', requestId: second.$metadata.requestId, event: { k: 'w' } });
    const a = parseTail(first.LogResult);
    const b = parseTail(second.LogResult);
    expect(a.initDurationMs).toBeGreaterThan(0);
    expect(b.initDurationMs).toBeUndefined();
    expect(b.envId).toBe(a.envId);
    expect(b.text).toMatch(/provided-hello handling \S+ \(deadline \d{13}\)/);
  });

  it('node samples: node-throws fails with trace, node-sleep sleeps as asked, node-heavy-init pays its init', async () => {
    const thrown = await client.send(new InvokeCommand({ FunctionName: 'node-throws' }));
    expect(thrown.FunctionError).toBe('Unhandled');
    expect(json(thrown)).toMatchObject({ errorType: 'Error', errorMessage: 'boom from node-throws' });
    expect(json(thrown)['trace']).toEqual(expect.arrayContaining([expect.stringContaining('boom from node-throws')]));

    const slept = await client.send(new InvokeCommand({ FunctionName: 'node-sleep', Payload: payload({ sleepMs: 150 }), LogType: 'Tail' }));
    expect(json(slept)).toEqual({ sleptMs: 150 });
    expect(parseTail(slept.LogResult).durationMs).toBeGreaterThanOrEqual(140);
    const byDefault = await client.send(new InvokeCommand({ FunctionName: 'node-sleep', Payload: payload({}) }));
    expect(json(byDefault)).toEqual({ sleptMs: 200 });

    const heavy = await client.send(new InvokeCommand({ FunctionName: 'node-heavy-init', LogType: 'Tail' }));
    const tail = parseTail(heavy.LogResult);
    expect(json(heavy)).toMatchObject({ mode: 'cpu' });
    expect(Number(json(heavy)['initMs'])).toBeGreaterThanOrEqual(800);
    // Init Duration covers the whole module load, so it is at least the configured delay.
    expect(tail.initDurationMs).toBeGreaterThanOrEqual(800);
  });
});
