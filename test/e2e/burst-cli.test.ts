/**
 * `coldprobe burst` as a user runs it: the built CLI spawned as a child process (run `npm run build` first),
 * on the bundled emulator, from a folder without profiles/ (so the shipped sample functions are used). Bad input
 * needs no process of its own: those cases call main() in this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startEmulator } from '../../src/emulator/index.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SAMPLES = fileURLToPath(new URL('../../profiles/functions', import.meta.url));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-burst-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], onStderr?: (text: string, child: ChildProcess) => void, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    onStderr?.(stderr, child);
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** main() in this process with its own streams, in the test's folder, no terminal, no AWS settings. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const env = { NO_COLOR: '1', CI: '1' };
  const code = await main(args, { stdout, stderr, stdin: new PassThrough(), env, cwd: dir, signal: new AbortController().signal, requestInterrupt: () => undefined });
  return { code, stdout: out, stderr: err };
}

/** stderr without the AWS SDK's Node-version advisory, which is not ours. */
const ownStderr = (text: string): string =>
  text
    .split('\n')
    .filter((l) => !/NodeVersionSupportWarning|versions published after|require node >=22|You are running node|To continue receiving|and security updates|More information can be found|--trace-warnings/.test(l))
    .filter((l) => l.trim() !== '')
    .join('\n');

