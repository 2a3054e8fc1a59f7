/**
 * One execution environment driven without processes or sockets: a fake supervisor plays the runtime process,
 * the test plays the runtime's Runtime API calls (apply, then next/result, as runtime-api.ts does), and a fake
 * host records what the pool would be told. Checks the response timing, the suppressed-init retry and the
 * CPU quota's init boost; the end-to-end versions are in test/integration/emulator-timing.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CpuQuota } from '../../src/emulator/cpu-quota.js';
import { ExecutionEnvironment, type EnvHost, type Invocation, type InvocationOutcome, type Supervisor } from '../../src/emulator/execution-env.js';
import type { VersionConfig } from '../../src/emulator/model.js';
import type { RuntimeApiHub, RuntimeReply } from '../../src/emulator/runtime-api.js';
import type { ProcessEvents, RuntimeProcess } from '../../src/emulator/supervisor.js';

const config: VersionConfig = {
  functionName: 'fn',
  version: '$LATEST',
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  codeDir: '/nowhere',
  memoryMb: 128,
  timeoutS: 1,
  environment: {},
  generation: 0,
};

interface FakeProcess {
  pid: number;
  events: ProcessEvents;
  signals: string[];
}

/** Everything the environment did to the outside world. */
function harness(initType: 'on-demand' | 'provisioned-concurrency' = 'on-demand') {
  const processes: FakeProcess[] = [];
  const calls: string[] = [];
  const quota: Array<{ pid: number; memoryMb: number; initBoost: boolean }> = [];
  const supervisor: Supervisor = {
    prepare: async () => undefined,
    spawn(_spec, events) {
      const p: FakeProcess = { pid: 1000 + processes.length, events, signals: [] };
      processes.push(p);
      const gone = (signal: string): void => {
        p.signals.push(signal);
        queueMicrotask(() => events.exit(null, signal as NodeJS.Signals));
      };
      const proc: RuntimeProcess = { pid: p.pid, stop: () => gone('SIGTERM'), kill: () => gone('SIGKILL'), readPeakRssKb: async () => 20_480 };
      return proc;
    },
  };
  const cpuQuota: CpuQuota = {
    active: true,
    assign: (pid, memoryMb, initBoost = false) => void quota.push({ pid, memoryMb, initBoost }),
    release: () => undefined,
    close: () => undefined,
  };
  const runtimeApi = { listen: async () => ({ address: '127.0.0.1:1', close: () => calls.push('listener closed') }) } as unknown as RuntimeApiHub;
  const host: EnvHost = {
    runtimeApi,
    region: 'us-east-1',
    stopGraceMs: 10,
    cpuQuota,
    initSettled: () => calls.push('initSettled'),
    invocationEnded: () => calls.push('invocationEnded'),
    idle: () => calls.push('idle'),
    gone: () => calls.push('gone'),
  };
  const env = new ExecutionEnvironment('env-0001', config, initType, host, undefined, supervisor);
  return { env, processes, calls, quota };
}

/** A Runtime API request slot that records what was sent. */
function reply(): RuntimeReply & { sent: Array<{ status: number; headers: Record<string, string | number>; body: string }> } {
  const sent: Array<{ status: number; headers: Record<string, string | number>; body: string }> = [];
  return {
    sent,
    send(status, headers, body) {
      sent.push({ status, headers: { ...headers }, body: body === undefined ? '' : body.toString() });
    },
    alive: true,
    onGone: () => undefined,
  };
}

/** The runtime calls GET /next: the environment's reply slot, or the refusal. */
function next(env: ExecutionEnvironment): ReturnType<typeof reply> {
  const res = reply();
  const t = env.apply({ type: 'next' });
  if (!t.ok) throw new Error(t.refusal.errorMessage);
  env.next(res, t.effect);
  return res;
}

/** The runtime posts its response for `requestId` and the body has been read. */
function respond(env: ExecutionEnvironment, requestId: string, body: string): void {
  const t = env.apply({ type: 'answer', requestId });
  if (!t.ok) throw new Error(t.refusal.errorMessage);
  env.result(requestId, { kind: 'response', body: Buffer.from(body) });
}

const inv = (requestId: string, wantLog: boolean): Invocation => ({ requestId, payload: Buffer.from('{}'), invokedArn: config.functionArn, clientContext: undefined, wantLog });
const settled = <T>(p: Promise<T>): Promise<T | 'pending'> => Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 20))]);
const tailOf = (o: InvocationOutcome): string => o.logTail?.toString('utf8') ?? '';

