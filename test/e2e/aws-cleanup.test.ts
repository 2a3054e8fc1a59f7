/**
 * Crash safety on AWS, with a standalone emulator standing in for it (`--endpoint-url`): a `run` with
 * provisioned concurrency, force-cold and a memory change, killed with SIGKILL mid-run, leaves its change
 * journal behind; a new run on the same function refuses to start; `coldprobe cleanup` puts the function back
 * exactly as it was (memory, variables, no coldprobe alias, no version coldprobe published, no provisioned
 * concurrency), and a second `cleanup` finds nothing. SIGHUP (a closed terminal) cleans up by itself; a second
 * signal while stopping says exactly what is left. Two runs use two different aliases. A qualified run never
 * changes `$LATEST` while it measures a version.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListAliasesCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
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
async function state(): Promise<{ memoryMb?: number; environment: Record<string, string>; provisioned: number; aliases: string[]; versions: string[] }> {
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'node-sleep' }));
  const pcs = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'node-sleep' }));
  const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: 'node-sleep' }));
  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'node-sleep' }));
  return {
    ...(config.MemorySize !== undefined ? { memoryMb: config.MemorySize } : {}),
    environment: config.Environment?.Variables ?? {},
    provisioned: pcs.ProvisionedConcurrencyConfigs?.length ?? 0,
    aliases: (aliases.Aliases ?? []).map((a) => a.Name ?? ''),
    versions: (versions.Versions ?? []).map((v) => v.Version ?? '').filter((v) => v !== '$LATEST'),
  };
}

/** The actions a `cleanup --dry-run` lists. */
const wouldLines = (stdout: string): string[] => [...stdout.matchAll(/^ {2}would (.*)$/gm)].map((m) => m[1] ?? '');

