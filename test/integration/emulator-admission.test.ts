/**
 * Lambda's concurrency semantics on the emulator target as `burst` and `run` use it (the emulator in its own
 * process), end to end through the real SDK and real runtimes, checked against the emulator's ground truth.
 * Larger counts (500, 1,000, 2,000 over the account limit, 200 × 2 s) run in `npm run bench`.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBurstPlan } from '../../src/core/plan.js';
import type { InvocationRecord } from '../../src/core/types.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { RUNTIME_NICE } from '../../src/emulator/supervisor.js';
import { executeRun } from '../../src/engine/run.js';
import { fixture, waitFor } from './emulator-helpers.js';
import { useTargets } from './target-helpers.js';

const { emulatorTarget } = useTargets();

/** True while `pid` runs (a zombie, dead but not yet reaped by whoever inherited it, does not count). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
const payload = new TextEncoder().encode('{}');

describe('admission by arrival (emulator in its own process)', () => {
  it('a fresh burst of 150: 150 cold starts on 150 environments, each with its accept/assign times and queue wait', async () => {
    const target = await emulatorTarget();
    const plan = buildBurstPlan({ functionName: 'node-hello', payload, n: 150, waves: 1, intervalMs: 0, forceCold: false });
    const records: InvocationRecord[] = (await executeRun(plan, target, { emit: () => undefined })).cells[0]?.records ?? [];
    expect(records).toHaveLength(150);
    expect(records.filter((r) => r.outcome !== 'ok').map((r) => `${r.outcome} ${r.errorType ?? ''}`)).toEqual([]);
    expect(records.filter((r) => r.classification === 'cold')).toHaveLength(150);
    expect(new Set(records.map((r) => r.env?.envId)).size).toBe(150);
    for (const r of records) {
      const env = r.env;
      expect(env?.envSeq).toBe(1);
      if (env?.acceptedUs === undefined || env.assignedUs === undefined || env.queueWaitUs === undefined) throw new Error(`record ${r.index} lacks admission times`);
      // Accepted after it was sent and before its answer; assigned after it was accepted.
      expect(env.acceptedUs).toBeGreaterThanOrEqual(r.sentUs - 1000);
      expect(env.assignedUs).toBeGreaterThanOrEqual(env.acceptedUs);
      expect(env.assignedUs).toBeLessThanOrEqual(r.finishedUs);
      // The init-slot wait is part of the client's latency, and not of Init Duration.
      expect(env.queueWaitUs).toBeLessThan(r.latencyUs);
    }
    // With two init slots and 150 cold starts, most of them waited for a slot.
    expect(records.filter((r) => (r.env?.queueWaitUs ?? 0) > 0).length).toBeGreaterThan(100);
    // The emulator process is gone after close, with its runtimes.
    const envs = await target.emulator.environments();
    const pids = [target.emulator.pid, ...envs.flatMap((e) => (e.pid === undefined ? [] : [e.pid]))];
    expect(pids.length).toBe(151);
    await target.close();
    expect(await waitFor(() => pids.every((pid) => !processAlive(pid)), 10_000)).toBe(true);
  });

  it('40 concurrent invocations of a function that sleeps 2 s (plain SDK sends): 40 environments, 40 cold starts', async () => {
    const target = await emulatorTarget();
    const client = new LambdaClient({
      endpoint: target.emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 400, keepAlive: true }, requestTimeout: 120_000 }),
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          client.send(new InvokeCommand({ FunctionName: 'node-sleep', Payload: Buffer.from('{"sleepMs":2000}'), LogType: 'Tail' })),
        ),
      );
      const tails = results.map((r) => Buffer.from(r.LogResult ?? '', 'base64').toString('utf8'));
      expect(results.every((r) => r.StatusCode === 200 && r.FunctionError === undefined)).toBe(true);
      expect(tails.filter((t) => /\tInit Duration: /.test(t))).toHaveLength(40);
      const envIds = tails.map((t) => /COLDPROBE EnvId: (\S+)/.exec(t)?.[1]);
      expect(new Set(envIds).size).toBe(40);
    } finally {
      client.destroy();
    }
  });
});

describe('process groups', () => {
  let emulator: Emulator | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("stopping an environment ends its whole process group: a provided bootstrap's child too, even one that ignores SIGTERM", async () => {
    dir = mkdtempSync(join(tmpdir(), 'coldprobe-pgroup-'));
    const pidFile = join(dir, 'child.pid');
    const next = fileURLToPath(new URL('../../profiles/functions/provided-hello/bootstrap', import.meta.url));
    emulator = await startEmulator({
      functions: [fixture('provided-child', 'provided-child', { environment: { CHILD_PID_FILE: pidFile, NEXT_BOOTSTRAP: next } })],
      stopGraceMs: 200,
    });
    const client = new LambdaClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      const out = await client.send(new InvokeCommand({ FunctionName: 'provided-child', Payload: Buffer.from('{}') }));
      expect(out.FunctionError).toBeUndefined();
    } finally {
      client.destroy();
    }
    const childPid = Number(readFileSync(pidFile, 'utf8').trim());
    const runtimePid = emulator.environments()[0]?.pid;
    expect(processAlive(childPid)).toBe(true);
    // The runtime leads its own process group, at a lower priority than the emulator (RUNTIME_NICE).
    const stat = readFileSync(`/proc/${runtimePid ?? 0}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(fields[2])).toBe(runtimePid);
    expect(Number(fields[16])).toBe(RUNTIME_NICE);
    // The caller has its answer when the runtime posts it; the environment is idle once the runtime asks again.
    expect(await waitFor(() => emulator?.environments()[0]?.state === 'idle', 10_000)).toBe(true);
    expect(await emulator.drainIdle('provided-child')).toBe(1);
    expect(runtimePid !== undefined && !processAlive(runtimePid)).toBe(true);
    expect(await waitFor(() => !processAlive(childPid), 5_000)).toBe(true);
  });
});

describe('Invoke API connection timeouts', () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  /** Opens a raw connection, writes `text`, and resolves with how long the server took to close it (ms) and what it wrote. */
  function closedAfter(port: number, text: string): Promise<{ ms: number; reply: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(text));
      const t0 = Date.now();
      let reply = '';
      socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ ms: Date.now() - t0, reply }));
      setTimeout(() => {
        socket.destroy();
        reject(new Error('the connection was not closed within 10 s'));
      }, 10_000);
    });
  }

  it('closes idle and half-sent connections after idleConnectionTimeoutMs, never one whose invocation is running', async () => {
    emulator = await startEmulator({ functions: [fixture('sleep')], idleConnectionTimeoutMs: 400 });
    const head = 'POST /2015-03-31/functions/sleep/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n';
    const [silent, halfHeaders, halfBody] = await Promise.all([
      closedAfter(emulator.port, ''),
      closedAfter(emulator.port, head),
      closedAfter(emulator.port, `${head}Content-Type: application/json\r\nContent-Length: 20\r\n\r\n{"ms"`),
    ]);
    for (const c of [silent, halfHeaders, halfBody]) {
      expect(c.ms).toBeGreaterThanOrEqual(350);
      expect(c.reply).not.toMatch(/^HTTP\/1\.1 200/);
    }
    // A request fully sent, whose function runs past the timeout, gets its answer.
    const body = '{"ms":900}';
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(emulator?.port ?? 0, '127.0.0.1', () =>
        socket.write(`${head}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
      );
      let reply = '';
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString('latin1');
        if (reply.includes('"slept"')) {
          socket.destroy();
          resolve(reply);
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(reply));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});
