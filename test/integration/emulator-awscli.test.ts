/**
 * The real AWS CLI against the emulator, as README's standalone section tells users to run it: invoke with a
 * log tail, reserved and provisioned concurrency, configuration, and an error as the CLI prints it. Dummy
 * credentials and no user config reach the child. Skipped, saying why, when `aws` is not on PATH.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/api.js';
import { startEmulator } from '../../src/emulator/index.js';
import { parseTail } from './emulator-helpers.js';

const SAMPLES = fileURLToPath(new URL('../../profiles/functions/', import.meta.url));

/** `aws --version` prints e.g. `aws-cli/1.45.11 Python/3.11.7 …` (v1 on stderr, v2 on stdout). */
const probe = spawnSync('aws', ['--version'], { encoding: 'utf8' });
const versionText = `${probe.stdout ?? ''}${probe.stderr ?? ''}`;
const awsMajor = probe.error === undefined && probe.status === 0 ? Number(/aws-cli\/(\d+)/.exec(versionText)?.[1] ?? 0) : 0;
const skipReason = awsMajor === 0 ? ' (skipped: `aws` is not on PATH)' : '';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(awsMajor === 0)(`the AWS CLI against the emulator${skipReason}`, () => {
  let emulator: Emulator;
  let scratch: string;

  /** Runs `aws lambda <args>` against the emulator with dummy credentials, one attempt, no user config. */
  const aws = (...args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env['PATH'],
        HOME: scratch,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'dummy-secret',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: join(scratch, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-credentials'),
        AWS_MAX_ATTEMPTS: '1',
        AWS_PAGER: '',
      };
      execFile('aws', ['lambda', ...args, '--endpoint-url', emulator.endpoint, '--output', 'json'], { env, timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      });
    });
  /** `--payload` is raw JSON for CLI v1; v2 needs `--cli-binary-format raw-in-base64-out` (and v1 rejects that flag). */
  const payloadArgs = (json: string): string[] => (awsMajor >= 2 ? ['--cli-binary-format', 'raw-in-base64-out', '--payload', json] : ['--payload', json]);
  const parsed = (result: CliResult): Record<string, unknown> => {
    expect(result.stderr.replace(/^.*AWS CLI version 2.*$/m, '').trim()).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'coldprobe-awscli-'));
    emulator = await startEmulator({ functionsDirs: [SAMPLES] });
  });

  afterAll(async () => {
    await emulator.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('invokes with --log-type Tail: cold REPORT with Init Duration, then warm; the payload lands in the out file', async () => {
    const outFile = join(scratch, 'out.json');
    const first = parsed(await aws('invoke', '--function-name', 'node-hello', ...payloadArgs('{"from":"aws-cli"}'), '--log-type', 'Tail', outFile));
    expect(first).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(first['FunctionError']).toBeUndefined();
    const tail = parseTail(String(first['LogResult']));
    expect(tail.lastLine).toMatch(/^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);
    expect(JSON.parse(readFileSync(outFile, 'utf8'))).toMatchObject({ event: { from: 'aws-cli' } });

    const second = parsed(await aws('invoke', '--function-name', 'arn:aws:lambda:us-east-1:123456789012:function:node-hello', ...payloadArgs('{}'), '--log-type', 'Tail', outFile));
    const warm = parseTail(String(second['LogResult']));
    expect(warm.initDurationMs).toBeUndefined();
    expect(warm.envId).toBe(tail.envId);
  });

  it('reports a function error the way the CLI shows it from AWS', async () => {
    const outFile = join(scratch, 'error.json');
    const result = parsed(await aws('invoke', '--function-name', 'node-throws', ...payloadArgs('{}'), outFile));
    expect(result).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(readFileSync(outFile, 'utf8'))).toMatchObject({ errorType: 'Error', errorMessage: 'boom from node-throws' });
  });

  it('put-function-concurrency and get-function-configuration', async () => {
    expect(parsed(await aws('put-function-concurrency', '--function-name', 'node-sleep', '--reserved-concurrent-executions', '3')))
      .toEqual({ ReservedConcurrentExecutions: 3 });
    const config = parsed(await aws('get-function-configuration', '--function-name', 'python-hello'));
    expect(config).toMatchObject({ FunctionName: 'python-hello', Runtime: 'python3.11', MemorySize: 128, State: 'Active', LastUpdateStatus: 'Successful' });
  });

  it('put-provisioned-concurrency-config on a published version reaches READY', async () => {
    const version = parsed(await aws('publish-version', '--function-name', 'node-hello'));
    expect(version['Version']).toBe('1');
    const put = parsed(await aws('put-provisioned-concurrency-config', '--function-name', 'node-hello', '--qualifier', '1', '--provisioned-concurrent-executions', '1'));
    expect(put).toMatchObject({ RequestedProvisionedConcurrentExecutions: 1 });
    expect(['IN_PROGRESS', 'READY']).toContain(put['Status']);
    let status = put['Status'];
    for (let i = 0; i < 20 && status !== 'READY'; i += 1) {
      status = parsed(await aws('get-provisioned-concurrency-config', '--function-name', 'node-hello', '--qualifier', '1'))['Status'];
    }
    expect(status).toBe('READY');
  });

  it('prints service errors with the exception name, as against AWS', async () => {
    const missing = await aws('invoke', '--function-name', 'no-such-function', ...payloadArgs('{}'), join(scratch, 'x.json'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('An error occurred (ResourceNotFoundException) when calling the Invoke operation');
    const onLatest = await aws('put-provisioned-concurrency-config', '--function-name', 'node-hello', '--qualifier', '$LATEST', '--provisioned-concurrent-executions', '1');
    expect(onLatest.code).not.toBe(0);
    expect(onLatest.stderr).toContain('(InvalidParameterValueException)');
  });
});