const runArgs = (): string[] => ['run', 'pc.yaml', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--yes', '--no-tui', '--out', join(dir, 'r.json')];
/** The run is in its bursts: provisioned concurrency is READY and every change is made. */
const inBursts = (text: string): boolean => /idle-wait/.test(text);

describe('crash safety of changes to real functions', () => {
  it('SIGKILL mid-run leaves a journal; a new run refuses; coldprobe cleanup restores the function; twice is safe', async () => {
    const before = await state();
    expect(before).toEqual({ memoryMb: 128, environment: { SLEEP_MS: '200' }, provisioned: 0, aliases: [], versions: [] });

    const killed = await start(runArgs(), (text, child) => {
      if (inBursts(text) && child.exitCode === null) child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    const left = await state();
    expect(left.memoryMb).toBe(256);
    expect(left.provisioned).toBe(1);
    expect(left.aliases).toEqual([expect.stringMatching(/^coldprobe-/)]);
    expect(left.versions).toHaveLength(1);
    expect(left.environment).toEqual({ SLEEP_MS: '200', COLDPROBE_COLD_NONCE: expect.any(String) });
    expect(readdirSync(join(dir, 'journal'))).toHaveLength(1);

    const refused = await start(runArgs());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/'node-sleep' still carries changes of the run started .*; run 'coldprobe cleanup' first\./);

    const dry = await start(['cleanup', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(wouldLines(dry.stdout)).toEqual([
      `delete provisioned concurrency on node-sleep:${left.aliases[0]}`,
      `delete alias node-sleep:${left.aliases[0]}`,
      `delete version ${left.versions[0]} of node-sleep (published by coldprobe)`,
      'remove COLDPROBE_COLD_NONCE from node-sleep',
      'restore memory of node-sleep to 128 MB',
    ]);
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
    // Nothing left for coldprobe cleanup, and running it changes nothing.
    const cleanup = await start(['cleanup']);
    expect(cleanup.stdout).toBe('coldprobe cleanup: nothing to put back.\n');
    expect(await state()).toEqual(before);
  });

  it('a second signal while stopping quits at once and says exactly what is left and that coldprobe cleanup puts it back', async () => {
    const before = await state();
    let signals = 0;
    const quit = await start(runArgs(), (text, child) => {
      if (signals === 0 && inBursts(text)) {
        signals = 1;
        child.kill('SIGINT');
      } else if (signals === 1 && /stopping cleanly/.test(text)) {
        signals = 2;
        child.kill('SIGINT');
      }
    });
    expect(quit.code).toBe(130);
    const said = /quitting before the clean-up finished; still changed on AWS:\n((?: {2}- .*\n)+)Run 'coldprobe cleanup' to put it back\.\n/.exec(quit.stderr);
    expect(said, quit.stderr).not.toBeNull();
    const listed = (said?.[1] ?? '').trimEnd().split('\n').map((l) => l.replace(/^ {2}- /, ''));
    // Exactly what the journal still holds: the same lines `cleanup --dry-run` would put back.
    const dry = await start(['cleanup', '--dry-run']);
    expect(listed).toEqual(wouldLines(dry.stdout));
    expect(listed.length).toBeGreaterThan(0);
    const cleanup = await start(['cleanup']);
    expect(cleanup.code, cleanup.stdout).toBe(0);
    expect(await state()).toEqual(before);
  });
});

describe('a second signal during the clean-up', () => {
  it('quits at once, listing exactly what is still changed (what the clean-up had done is not listed), and coldprobe cleanup finishes it', async () => {
    // Updates stay InProgress for 1.5 s: the clean-up's variable and memory restores each wait that long, so a
    // second signal sent once the provisioned concurrency is deleted lands in the middle of the clean-up.
    lambda.destroy();
    await emulator.close();
    emulator = await startEmulator({ functionsDirs: [SAMPLES], updateDelayMs: 1500, log: () => undefined });
    lambda = new LambdaClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const before = await state();
    let signals = 0;
    const quit = await start(runArgs(), (text, child) => {
      if (signals === 0 && inBursts(text)) {
        signals = 1;
        child.kill('SIGINT');
      } else if (signals === 1 && /cleanup: delete provisioned concurrency/.test(text)) {
        signals = 2;
        child.kill('SIGINT');
      }
    });
    expect(quit.code).toBe(130);
    expect(signals).toBe(2);
    const said = /quitting before the clean-up finished; still changed on AWS:\n((?: {2}- .*\n)+)Run 'coldprobe cleanup' to put it back\.\n/.exec(quit.stderr);
    expect(said, quit.stderr).not.toBeNull();
    const listed = (said?.[1] ?? '').trimEnd().split('\n').map((l) => l.replace(/^ {2}- /, ''));
    expect(listed.some((l) => l.startsWith('delete provisioned concurrency'))).toBe(false);
    expect(listed).toContain('restore memory of node-sleep to 128 MB');
    const dry = await start(['cleanup', '--dry-run']);
    expect(listed).toEqual(wouldLines(dry.stdout));
    const cleanup = await start(['cleanup']);
    expect(cleanup.code, cleanup.stdout).toBe(0);
    expect(await state()).toEqual(before);
  });
});

describe('the run alias and the versions coldprobe publishes', () => {
  it('two runs in a row use two different aliases, and each leaves no alias, version or provisioned concurrency behind', async () => {
    writeFileSync(
      join(dir, 'quick.yaml'),
      ['name: quick', 'target:', '  kind: aws', '  region: us-east-1', 'functions:', '  - name: node-sleep', '    runtime: nodejs20.x',
        'matrix:', '  memoryMb: [128]', '  provisioned: [1]', 'burst:', '  n: 1', 'payload: {}', ''].join('\n'),
    );
    const before = await state();
    const aliases: string[] = [];
    for (const out of ['q1.json', 'q2.json']) {
      const ran = await start(['run', 'quick.yaml', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--yes', '--no-tui', '--out', join(dir, out)]);
      expect(ran.code, ran.stderr).toBe(0);
      const results = JSON.parse(readFileSync(join(dir, out), 'utf8')) as { cells: Array<{ spec: { qualifier?: string } }> };
      aliases.push(results.cells[0]?.spec.qualifier ?? '');
      expect(await state()).toEqual(before);
    }
    expect(aliases[0]).toMatch(/^coldprobe-/);
    expect(aliases[1]).toMatch(/^coldprobe-/);
    expect(aliases[0]).not.toBe(aliases[1]);
  });

  it("keeps a version the run did not publish: PublishVersion of an unchanged $LATEST gives back the user's own", async () => {
    // The user's version 1 and alias, with $LATEST unchanged since: the run's PublishVersion returns version 1.
    const mine = await lambda.send(new PublishVersionCommand({ FunctionName: 'node-sleep', Description: 'users own' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'node-sleep', Name: 'live', FunctionVersion: mine.Version }));
    writeFileSync(
      join(dir, 'same.yaml'),
      ['name: same', 'target:', '  kind: aws', '  region: us-east-1', 'functions:', '  - name: node-sleep', '    runtime: nodejs20.x',
        'matrix:', '  memoryMb: [128]', '  provisioned: [1]', 'burst:', '  n: 1', 'payload: {}', ''].join('\n'),
    );
    const before = await state();
    expect(before.versions).toEqual(['1']);
    const ran = await start(['run', 'same.yaml', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--yes', '--no-tui', '--out', join(dir, 's.json')]);
    expect(ran.code, ran.stderr).toBe(0);
    expect(await state()).toEqual(before);
  });
});

describe('a publish whose version number was never written down', () => {
  it('coldprobe cleanup finds the version by the run\'s description and deletes that one only', async () => {
    const memory = async (memoryMb: number): Promise<void> => {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'node-sleep', MemorySize: memoryMb }));
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30, minDelay: 1 }, { FunctionName: 'node-sleep' });
    };
    // The user's own version 1; then what a run killed while PublishVersion was answering leaves: version 2
    // with the run's description, and a journal that says only that a publish was started.
    await lambda.send(new PublishVersionCommand({ FunctionName: 'node-sleep', Description: 'users own' }));
    await memory(256);
    const orphan = await lambda.send(new PublishVersionCommand({ FunctionName: 'node-sleep', Description: 'coldprobe run crashed' }));
    await memory(128);
    mkdirSync(join(dir, 'journal'));
    const header = { type: 'run', runId: 'crashed', command: 'run', startedAt: new Date().toISOString(), pid: 1, target: { region: 'us-east-1', endpoint: emulator.endpoint, description: 'aws' } };
    const change = { type: 'change', change: { kind: 'version', functionName: 'node-sleep', description: 'coldprobe run crashed' } };
    writeFileSync(join(dir, 'journal', 'crashed.jsonl'), `${JSON.stringify(header)}\n${JSON.stringify(change)}\n`);

    const dry = await start(['cleanup', '--dry-run']);
    expect(wouldLines(dry.stdout)).toEqual(["delete any version described 'coldprobe run crashed' of node-sleep (published by coldprobe)"]);
    const cleanup = await start(['cleanup']);
    expect(cleanup.code, cleanup.stdout).toBe(0);
    expect((await state()).versions).toEqual(['1']);
    expect(orphan.Version).toBe('2');
  });
});

describe('qualifiers', () => {
  const burstArgs = (...extra: string[]): string[] => ['burst', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--n', '1', '--yes', '--no-tui', '--out', join(dir, 'b.json'), ...extra];

  it('a memory change or force-cold with a version or alias is refused (exit 2) before anything changes', async () => {
    const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'node-sleep' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'node-sleep', Name: 'live', FunctionVersion: v.Version }));
    const before = await state();
    const memory = await start(burstArgs('--function', `node-sleep:${v.Version}`, '--memory', '256', '--allow-memory-change'));
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain(
      `version ${v.Version} of 'node-sleep' is immutable (Lambda changes configuration only on $LATEST), so memory 256 MB (it has 128 MB) would change $LATEST while node-sleep:${v.Version} is measured; ` +
        `run without the qualifier to change and measure $LATEST, or without the change to measure version ${v.Version} as it is.`,
    );
    const cold = await start(burstArgs('--function', 'node-sleep', '--qualifier', 'live', '--force-cold'));
    expect(cold.code).toBe(2);
    expect(cold.stderr).toMatch(/alias 'live' \(version \d+\) of 'node-sleep' is immutable .*forcing cold starts/);
    expect(await state()).toEqual(before);
    // Refused before the journal was even started: nothing was going to be changed.
    expect(existsSync(join(dir, 'journal'))).toBe(false);
  });

  it('a version with its own memory is measured as it is, and $LATEST is left alone', async () => {
    const v = await lambda.send(new PublishVersionCommand({ FunctionName: 'node-sleep' }));
    const before = await state();
    const ran = await start(burstArgs('--function', 'node-sleep', '--qualifier', v.Version ?? '', '--memory', '128', '--allow-memory-change'));
    expect(ran.code, ran.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as { cells: Array<{ spec: { functionName: string; qualifier?: string }; records: Array<{ executedVersion?: string }> }> };
    expect(results.cells[0]?.spec).toMatchObject({ functionName: 'node-sleep', qualifier: v.Version });
    expect(results.cells[0]?.records.map((r) => r.executedVersion)).toEqual([v.Version]);
    expect(await state()).toEqual(before);
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
