/**
 * The pool's admission, limits, scaling-rate bucket, reaping and provisioned refill, with a fake clock and fake
 * environments (no processes): each environment does only what the test tells it to, when it tells it to.
 * The same rules run end to end against real runtimes in test/integration.
 */
import { describe, expect, it } from 'vitest';
import { createCpuQuota } from '../../src/emulator/cpu-quota.js';
import type { Invocation, InvocationOutcome } from '../../src/emulator/execution-env.js';
import type { ResolvedInvoke, VersionConfig } from '../../src/emulator/model.js';
import { Pool, SCALING_RATE_REASON, type Admission, type PoolClock, type PoolEnvironment, type PoolOptions } from '../../src/emulator/pool.js';

class FakeClock implements PoolClock {
  t = 1000;
  private timers: Array<{ ms: number; next: number; fn: () => void; live: boolean }> = [];
  now(): number {
    return this.t;
  }
  every(ms: number, fn: () => void): () => void {
    const timer = { ms, next: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.next <= end).sort((a, b) => a.next - b.next)[0];
      if (due === undefined) break;
      this.t = due.next;
      due.next += due.ms;
      due.fn();
    }
    this.t = end;
  }
}

type Pending = { inv: Invocation; resolve: (o: InvocationOutcome) => void };

/** An environment driven by the test: init, invocations and exits happen only when the test says so. */
class FakeEnv implements PoolEnvironment {
  state: PoolEnvironment['state'] = 'starting';
  invocations = 0;
  readonly pid = undefined;
  readonly maxMemoryUsedMb = 0;
  idleSince = 0;
  initialised = false;
  started = false;
  initTimeoutMs: number | undefined;
  readonly exited: Promise<void>;
  private exit!: () => void;
  private first: Pending | undefined;
  private active: Pending | undefined;

  constructor(
    readonly envId: string,
    readonly config: VersionConfig,
    readonly initType: 'on-demand' | 'provisioned-concurrency',
    private readonly host: Pool,
    readonly provisionedKey: string | undefined,
  ) {
    this.exited = new Promise((resolve) => (this.exit = resolve));
  }
  get reachable(): boolean {
    return this.state === 'idle';
  }
  assignFirst(inv: Invocation): Promise<InvocationOutcome> {
    return new Promise((resolve) => (this.first = { inv, resolve }));
  }
  async start(initTimeoutMs: number): Promise<void> {
    this.started = true;
    this.initTimeoutMs = initTimeoutMs;
  }
  dispatch(inv: Invocation): Promise<InvocationOutcome> {
    return new Promise((resolve) => this.run({ inv, resolve }));
  }
  stop(): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    // An environment that dies during init gives its init slot back, as the real one does.
    if (this.started && !this.initialised) this.host.initSettled();
    this.host.gone(this);
    this.exit();
  }

  // ---- what the test makes happen ----
  /** The runtime's first /next: init is over; the invocation it was started for runs now. */
  finishInit(): void {
    this.initialised = true;
    this.host.initSettled();
    const first = this.first;
    this.first = undefined;
    if (first !== undefined) this.run(first);
    else {
      this.state = 'idle';
      this.host.idle(this);
    }
  }
  /** The invocation in flight ends; the environment goes idle. */
  finishInvocation(): string {
    const active = this.active;
    if (active === undefined) throw new Error(`${this.envId} has no invocation`);
    this.active = undefined;
    active.resolve({ requestId: active.inv.requestId, body: Buffer.from('{}'), errorType: undefined, logTail: undefined, envId: this.envId, envSeq: this.invocations, initType: this.initType });
    this.host.invocationEnded(this);
    this.state = 'idle';
    this.host.idle(this);
    return active.inv.requestId;
  }
  /** The process dies on its own. */
  crash(): void {
    this.stop();
  }
  get running(): string | undefined {
    return this.active?.inv.requestId ?? this.first?.inv.requestId;
  }
  private run(p: Pending): void {
    this.state = 'busy';
    this.invocations += 1;
    this.active = p;
  }
}

const config: VersionConfig = {
  functionName: 'fn',
  version: '$LATEST',
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  codeDir: '/nowhere',
  memoryMb: 128,
  timeoutS: 3,
  environment: {},
  generation: 0,
};

