/**
 * Matrix runs against the real emulator (real child processes, the real SDK): configured memory reaches the
 * function, provisioned concurrency serves part of a burst warm, and the cleanup ledger puts everything back
 * after an interrupted run, through the AWS target's code path pointed at the emulator's control plane.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { GetAliasCommand, GetProvisionedConcurrencyConfigCommand, ListProvisionedConcurrencyConfigsCommand } from '@aws-sdk/client-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../../src/core/cost.js';
import type { RunEvent } from '../../src/core/events.js';
import { expandMatrix, type MatrixInput } from '../../src/core/matrix.js';
import type { PlannedCell } from '../../src/core/plan.js';
import type { PriceTable } from '../../src/core/cost.js';
import type { EventSink } from '../../src/core/events.js';
import type { AliasOps } from '../../src/engine/cleanup.js';
import { executeRun, runAliasName } from '../../src/engine/run.js';
import type { Target } from '../../src/targets/target.js';
import { sdkAliasOps } from '../../src/cli/commands/run-aliases.js';
import { main } from '../../src/cli/main.js';
import { readResultsFile } from '../../src/io/results-file.js';
import { createAwsTarget } from '../../src/targets/aws.js';
import type { SdkTarget } from '../../src/targets/sdk-target.js';
import { useTargets } from './target-helpers.js';

const payload = new TextEncoder().encode('{}');

const { track, emulatorTarget } = useTargets();

/** A matrix run through the one engine, as `coldprobe run` drives it. */
function runMatrix(o: { target: Target; cells: PlannedCell[]; payload: Uint8Array; prices: PriceTable; emit: EventSink; signal?: AbortSignal; maxGraceMs?: number; aliases?: AliasOps }) {
  const { target, cells, payload, ...deps } = o;
  return executeRun({ cells, payload }, target, { ...deps, runId: RUN_ID });
}

/** The run id every matrix run here uses, so its alias name is known. */
const RUN_ID = 'matrix-test';
const ALIAS = runAliasName(RUN_ID);

const burst = (n: number, forceCold = true): MatrixInput['burst'] => ({ n, waves: 1, intervalMs: 0, forceCold });