describe('ExecutionEnvironment with a fake supervisor', () => {
  it('answers the caller at the POST without a tail; Duration and the slot end at the next /next', async () => {
    const { env, calls, quota } = harness();
    const first = env.assignFirst(inv('r1', false));
    await env.start(5000);
    expect(env.lifecycle).toBe('initializing');
    // The on-demand init runs with the CPU boost, dropped to the memory's share at the first /next.
    expect(quota).toEqual([{ pid: 1000, memoryMb: 128, initBoost: true }]);
    const res = next(env);
    expect(quota[1]).toEqual({ pid: 1000, memoryMb: 128, initBoost: false });
    expect(res.sent[0]).toMatchObject({ status: 200, body: '{}', headers: { 'Lambda-Runtime-Aws-Request-Id': 'r1' } });
    expect(calls).toEqual(['initSettled']);
    respond(env, 'r1', '"hi"');
    // Released after at most RESPONSE_TRANSIT_MS, without the runtime asking for the next event.
    const outcome = await first;
    expect(outcome).toMatchObject({ body: Buffer.from('"hi"'), errorType: undefined, envSeq: 1 });
    // Answered, but the invocation is not over: the runtime may still work until it asks again.
    expect(env.lifecycle).toBe('responseSent');
    expect(calls).not.toContain('invocationEnded');
    next(env);
    expect(calls).toEqual(['initSettled', 'invocationEnded', 'idle']);
    expect(env.lifecycle).toBe('idle');
  });

  it('with a tail, answers at the next /next with a REPORT whose Duration covers the work after the POST', async () => {
    const { env } = harness();
    const first = env.assignFirst(inv('r1', true));
    await env.start(5000);
    next(env);
    respond(env, 'r1', '"hi"');
    expect(await settled(first)).toBe('pending');
    await new Promise((r) => setTimeout(r, 60));
    next(env);
    const outcome = await first;
    const tail = tailOf(outcome);
    const durationMs = Number(/\tDuration: ([\d.]+) ms/.exec(tail)?.[1]);
    expect(durationMs).toBeGreaterThanOrEqual(55);
    expect(tail).toMatch(/\tInit Duration: [\d.]+ ms/);
  });

  it('retries an init past its limit inside the first invocation, in a new process, without Init Duration', async () => {
    const { env, processes, calls, quota } = harness();
    const first = env.assignFirst(inv('r1', true));
    await env.start(30);
    await new Promise((r) => setTimeout(r, 60));
    expect(processes[0]?.signals).toEqual(['SIGKILL']);
    expect(processes).toHaveLength(2);
    // The init slot went back with the first init; the retry runs with the invocation's CPU share.
    expect(calls).toEqual(['initSettled']);
    expect(quota.map((q) => q.initBoost)).toEqual([true, false]);
    expect(env.lifecycle).toBe('initializing');
    const res = next(env);
    expect(res.sent[0]?.headers['Lambda-Runtime-Aws-Request-Id']).toBe('r1');
    respond(env, 'r1', '"late"');
    next(env);
    const tail = tailOf(await first);
    expect(tail).toContain('INIT_REPORT Init Duration: 30.00 ms\tPhase: init\tStatus: timeout\n');
    expect(tail).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: invoke\tStatus: success\nSTART RequestId: r1/);
    expect(tail).not.toContain('\tInit Duration:');
    expect(env.invocations).toBe(1);
  });

  it('gives a provisioned init no CPU boost, and does not retry it: it fails and is gone', async () => {
    const { env, processes, calls, quota } = harness('provisioned-concurrency');
    await env.start(20);
    expect(quota).toEqual([{ pid: 1000, memoryMb: 128, initBoost: false }]);
    await env.exited;
    expect(processes).toHaveLength(1);
    expect(calls).toEqual(['initSettled', 'listener closed', 'gone']);
    expect(env.initialised).toBe(false);
  });

  it('fails the invocation in flight as a runtime exit when stopped, once the process is gone', async () => {
    const { env, calls } = harness();
    const first = env.assignFirst(inv('r1', false));
    await env.start(5000);
    next(env);
    env.stop();
    expect(env.state).toBe('stopping');
    const outcome = await first;
    expect(outcome.errorType).toBe('Runtime.ExitError');
    expect(JSON.parse(outcome.body.toString())).toMatchObject({ errorMessage: 'RequestId: r1 Error: Runtime exited with error: signal: SIGTERM' });
    await env.exited;
    expect(calls).toEqual(['initSettled', 'listener closed', 'invocationEnded', 'gone']);
  });
});
