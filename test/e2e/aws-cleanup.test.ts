/**
 * Crash safety on AWS, with a standalone emulator standing in for it (`--endpoint-url`): a `run` with
 * provisioned concurrency, force-cold and a memory change, killed with SIGKILL mid-run, leaves its change
 * journal behind; a new run on the same function refuses to start; `coldprobe cleanup` puts the function back
 * exactly as it was, and a second `cleanup` finds nothing. SIGHUP (a closed terminal) cleans up by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, ListProvisionedConcurrencyConfigsCommand } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/api.js';
import { startEmulator } from '../../src/emulator/index.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../profiles/functions', import.meta.url));

let dir: string;
let emulator: Emulator;
let lambda: LambdaClient;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-cleanup-'));
  emulator = await startEmulator({ functionsDirs: [SAMPLES], log: () => undefined });
  lambda = new LambdaClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  writeFileSync(
    join(dir, 'pc.yaml'),
    [
      'name: pc',
      'target:',
      '  kind: aws',
      '  region: us-east-1',
      'functions:',
      '  - name: node-sleep',
      '    runtime: nodejs20.x',
      'matrix:',
      '  memoryMb: [256]',
      '  provisioned: [2]',
      'burst:',
      '  n: 2',
      '  waves: 4',
      '  interval: 3s',
      '  forceCold: true',
      'payload: {}',
      '',
    ].join('\n'),
  );
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  lambda.destroy();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], onOutput?: (text: string, child: ChildProcess) => void): Promise<Run> {
  const env = {
    ...process.env,
    NO_COLOR: '1',
    CI: '1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_REGION: 'us-east-1',
    COLDPROBE_JOURNAL_DIR: join(dir, 'journal'),
  };
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env });
  children.push(child);
  let stdout = '';
  let stderr = '';
  // The plain progress lines go to stdout or stderr depending on --json; watch both.
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
    onOutput?.(stdout + stderr, child);
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
    onOutput?.(stdout + stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** What a run may change on node-sleep, as the control plane shows it. */
async function state(): Promise<{ memoryMb?: number; nonce?: string; provisioned: number; alias: boolean }> {
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'node-sleep' }));
  const pcs = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'node-sleep' }));
  const alias = await lambda.send(new GetAliasCommand({ FunctionName: 'node-sleep', Name: 'coldprobe' })).then(
    () => true,
    () => false,
  );
  return {
    ...(config.MemorySize !== undefined ? { memoryMb: config.MemorySize } : {}),
    ...(config.Environment?.Variables?.['COLDPROBE_COLD_NONCE'] !== undefined ? { nonce: config.Environment.Variables['COLDPROBE_COLD_NONCE'] } : {}),
    provisioned: pcs.ProvisionedConcurrencyConfigs?.length ?? 0,
    alias,
  };
}

const runArgs = (): string[] => ['run', 'pc.yaml', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--yes', '--no-tui', '--out', join(dir, 'r.json')];
/** The run is in its bursts: provisioned concurrency is READY and every change is made. */
const inBursts = (text: string): boolean => /idle-wait/.test(text);

describe('crash safety of changes to real functions', () => {
  it('SIGKILL mid-run leaves a journal; a new run refuses; coldprobe cleanup restores the function; twice is safe', async () => {
    const before = await state();
    expect(before).toEqual({ memoryMb: 128, provisioned: 0, alias: false });

    const killed = await start(runArgs(), (text, child) => {
      if (inBursts(text) && child.exitCode === null) child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    const left = await state();
    expect(left.memoryMb).toBe(256);
    expect(left.provisioned).toBe(1);
    expect(left.alias).toBe(true);
    expect(left.nonce).toBeDefined();
    expect(readdirSync(join(dir, 'journal'))).toHaveLength(1);

    const refused = await start(runArgs());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/'node-sleep' still carries changes of the run started .*; run 'coldprobe cleanup' first\./);

    const dry = await start(['cleanup', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would /);
    expect(await state()).toEqual(left);

    const cleanup = await start(['cleanup']);
    expect(cleanup.code, cleanup.stderr + cleanup.stdout).toBe(0);
    expect(await state()).toEqual(before);
    expect(readdirSync(join(dir, 'journal'))).toEqual([]);

    const again = await start(['cleanup']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('coldprobe cleanup: nothing to put back.\n');
  });

  it('SIGHUP mid-run (a closed terminal) stops sending, cleans up by itself and exits 130', async () => {
    const before = await state();
    let hungUp = false;
    const hung = await start(runArgs(), (text, child) => {
      if (inBursts(text) && !hungUp) {
        hungUp = true;
        child.kill('SIGHUP');
      }
    });
    expect(hung.code).toBe(130);
    expect(await state()).toEqual(before);
    expect(readdirSync(join(dir, 'journal'))).toEqual([]);
  });
});

describe('reserved concurrency 0', () => {
  it('needs its own confirmation: --yes alone is refused before anything changes', async () => {
    writeFileSync(
      join(dir, 'rc0.yaml'),
      ['name: rc0', 'target:', '  kind: aws', '  region: us-east-1', 'functions:', '  - name: node-sleep', '    runtime: nodejs20.x',
        'matrix:', '  memoryMb: [128]', '  provisioned: [0]', '  reservedConcurrency: [0]', 'burst:', '  n: 1', 'payload: {}', ''].join('\n'),
    );
    const refused = await start(['run', 'rc0.yaml', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--yes', '--no-tui', '--out', join(dir, 'r.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/reserved concurrency 0 on 'node-sleep' stops every invocation of it, production traffic included, until coldprobe puts it back; add --allow-reserved-zero to confirm that on its own\./);
    const allowed = await start(['run', 'rc0.yaml', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--yes', '--allow-reserved-zero', '--no-tui', '--out', join(dir, 'r.json')]);
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});