describe('coldprobe burst (spawned CLI)', () => {
  it('--n 50 --json prints only JSON on stdout and writes the results file', async () => {
    const out = join(dir, 'out', 'run.json');
    const run = await start(['burst', '--n', '50', '--json', '--out', out]);
    expect(run.code, ownStderr(run.stderr)).toBe(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown> & {
      summary: { total: number; byOutcome: Record<string, number>; cold: number; warm: number; bursts: Array<{ n: number; releaseSpreadUs: number }> };
      resultsPath: string;
      interrupted: boolean;
      target: { kind: string };
    };
    expect(json.resultsPath).toBe(out);
    expect(json.interrupted).toBe(false);
    expect(json.target.kind).toBe('emulator');
    expect(json.summary.total).toBe(50);
    expect(json.summary.byOutcome.ok).toBe(50);
    expect(json.summary.cold + json.summary.warm).toBe(50);
    expect(json.summary.cold).toBeGreaterThan(0);
    expect(json.summary.bursts).toHaveLength(1);
    expect(json.summary.bursts[0]?.n).toBe(50);

    const file = JSON.parse(readFileSync(out, 'utf8')) as {
      schemaVersion: number;
      command: string;
      interrupted: boolean;
      options: Record<string, unknown>;
      cells: Array<{ spec: { id: string; functionName: string }; records: unknown[]; histograms: Record<string, string>; summary: { total: number } }>;
    };
    expect(file.schemaVersion).toBe(1);
    expect(file.command).toBe('burst');
    expect(file.interrupted).toBe(false);
    expect(file.options).toMatchObject({ n: 50, waves: 1, function: 'node-hello', target: 'emulator' });
    expect(JSON.stringify(file.options)).not.toMatch(/secret|accessKey|credential/i);
    expect(file.cells).toHaveLength(1);
    expect(file.cells[0]?.spec).toMatchObject({ id: 'default', functionName: 'node-hello' });
    expect(file.cells[0]?.records).toHaveLength(50);
    expect(file.cells[0]?.histograms['latency.all']).toEqual(expect.any(String));
    expect(file.cells[0]?.summary.total).toBe(50);
    // Atomic write: no temp file left beside the results.
    expect(readdirSync(join(dir, 'out'))).toEqual(['run.json']);
  });

  it.each([
    ['an unknown flag', ['burst', '--bogus'], /unknown option --bogus/],
    ['--n 0', ['burst', '--n', '0'], /--n must be a whole number of at least 1/],
    ['--n that is not a number', ['burst', '--n', 'many'], /--n must be a whole number/],
    ['a payload that is not JSON', ['burst', '--payload', '{nope'], /--payload is not valid JSON/],
    ['an unreadable payload file', ['burst', '--payload', '@missing.json'], /Cannot read payload file/],
    ['--memory on aws without permission', ['burst', '--target', 'aws', '--memory', '512'], /--allow-memory-change/],
    ['--force-cold on aws in a non-interactive shell without --yes', ['burst', '--target', 'aws', '--force-cold'], /add --yes to confirm/],
    ['an emulator-only flag on aws', ['burst', '--target', 'aws', '--idle-ttl', '5s'], /--idle-ttl only applies to --target emulator/],
    ['a malformed threshold', ['burst', '--threshold', 'cold.inti.p99 < 800ms'], /bad threshold .*did you mean 'cold.init.p99'/],
    ['a baseline threshold without --baseline', ['burst', '--threshold', 'warm.latency.p99 < baseline + 5ms'], /no baseline was given/],
  ])('%s exits 2 with one sentence and writes nothing (in process: no real process needed)', async (_name, args, message) => {
    const run = await inProcess([...args, '--out', join(dir, 'never.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('--target aws --endpoint-url drives a standalone emulator and records the endpoint; AWS_ENDPOINT_URL_LAMBDA too', async () => {
    const emulator = await startEmulator({ functionsDirs: [SAMPLES], log: () => undefined });
    try {
      const env = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };
      const out = join(dir, 'aws.json');
      const run = await start(['burst', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--n', '3', '--no-tui', '--out', out], undefined, env);
      expect(run.code, ownStderr(run.stderr)).toBe(0);
      const results = JSON.parse(readFileSync(out, 'utf8')) as { target: { kind: string; endpoint?: string; description: string } };
      expect(results.target).toMatchObject({ kind: 'aws', endpoint: emulator.endpoint, description: `aws us-east-1 via ${emulator.endpoint}` });
      const viaEnv = await start(['burst', '--target', 'aws', '--n', '2', '--no-tui', '--out', join(dir, 'env.json')], undefined, { ...env, AWS_ENDPOINT_URL_LAMBDA: emulator.endpoint });
      expect(viaEnv.code, ownStderr(viaEnv.stderr)).toBe(0);
      expect((JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as { target: { endpoint?: string } }).target.endpoint).toBe(emulator.endpoint);
      // load takes the same flag.
      const load = await start(['load', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--rate', '5', '--duration', '1s', '--no-tui', '--out', join(dir, 'load.json')], undefined, env);
      expect(load.code, ownStderr(load.stderr)).toBe(0);
      expect((JSON.parse(readFileSync(join(dir, 'load.json'), 'utf8')) as { target: { endpoint?: string } }).target.endpoint).toBe(emulator.endpoint);
      // A bad --out on aws is refused before anything is sent: the emulator saw no new environment.
      const before = emulator.environments().length;
      await emulator.drainIdle();
      const refused = await start(['burst', '--target', 'aws', '--endpoint-url', emulator.endpoint, '--n', '3', '--no-tui', '--out', dir], undefined, env);
      expect(refused.code).toBe(2);
      expect(before).toBeGreaterThan(0);
      expect(emulator.environments()).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it('an --out that is a folder is refused before anything starts', async () => {
    const run = await start(['burst', '--n', '5', '--no-tui', '--out', dir]);
    expect(run.code).toBe(2);
    expect(ownStderr(run.stderr)).toBe(`coldprobe: --out ${dir} is a folder; name a file, e.g. ${dir}/results.json.`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a lost threshold exits 10 and records its verdict in the results file', async () => {
    const out = join(dir, 'gated.json');
    const run = await start(['burst', '--n', '3', '--json', '--threshold', 'errors == 0', '--threshold', 'cold_ratio <= 0.2', '--out', out]);
    expect(run.code).toBe(10);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { thresholds: Array<{ expression: string; passed: boolean }> };
    expect(file.thresholds).toEqual([
      expect.objectContaining({ expression: 'errors == 0', passed: true }),
      expect.objectContaining({ expression: 'cold_ratio <= 0.2', passed: false }),
    ]);
  });

  it('--abort-on-fail stops at the first lost errors threshold: exit 10, later waves never sent, partial results', async () => {
    const out = join(dir, 'aborted.json');
    const args = ['burst', '--function', 'node-throws', '--n', '5', '--waves', '3', '--interval', '3s', '--no-tui', '--threshold', 'errors == 0', '--out', out];
    const run = await start([...args, '--abort-on-fail']);
    expect(run.code, run.stderr).toBe(10);
    expect(run.stdout + run.stderr).toMatch(/threshold 'errors == 0' is already lost .*stopping the run \(--abort-on-fail\)/);
    const file = JSON.parse(readFileSync(out, 'utf8')) as {
      interrupted: boolean;
      cells: Array<{ records: unknown[]; bursts: unknown[] }>;
      thresholds: Array<{ expression: string; passed: boolean }>;
    };
    expect(file.interrupted).toBe(true);
    // Only the first wave was ever released; its sent invocations each have a record.
    expect(file.cells[0]?.bursts).toHaveLength(1);
    expect(file.cells[0]?.records.length).toBeLessThanOrEqual(5);
    expect(file.thresholds).toEqual(expect.arrayContaining([expect.objectContaining({ expression: 'errors == 0', passed: false })]));

    // Without a threshold it can watch, the flag is refused before anything runs.
    const refused = await start(['burst', '--n', '2', '--threshold', 'cold_ratio <= 0.2', '--abort-on-fail', '--out', join(dir, 'no.json')]);
    expect(refused.code).toBe(2);
    expect(ownStderr(refused.stderr)).toMatch(/--abort-on-fail needs a threshold/);
    expect(existsSync(join(dir, 'no.json'))).toBe(false);
  });

  it('a missing function exits 3 and writes nothing', async () => {
    const run = await start(['burst', '--function', 'no-such-function', '--n', '2', '--no-tui', '--out', join(dir, 'never.json')]);
    expect(run.code).toBe(3);
    expect(ownStderr(run.stderr)).toMatch(/no-such-function/);
    expect(ownStderr(run.stderr).split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('SIGINT mid-run exits 130 with a partial results file', async () => {
    const out = join(dir, 'partial.json');
    let sent = false;
    const run = await start(
      ['burst', '--function', 'node-sleep', '--payload', '{"sleepMs":1500}', '--n', '3', '--waves', '4', '--interval', '0', '--json', '--out', out],
      (stderr, child) => {
        // The first wave's line means the second wave is being released: interrupt it.
        if (!sent && /burst 1\/4:/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { interrupted: boolean; cells: Array<{ records: Array<{ burst: number }>; bursts: unknown[] }> };
    expect(file.interrupted).toBe(true);
    const records = file.cells[0]?.records ?? [];
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(records.length).toBeLessThan(12);
    expect(Math.max(...records.map((r) => r.burst))).toBeLessThan(3);
    const json = JSON.parse(run.stdout) as { interrupted: boolean };
    expect(json.interrupted).toBe(true);
  });
});