const resolved = (extra: Partial<ResolvedInvoke> = {}): ResolvedInvoke => ({ config, invokedArn: config.functionArn, executedVersion: '$LATEST', ...extra });

let requestCounter = 0;
const invocation = (): Invocation => ({ requestId: `req-${++requestCounter}`, payload: Buffer.from('{}'), invokedArn: config.functionArn, clientContext: undefined, wantLog: false });

function setup(options: Partial<PoolOptions> = {}) {
  const clock = new FakeClock();
  const envs: FakeEnv[] = [];
  const pool = new Pool({
    region: 'us-east-1',
    cpuQuota: createCpuQuota(false),
    totalReserved: () => 0,
    initConcurrency: 1000,
    clock,
    environments: (envId, cfg, initType, host, provisionedKey) => {
      const env = new FakeEnv(envId, cfg, initType, host, provisionedKey);
      envs.push(env);
      return env;
    },
    ...options,
  });
  const invoke = (extra: Partial<ResolvedInvoke> = {}): { admission: Admission; requestId: string } => {
    const inv = invocation();
    return { admission: pool.invoke(resolved(extra), inv), requestId: inv.requestId };
  };
  return { clock, envs, pool, invoke };
}

/** Lets the pool's `await slots.acquire()` continuations run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const reasonOf = (a: Admission): unknown => (a.ok ? undefined : a.error.extra?.['Reason']);

describe('Pool admission', () => {
  it('N invocations before any environment is free get N environments, each keeping the one started for it', async () => {
    const { envs, invoke } = setup();
    const calls = Array.from({ length: 5 }, () => invoke());
    await settle();
    expect(envs).toHaveLength(5);
    expect(calls.every((c) => c.admission.ok && c.admission.timing.cold)).toBe(true);
    // The first environment initialises, serves its invocation and goes idle while the others are still in init.
    envs[0]?.finishInit();
    envs[0]?.finishInvocation();
    // Each other invocation still runs on the environment started for it, not on the one that freed up.
    for (const [i, env] of envs.entries()) if (i > 0) expect(env.running).toBe(calls[i]?.requestId);
    for (const env of envs.slice(1)) env.finishInit();
    const outcomes = await Promise.all(
      calls.map(async (c, i) => {
        if (i > 0) envs[i]?.finishInvocation();
        return c.admission.ok ? c.admission.outcome : undefined;
      }),
    );
    expect(outcomes.map((o) => o?.envId)).toEqual(envs.map((e) => e.envId));
    // An invocation that arrives now finds a free environment: warm, no new one.
    const later = invoke();
    expect(later.admission.ok && later.admission.timing.cold).toBe(false);
    expect(envs).toHaveLength(5);
  });

  it('reuses the most recently idle environment first, so surplus ones age out', async () => {
    const { envs, invoke } = setup();
    invoke();
    invoke();
    await settle();
    envs[0]?.finishInit();
    envs[1]?.finishInit();
    envs[1]?.finishInvocation();
    envs[0]?.finishInvocation();
    const next = invoke();
    expect(envs[0]?.running).toBe(next.requestId);
    expect(envs[1]?.running).toBeUndefined();
  });

  it('cold starts beyond the init slots wait, and each records its own queue wait', async () => {
    const { clock, envs, invoke } = setup({ initConcurrency: 2 });
    const calls = Array.from({ length: 4 }, () => invoke());
    await settle();
    expect(envs.map((e) => e.started)).toEqual([true, true, false, false]);
    clock.advance(300);
    envs[0]?.finishInit();
    await settle();
    expect(envs.map((e) => e.started)).toEqual([true, true, true, false]);
    clock.advance(200);
    envs[1]?.finishInit();
    await settle();
    expect(envs.every((e) => e.started)).toBe(true);
    const waits = calls.map((c) => (c.admission.ok ? c.admission.timing.queueWaitMs : undefined));
    expect(waits).toEqual([0, 0, 300, 500]);
  });
});

describe('Pool limits', () => {
  it('throttles past the account limit with ConcurrentInvocationLimitExceeded, and admits again once one ends', async () => {
    const { envs, invoke } = setup({ accountConcurrency: 3 });
    const admitted = [invoke(), invoke(), invoke()];
    expect(admitted.every((c) => c.admission.ok)).toBe(true);
    const fourth = invoke();
    expect(fourth.admission.ok).toBe(false);
    expect(reasonOf(fourth.admission)).toBe('ConcurrentInvocationLimitExceeded');
    await settle();
    envs[0]?.finishInit();
    envs[0]?.finishInvocation();
    expect(invoke().admission.ok).toBe(true);
  });

  it('reserved concurrency caps the function with its own Reason', () => {
    const { invoke } = setup();
    expect(invoke({ reservedConcurrency: 2 }).admission.ok).toBe(true);
    expect(invoke({ reservedConcurrency: 2 }).admission.ok).toBe(true);
    expect(reasonOf(invoke({ reservedConcurrency: 2 }).admission)).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(reasonOf(invoke({ reservedConcurrency: 0 }).admission)).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
  });

  it('the scaling-rate bucket refuses new environments once empty and refills with time; warm invocations need no token', async () => {
    const { clock, envs, invoke } = setup({ scalingRate: { environments: 2, perMs: 1000 } });
    expect(invoke().admission.ok).toBe(true);
    expect(invoke().admission.ok).toBe(true);
    const third = invoke();
    expect(reasonOf(third.admission)).toBe(SCALING_RATE_REASON);
    // A free environment is served warm without a token.
    await settle();
    envs[0]?.finishInit();
    envs[0]?.finishInvocation();
    expect(invoke().admission.ok).toBe(true);
    expect(reasonOf(invoke().admission)).toBe(SCALING_RATE_REASON);
    clock.advance(499);
    expect(reasonOf(invoke().admission)).toBe(SCALING_RATE_REASON);
    clock.advance(1);
    expect(invoke().admission.ok).toBe(true);
    // Unused capacity is not banked past one bucket.
    clock.advance(60_000);
    expect([invoke(), invoke(), invoke()].map((c) => c.admission.ok)).toEqual([true, true, false]);
  });
});

describe('Pool reaping', () => {
  it('stops environments idle longer than the idle TTL, oldest first, and only those', async () => {
    const { clock, envs, invoke } = setup({ idleTtlMs: 1000 });
    invoke();
    invoke();
    await settle();
    envs[0]?.finishInit();
    envs[0]?.finishInvocation();
    clock.advance(600);
    envs[1]?.finishInit();
    envs[1]?.finishInvocation();
    clock.advance(600);
    // The reaper runs every idleTtl/4: by now env 1 has been idle 1,200 ms, env 2 600 ms.
    expect(envs.map((e) => e.state)).toEqual(['exited', 'idle']);
    clock.advance(600);
    expect(envs.map((e) => e.state)).toEqual(['exited', 'exited']);
    // The next invocation is a cold start.
    const next = invoke();
    expect(next.admission.ok && next.admission.timing.cold).toBe(true);
  });
});

describe('Pool provisioned concurrency', () => {
  it('starts the requested environments, serves from them without a limit check, and refills one that dies', async () => {
    const { envs, pool, invoke } = setup({ accountConcurrency: 2 });
    pool.setProvisioned('fn:1', { ...config, version: '1' }, 2);
    await settle();
    expect(envs.map((e) => e.initType)).toEqual(['provisioned-concurrency', 'provisioned-concurrency']);
    expect(envs[0]?.initTimeoutMs).toBe(130_000);
    for (const env of envs) env.finishInit();
    expect(pool.provisionedProgress('fn:1')).toEqual({ requested: 2, allocated: 2, available: 2 });
    // The account limit (2) is used up by the provisioned environments; their own invocations still run.
    const call = invoke({ provisionedKey: 'fn:1' });
    expect(call.admission.ok && !call.admission.timing.cold).toBe(true);
    expect(reasonOf(invoke().admission)).toBe('ConcurrentInvocationLimitExceeded');
    envs[1]?.crash();
    await settle();
    expect(envs).toHaveLength(3);
    envs[2]?.finishInit();
    expect(pool.provisionedProgress('fn:1')?.allocated).toBe(2);
  });

  it('an environment that fails its init is reported (FAILED), not retried in a loop', async () => {
    const { envs, pool } = setup();
    pool.setProvisioned('fn:1', { ...config, version: '1' }, 1);
    await settle();
    envs[0]?.crash();
    await settle();
    expect(envs).toHaveLength(1);
    expect(pool.provisionedProgress('fn:1')?.failureReason).toMatch(/failed to initialise/);
  });
});