describe('matrix runs on the emulator', () => {
  it('a 2 × 2 matrix gives four cells, each with its configured memory visible to the function', async () => {
    const target = await emulatorTarget();
    const cells = expandMatrix({
      functions: [
        { name: 'node-hello', runtime: 'nodejs20.x' },
        { name: 'python-hello', runtime: 'python3.11' },
      ],
      memoryMb: [128, 256],
      provisioned: [0],
      burst: burst(3),
    });
    const events: RunEvent[] = [];
    const result = await runMatrix({ target, cells, payload, prices: DEFAULT_PRICES, emit: (e) => events.push(e) });
    expect(result.error).toBeUndefined();
    expect(result.cells.map((c) => c.spec.id)).toEqual(['node-hello-128mb-pc0', 'node-hello-256mb-pc0', 'python-hello-128mb-pc0', 'python-hello-256mb-pc0']);
    for (const cell of result.cells) {
      expect(cell.records).toHaveLength(3);
      // The REPORT line's Memory Size is what the runtime was started with (AWS_LAMBDA_FUNCTION_MEMORY_SIZE).
      expect(cell.records.map((r) => r.report?.memorySizeMb)).toEqual([cell.spec.memoryMb, cell.spec.memoryMb, cell.spec.memoryMb]);
      // Forced cold between cells: no cell inherits the previous cell's warm environments.
      expect(cell.summary.cold).toBe(3);
      expect(cell.cost?.perThousandUsd).toBeGreaterThan(0);
    }
    // 256 MB bills twice the GB-s of 128 MB per billed ms: the estimate follows memory.
    expect(events.filter((e) => e.type === 'cell-start')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'cell-end')).toHaveLength(4);
    // Memory is put back to the function's original 128 MB.
    expect(result.cleanup.done).toEqual(['restore memory of node-hello to 128 MB', 'restore memory of python-hello to 128 MB']);
    expect((await target.getFunction('node-hello')).memoryMb).toBe(128);
  });

  it('provisioned concurrency 5 against a burst of 10 gives 5 warm and 5 cold', async () => {
    const target = await emulatorTarget();
    // node-sleep holds each environment 1.5 s (payload sleepMs), far longer than the release takes even on a busy
    // machine, so a provisioned environment cannot finish and take a second invocation of the same burst
    // (node-hello can, as on Lambda).
    const cells = expandMatrix({ functions: [{ name: 'node-sleep', runtime: 'nodejs20.x' }], memoryMb: [128], provisioned: [5], burst: burst(10) });
    const slow = new TextEncoder().encode('{"sleepMs":1500}');
    const result = await runMatrix({ target, cells, payload: slow, prices: DEFAULT_PRICES, emit: () => undefined, aliases: sdkAliasOps(target.client) });
    expect(result.error).toBeUndefined();
    const cell = result.cells[0];
    // Invoked through the run's own alias, which pointed at the version the cell published.
    expect(cell?.spec.qualifier).toBe(ALIAS);
    const version = result.versions[0]?.split(':')[1];
    expect(version).toMatch(/^\d+$/);
    expect(cell?.records).toHaveLength(10);
    expect(cell?.summary.warm).toBe(5);
    expect(cell?.summary.cold).toBe(5);
    // Emulator truth agrees: the warm ones ran on provisioned environments.
    const provisioned = cell?.records.filter((r) => r.env?.initType === 'provisioned-concurrency') ?? [];
    expect(provisioned).toHaveLength(5);
    expect(provisioned.every((r) => r.classification === 'warm')).toBe(true);
    expect(cell?.records.every((r) => r.executedVersion === version)).toBe(true);
    // The cell released its provisioned concurrency itself; cleanup deleted the alias and the version it created.
    expect(result.cleanup.done).toEqual([
      `delete alias node-sleep:${ALIAS}`,
      `delete version ${version} of node-sleep (published by coldprobe)`,
      'restore memory of node-sleep to 128 MB',
    ]);
    await expect(target.getFunction('node-sleep', version)).rejects.toThrow(/not found/);
    await expect(target.client.send(new GetAliasCommand({ FunctionName: 'node-sleep', Name: ALIAS }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(cell?.cost?.totalUsd).toBeGreaterThan(5 * (128 / 1024) * 300 * DEFAULT_PRICES.provisionedPerGbSecond * 0.99);
  });

  it('after an interrupted run, cleanup deletes provisioned concurrency and restores memory and reserved concurrency (AWS target path)', async () => {
    const emulator = await emulatorTarget();
    const aws = await createAwsTarget({
      region: 'us-east-1',
      endpoint: emulator.emulator.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      allowMutations: true,
    });
    track(aws);
    expect(aws.kind).toBe('aws');
    const cells = expandMatrix({
      functions: [{ name: 'node-sleep', runtime: 'nodejs20.x' }],
      memoryMb: [256, 512],
      provisioned: [2],
      reservedConcurrency: [8],
      burst: burst(4, false),
    });
    const controller = new AbortController();
    const events: RunEvent[] = [];
    const result = await runMatrix({
      target: aws,
      cells,
      payload,
      prices: DEFAULT_PRICES,
      signal: controller.signal,
      maxGraceMs: 100,
      aliases: sdkAliasOps((aws as SdkTarget).client),
      emit: (e) => {
        events.push(e);
        // Ctrl-C while the first cell's burst is in flight: its provisioned concurrency still exists.
        if (e.type === 'burst-released') controller.abort();
      },
    });
    expect(result.interrupted).toBe(true);
    expect(result.cells).toHaveLength(1);
    expect(result.cleanup.failed).toEqual([]);
    expect(result.cleanup.done).toEqual([
      `delete provisioned concurrency on node-sleep:${ALIAS}`,
      `delete alias node-sleep:${ALIAS}`,
      `delete version ${result.versions[0]?.split(':')[1]} of node-sleep (published by coldprobe)`,
      'remove reserved concurrency from node-sleep',
      'restore memory of node-sleep to 128 MB',
    ]);
    // The control plane agrees: no provisioned concurrency left, no reservation, memory back.
    const client = (aws as SdkTarget).client;
    const list = await client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'node-sleep' }));
    expect(list.ProvisionedConcurrencyConfigs ?? []).toEqual([]);
    await expect(client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'node-sleep', Qualifier: result.versions[0]?.split(':')[1] }))).rejects.toMatchObject({
      name: expect.stringMatching(/ProvisionedConcurrencyConfigNotFoundException|ResourceNotFoundException/),
    });
    await expect(client.send(new GetAliasCommand({ FunctionName: 'node-sleep', Name: ALIAS }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await aws.getReservedConcurrency('node-sleep')).toBeUndefined();
    expect((await aws.getFunction('node-sleep')).memoryMb).toBe(128);
    expect(events.some((e) => e.type === 'notice' && e.message.startsWith('cleanup: delete provisioned'))).toBe(true);
  });
});

describe('matrix runs that fail', () => {
  it('a setup failure mid-run stops the run, keeps the finished cells and still puts everything back', async () => {
    const target = await emulatorTarget();
    // Reserved concurrency 3 with provisioned concurrency 5: Lambda refuses PC above the reservation.
    const cells = expandMatrix({
      functions: [{ name: 'node-hello', runtime: 'nodejs20.x' }],
      memoryMb: [256],
      provisioned: [0, 5],
      reservedConcurrency: [3],
      burst: burst(2),
    });
    const result = await runMatrix({ target, cells, payload, prices: DEFAULT_PRICES, emit: () => undefined });
    expect(result.error?.message).toMatch(/provisioned concurrency 5/i);
    expect(result.interrupted).toBe(false);
    expect(result.cells.map((c) => c.spec.id)).toEqual(['node-hello-256mb-pc0-rc3']);
    expect(result.cleanup.failed).toEqual([]);
    expect(result.cleanup.done).toContain('remove reserved concurrency from node-hello');
    expect(result.cleanup.done).toContain('restore memory of node-hello to 128 MB');
    expect(await target.getReservedConcurrency('node-hello')).toBeUndefined();
    expect((await target.getFunction('node-hello')).memoryMb).toBe(128);
  });
});

