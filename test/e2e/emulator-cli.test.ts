/**
 * `coldprobe emulator` as a user runs it: the built CLI spawned (run `npm run build` first), serving until
 * Ctrl-C, then exit 0 with every environment process gone; bad flags and bad function folders exit 2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/cli/commands/emulator.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const samples = fileURLToPath(new URL('../../profiles/functions', import.meta.url));

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-emulator-cli-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): Started {
  const child = spawn(process.execPath, [cli, 'emulator', ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, closed };
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function invoke(endpoint: string, name: string): Promise<{ status: number; envId: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${endpoint}/2015-03-31/functions/${name}/invocations`, { method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, envId: res.headers['x-coldprobe-env-id'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end('{"from":"e2e"}');
  });
}

/** Pids whose parent is `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('coldprobe emulator', () => {
  it('prints endpoint, functions and an aws line, serves invokes, and on Ctrl-C stops its environments and exits 0', async () => {
    const run = start(['--port', '0', '--functions', samples, '--idle-ttl', '2m']);
    await until(() => /Press Ctrl-C to stop/.test(run.stdout()));
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout())?.[1];
    expect(endpoint).toBeDefined();
    expect(run.stdout()).toMatch(/^ {2}python-hello$/m);
    expect(run.stdout()).toContain(`aws lambda invoke --endpoint-url ${endpoint} --region us-east-1 --function-name node-hello`);

    const first = await invoke(endpoint as string, 'node-hello');
    const python = await invoke(endpoint as string, 'python-hello');
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toMatchObject({ event: { from: 'e2e' } });
    expect(python.status).toBe(200);
    const environments = childPids(run.child.pid as number);
    expect(environments.length).toBeGreaterThanOrEqual(2);

    run.child.kill('SIGINT');
    const { code } = await run.closed;
    expect(code).toBe(0);
    expect(run.stderr()).toContain('emulator: stopped.');
    for (const pid of environments) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
  });

  it('exits 2 naming the problem for bad flags, missing folders and a bad function.json', async () => {
    const badPort = start(['--port', 'http']);
    expect((await badPort.closed).code).toBe(2);
    expect(badPort.stderr()).toContain("--port must be a whole number from 0 to 65535, got 'http'");

    const missing = start(['--port', '0', '--functions', 'no/such/dir']);
    expect((await missing.closed).code).toBe(2);
    expect(missing.stderr()).toContain('--functions no/such/dir: no such folder');

    mkdirSync(join(dir, 'fns', 'broken'), { recursive: true });
    writeFileSync(join(dir, 'fns', 'broken', 'function.json'), JSON.stringify({ runtime: 'nodejs20.x', handler: 'index.handler', timeoutS: 0 }));
    const broken = start(['--port', '0', '--functions', 'fns']);
    expect((await broken.closed).code).toBe(2);
    expect(broken.stderr()).toContain(join(dir, 'fns', 'broken', 'function.json'));
    expect(broken.stderr()).toContain('field "timeoutS" must be a whole number from 1 to 900, got 0');

    const ttl = start(['--idle-ttl', 'soon']);
    expect((await ttl.closed).code).toBe(2);
  });

  it('knows which addresses are loopback (anything else gets a warning)', () => {
    expect(['127.0.0.1', '127.0.0.53', 'localhost', '::1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '192.168.1.10', '::', 'example.com'].map(isLoopback)).toEqual([false, false, false, false]);
  });
});