describe('coldprobe run (in process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function io() {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    return {
      io: { stdout, stderr, stdin: new PassThrough(), env: { NO_COLOR: '1' }, cwd: dir, signal: new AbortController().signal, requestInterrupt: () => undefined },
      out: () => out,
      err: () => err,
    };
  }

  it('runs a profile with a load beside a burst: a load cell per matrix point, with its windows, in one results file', async () => {
    const profile = [
      'name: load-beside-burst',
      'functions:',
      '  - name: node-hello',
      '    runtime: nodejs20.x',
      'matrix:',
      '  memoryMb: [128]',
      'burst:',
      '  n: 3',
      'load:',
      '  rate: 10',
      '  duration: 1s',
      '  maxInFlight: 20',
      '  window: 250ms',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'load.yaml'), profile);
    const h = io();
    const code = await main(['run', 'load.yaml', '--no-tui', '--out', 'load.json'], h.io);
    expect(code, h.err()).toBe(0);
    const results = readResultsFile(join(dir, 'load.json'));
    expect(results.cells.map((c) => c.spec.id)).toEqual(['node-hello-128mb-pc0', 'node-hello-128mb-pc0-load']);
    const [burstCell, loadCell] = results.cells;
    expect(burstCell?.load).toBeUndefined();
    expect(burstCell?.records).toHaveLength(3);
    // The load cell ran the schedule: 10 invocations, forced cold first, windows of 250 ms holding every one.
    expect(loadCell?.records.map((r) => r.index)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(loadCell?.records[0]?.classification).toBe('cold');
    expect(loadCell?.load).toMatchObject({ stages: '1s:10', windowMs: 250, maxInFlight: 20, scheduled: 10, notSent: 0 });
    expect(loadCell?.load?.windows.reduce((n, w) => n + w.started, 0)).toBe(10);
    // Side by side in the table, the load cell named as one; its windows under it.
    expect(h.out()).toMatch(/node-hello 128M load/);
    expect(h.out()).toMatch(/node-hello 128 MB pc 0 load:\nPer 0\.25s window \(stages 1s:10; 10 scheduled/);
  });

  it('rejects a profile with a wrong field by its path, before anything runs (exit 2)', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nfunctions:\n  - name: node-hello\n    runtime: nodejs20.x\nmatrix:\n  memoryMb: [128, 99999]\nburst:\n  n: 2\n');
    const h = io();
    const code = await main(['run', 'bad.yaml', '--no-tui'], h.io);
    expect(code).toBe(2);
    expect(h.err()).toMatch(/bad\.yaml:6: matrix\.memoryMb\[1\]: expected at most 10,240 MB/);
    expect(h.out()).toBe('');
  });

  async function withAwsEnv<T>(endpoint: string, body: () => Promise<T>): Promise<T> {
    // The AWS SDK reads the endpoint and credentials from the environment: point it at the emulator.
    const keys = ['AWS_ENDPOINT_URL_LAMBDA', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
    const saved = keys.map((k) => process.env[k]);
    Object.assign(process.env, { AWS_ENDPOINT_URL_LAMBDA: endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    try {
      return await body();
    } finally {
      keys.forEach((k, i) => {
        const v = saved[i];
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      });
    }
  }
  it('refuses to change real AWS functions without --yes when stdin is not a terminal', async () => {
    const emulator = await emulatorTarget();
    writeFileSync(
      join(dir, 'aws.yaml'),
      `name: aws\ntarget:\n  kind: aws\n  region: us-east-1\nfunctions:\n  - name: node-hello\n    runtime: nodejs20.x\nmatrix:\n  memoryMb: [256]\nburst:\n  n: 1\n`,
    );
    const h = io();
    const code = await withAwsEnv(emulator.emulator.endpoint, () => main(['run', 'aws.yaml', '--no-tui'], h.io));
    expect(code).toBe(2);
    expect(h.err()).toContain('node-hello: set memory to 256 MB in turn (now 128 MB; restored afterwards)');
    expect(h.err()).toMatch(/--yes/);
    expect((await emulator.getFunction('node-hello')).memoryMb).toBe(128);
    expect((await emulator.getFunction('node-hello')).environment).toEqual({});

    // With --yes it runs through the AWS target: force-cold bumps the nonce variable; memory and variables are put back.
    const yes = io();
    const out = join(dir, 'aws-results.json');
    const ran = await withAwsEnv(emulator.emulator.endpoint, () => main(['run', 'aws.yaml', '--no-tui', '--yes', '--out', out], yes.io));
    expect(ran, yes.err()).toBe(0);
    expect(yes.out()).toContain('restore memory of node-hello to 128 MB');
    expect(yes.out()).toContain('remove COLDPROBE_COLD_NONCE from node-hello');
    const after = await emulator.getFunction('node-hello');
    expect(after.memoryMb).toBe(128);
    expect(after.environment).toEqual({});
  });
});
