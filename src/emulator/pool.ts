/**
 * The data plane: which environment runs an invocation, when environments start and stop, and who gets
 * throttled. Warm environments are reused last-idle-first (as Lambda does, so surplus ones age out), an
 * environment takes one invocation at a time, and every limit is checked before anything starts.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CpuQuota } from './cpu-quota.js';
import { ExecutionEnvironment, type EnvHost, type InitType, type Invocation, type InvocationOutcome } from './execution-env.js';
import { InitSlots } from './init-slots.js';
import { throttled, type ServiceError } from './lambda-errors.js';
import type { DataPlane, ProvisionedProgress, ResolvedInvoke, VersionConfig } from './model.js';
import { RuntimeApiHub } from './runtime-api.js';
import type { EnvironmentSnapshot } from './api.js';

/**
 * The pool's view of time: `now()` in ms on a monotonic clock, and a repeating timer. Injected so admission,
 * the scaling-rate bucket and reaping can be tested with a fake clock.
 */
export interface PoolClock {
  now(): number;
  /** Calls `fn` every `ms` until the returned function is called; must not keep the process alive. */
  every(ms: number, fn: () => void): () => void;
}

/** The real clock: performance.now() and an unref'd setInterval. */
export const systemClock: PoolClock = {
  now: () => performance.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** What the pool needs of one environment (ExecutionEnvironment in the emulator; a fake in unit tests). */
export interface PoolEnvironment {
  readonly envId: string;
  readonly config: VersionConfig;
  readonly initType: InitType;
  readonly provisionedKey?: string | undefined;
  readonly state: EnvironmentSnapshot['state'];
  readonly invocations: number;
  readonly pid: number | undefined;
  readonly maxMemoryUsedMb: number;
  /** True once init finished. */
  readonly initialised: boolean;
  /** Idle, with a runtime waiting for an event. */
  readonly reachable: boolean;
  /** Resolves once the environment is gone. */
  readonly exited: Promise<void>;
  /** Set by the pool while the environment sits in an idle list (clock ms). */
  idleSince: number;
  /** The invocation that made this environment start; it runs as soon as init is over. */
  assignFirst(inv: Invocation): Promise<InvocationOutcome>;
  /** Spawns the runtime (the pool holds an init slot for it, given back through `initSettled`). */
  start(initTimeoutMs: number): Promise<void>;
  dispatch(inv: Invocation): Promise<InvocationOutcome>;
  stop(): void;
}

/** Builds environments; the pool calls it for every cold start and provisioned environment. */
export type EnvironmentFactory = (
  envId: string,
  config: VersionConfig,
  initType: InitType,
  host: Pool,
  provisionedKey: string | undefined,
) => PoolEnvironment;

const realEnvironments: EnvironmentFactory = (envId, config, initType, host, provisionedKey) =>
  new ExecutionEnvironment(envId, config, initType, host, provisionedKey);

/** Pool settings (defaults are Lambda's where Lambda has one). */
export interface PoolOptions {
  accountConcurrency?: number;
  initConcurrency?: number;
  idleTtlMs?: number;
  stopGraceMs?: number;
  scalingRate?: { environments: number; perMs: number };
  initTimeoutMs?: number;
  region: string;
  cpuQuota: CpuQuota;
  /** Sum of reserved concurrency over all functions (the control plane knows it). */
  totalReserved: () => number;
  /** Default: the system clock. */
  clock?: PoolClock;
  /** Default: real environments (runtime processes). */
  environments?: EnvironmentFactory;
  /** The emulator ran out of something (file descriptors, processes) while starting an environment. */
  onResourceFailure?: (code: string, message: string) => void;
  /** Test aid (api.ts TestAids.provisionedInitInReport): a provisioned environment's first REPORT carries its Init Duration. */
  provisionedInitInReport?: boolean;
  /** Every invocation's log (START … REPORT), by environment: the emulator's CloudWatch Logs keep it. */
  onLog?: (env: { envId: string; config: VersionConfig }, text: string) => void;
}

/**
 * When an admitted invocation got its environment, and how long its cold start waited for an init slot
 * (clock ms; `queueWaitMs` stays undefined until the environment spawns, and is 0 for warm invocations).
 */
export interface AdmissionTiming {
  assignedAt: number;
  queueWaitMs: number | undefined;
  /** The environment was started for this invocation (a cold start). */
  cold: boolean;
  /** Set when that environment could not start for lack of a resource (`EMFILE`, …): report it as the emulator's failure. */
  resourceFailure?: { code: string; message: string };
}

/** An invoke was admitted (the outcome arrives when it ends) or throttled. */
export type Admission = { ok: true; outcome: Promise<InvocationOutcome>; timing: AdmissionTiming } | { ok: false; error: ServiceError };

/** Default idle lifetime: Lambda keeps idle environments for minutes (undocumented; ≈5–15 min observed). */
export const DEFAULT_IDLE_TTL_MS = 10 * 60_000;

/**
 * Reason sent when the per-function scaling rate (1,000 new environments per 10 s) is exhausted. AWS does not
 * document which Reason it uses there; FunctionInvocationRateLimitExceeded names a per-function rate limit, and
 * keeps these throttles apart from concurrency-limit throttles in coldprobe's "throttles by reason".
 */
export const SCALING_RATE_REASON = 'FunctionInvocationRateLimitExceeded';

interface FunctionStats {
  /** On-demand invocations in flight (busy or starting for an invoke). */
  active: number;
  /** Provisioned environments alive (they hold their concurrency whether busy or not). */
  provisioned: number;
  /** Last reservation seen on an invoke (undefined: the function draws on the unreserved pool). */
  reserved: number | undefined;
  /** Scaling-rate token bucket. */
  tokens: number;
  tokensAt: number;
  /** Current generation of `$LATEST` (older environments are retired). */
  generation: number;
}

interface ProvisionedPool {
  key: string;
  config: VersionConfig;
  requested: number;
  envs: Set<PoolEnvironment>;
  idle: PoolEnvironment[];
  failureReason: string | undefined;
}

export class Pool implements DataPlane, EnvHost {
  readonly runtimeApi = new RuntimeApiHub();
  readonly region: string;
  readonly stopGraceMs: number;
  readonly cpuQuota: CpuQuota;
  readonly provisionedInitInReport: boolean;
  private readonly accountConcurrency: number;
  private readonly idleTtlMs: number;
  private readonly initTimeoutMs: number;
  private readonly scalingRate: { environments: number; perMs: number };
  private readonly totalReserved: () => number;
  private readonly slots: InitSlots;
  private readonly clock: PoolClock;
  private readonly makeEnvironment: EnvironmentFactory;
  private readonly envs = new Set<PoolEnvironment>();
  /** On-demand idle environments per `name\nversion\ngeneration`, most recently idle last. */
  private readonly idleByKey = new Map<string, PoolEnvironment[]>();
  private readonly stats = new Map<string, FunctionStats>();
  private readonly provisioned = new Map<string, ProvisionedPool>();
  private readonly stopReaper: () => void;
  /** Timing of the invocation each on-demand environment was started for (weak: gone with the environment). */
  private readonly coldTimings = new WeakMap<PoolEnvironment, AdmissionTiming>();
  private readonly onResourceFailure: ((code: string, message: string) => void) | undefined;
  /** EnvHost.log: set only when the emulator keeps logs, so environments build none otherwise. */
  readonly log: ((env: PoolEnvironment, text: string) => void) | undefined;
  private inUse = 0;
  private envCounter = 0;
  private closing = false;

  constructor(options: PoolOptions) {
    this.region = options.region;
    this.cpuQuota = options.cpuQuota;
    this.provisionedInitInReport = options.provisionedInitInReport ?? false;
    this.accountConcurrency = options.accountConcurrency ?? 1000;
    this.idleTtlMs = options.idleTtlMs ?? DEFAULT_IDLE_TTL_MS;
    this.stopGraceMs = options.stopGraceMs ?? 500;
    this.initTimeoutMs = options.initTimeoutMs ?? 10_000;
    this.scalingRate = options.scalingRate ?? { environments: 1000, perMs: 10_000 };
    this.totalReserved = options.totalReserved;
    this.clock = options.clock ?? systemClock;
    this.makeEnvironment = options.environments ?? realEnvironments;
    this.onResourceFailure = options.onResourceFailure;
    const onLog = options.onLog;
    // Stored a turn later: the environment goes back to idle first, so keeping logs never delays its reuse.
    this.log = onLog === undefined ? undefined : (env, text) => void setImmediate(() => onLog(env, text));
    this.slots = new InitSlots(Math.max(1, options.initConcurrency ?? availableParallelism()));
    // One sweep for all environments (no timer per environment): cheap with 500 of them.
    this.stopReaper = this.clock.every(Math.min(10_000, Math.max(20, Math.floor(this.idleTtlMs / 4))), () => this.reapIdle());
  }

  /** Environments allowed to initialise at once. */
  get initSlots(): number {
    return this.slots.limit;
  }

  /** Runs one invocation: a provisioned environment, else a warm one, else a cold start; or a throttle. */
  invoke(resolved: ResolvedInvoke, inv: Invocation): Admission {
    if (this.closing) return { ok: false, error: { status: 503, type: 'ServiceException', message: 'The emulator is shutting down.' } };
    const config = resolved.config;
    const fn = this.statsOf(config.functionName);
    fn.reserved = resolved.reservedConcurrency;

    if (resolved.provisionedKey !== undefined) {
      const pc = this.provisioned.get(resolved.provisionedKey);
      const env = pc === undefined ? undefined : this.popReachable(pc.idle);
      // A provisioned environment already holds its concurrency slot, so no limit check applies.
      if (env !== undefined) return { ok: true, outcome: env.dispatch(inv), timing: this.warmTiming() };
    }

    const refusal = this.admit(fn);
    if (refusal !== undefined) return { ok: false, error: refusal };

    const warm = this.popReachable(this.idleByKey.get(idleKey(config)));
    if (warm !== undefined) {
      this.take(fn);
      return { ok: true, outcome: warm.dispatch(inv), timing: this.warmTiming() };
    }
    if (!this.takeScalingToken(fn)) return { ok: false, error: throttled(SCALING_RATE_REASON) };
    this.take(fn);
    // The invocation owns this new environment from now on: it is never handed to another one that frees up
    // while this one initialises (Lambda: a request that found no free environment gets a new one).
    const env = this.createEnv(config, 'on-demand');
    const outcome = env.assignFirst(inv);
    const timing: AdmissionTiming = { assignedAt: this.clock.now(), queueWaitMs: undefined, cold: true };
    this.coldTimings.set(env, timing);
    void this.startEnv(env, this.initTimeoutMs, timing);
    return { ok: true, outcome, timing };
  }

  private warmTiming(): AdmissionTiming {
    return { assignedAt: this.clock.now(), queueWaitMs: 0, cold: false };
  }

  // ---- DataPlane (control plane → data plane) ---------------------------------------------------------------

  retireGeneration(functionName: string, currentGeneration: number): void {
    const fn = this.statsOf(functionName);
    fn.generation = Math.max(fn.generation, currentGeneration);
    for (const [key, list] of this.idleByKey) {
      const env = list[0];
      if (env === undefined || !this.isRetired(env)) continue;
      this.idleByKey.delete(key);
      for (const e of list) e.stop();
    }
  }

  setProvisioned(key: string, config: VersionConfig, count: number): void {
    let pc = this.provisioned.get(key);
    if (pc === undefined) {
      if (count <= 0) return;
      pc = { key, config, requested: 0, envs: new Set(), idle: [], failureReason: undefined };
      this.provisioned.set(key, pc);
    }
    pc.config = config;
    pc.requested = Math.max(0, count);
    pc.failureReason = undefined;
    // Environments of a different configuration (alias moved, config changed) are replaced.
    for (const env of [...pc.envs]) if (!sameConfig(env.config, config) && env.state === 'idle') this.stopProvisioned(pc, env);
    while (this.liveCount(pc) > pc.requested) {
      const env = pc.idle.pop();
      if (env === undefined) break;
      this.stopProvisioned(pc, env);
    }
    this.fillProvisioned(pc);
    if (pc.requested === 0 && pc.envs.size === 0) this.provisioned.delete(key);
  }

  provisionedProgress(key: string): ProvisionedProgress | undefined {
    const pc = this.provisioned.get(key);
    if (pc === undefined) return undefined;
    let allocated = 0;
    for (const env of pc.envs) if (env.initialised && env.state !== 'stopping' && env.state !== 'exited') allocated += 1;
    const progress: ProvisionedProgress = { requested: pc.requested, allocated, available: pc.idle.length };
    if (pc.failureReason !== undefined) progress.failureReason = pc.failureReason;
    return progress;
  }

  concurrencyInUse(functionName?: string): number {
    if (functionName === undefined) return this.inUse;
    const fn = this.stats.get(functionName);
    return fn === undefined ? 0 : fn.active + fn.provisioned;
  }

  // ---- EnvHost (environment → pool) --------------------------------------------------------------------------

  initSettled(): void {
    this.slots.release();
  }

  invocationEnded(env: PoolEnvironment): void {
    if (env.provisionedKey !== undefined) return;
    const fn = this.stats.get(env.config.functionName);
    if (fn === undefined) return;
    fn.active -= 1;
    this.inUse -= 1;
  }

  idle(env: PoolEnvironment): void {
    if (this.closing) return env.stop();
    if (env.provisionedKey !== undefined) {
      const pc = this.provisioned.get(env.provisionedKey);
      if (pc === undefined || !sameConfig(env.config, pc.config) || this.liveCount(pc) > pc.requested) {
        if (pc === undefined) env.stop();
        else this.stopProvisioned(pc, env);
        return;
      }
      pc.idle.push(env);
      return;
    }
    if (this.isRetired(env)) return env.stop();
    env.idleSince = this.clock.now();
    const key = idleKey(env.config);
    const list = this.idleByKey.get(key);
    if (list === undefined) this.idleByKey.set(key, [env]);
    else list.push(env);
  }

  resourceFailure(env: PoolEnvironment, code: string, message: string): void {
    const timing = this.coldTimings.get(env);
    if (timing !== undefined) timing.resourceFailure = { code, message };
    this.onResourceFailure?.(code, message);
  }

  gone(env: PoolEnvironment): void {
    this.envs.delete(env);
    if (env.provisionedKey !== undefined) {
      const pc = this.provisioned.get(env.provisionedKey);
      const fn = this.stats.get(env.config.functionName);
      if (fn !== undefined) {
        fn.provisioned -= 1;
        this.inUse -= 1;
      }
      if (pc === undefined) return;
      pc.envs.delete(env);
      removeFrom(pc.idle, env);
      if (!env.initialised) {
        // Do not retry a failing init in a loop: report it (Status FAILED) and let the control plane decide.
        pc.failureReason ??= `Environment ${env.envId} failed to initialise`;
      } else if (!this.closing) {
        // Lambda recycles provisioned environments; a crashed or timed-out one is replaced.
        this.fillProvisioned(pc);
      }
      if (pc.requested === 0 && pc.envs.size === 0) this.provisioned.delete(pc.key);
      return;
    }
    const list = this.idleByKey.get(idleKey(env.config));
    if (list !== undefined) removeFrom(list, env);
  }

  // ---- emulator-facing helpers -------------------------------------------------------------------------------

  /** Stops idle on-demand environments (of one function, or all); resolves with how many, once they are gone. */
  async drainIdle(functionName?: string): Promise<number> {
    const stopped: PoolEnvironment[] = [];
    for (const [key, list] of this.idleByKey) {
      if (functionName !== undefined && list[0]?.config.functionName !== functionName) continue;
      this.idleByKey.delete(key);
      for (const env of list) {
        env.stop();
        stopped.push(env);
      }
    }
    await Promise.all(stopped.map((env) => env.exited));
    return stopped.length;
  }

  /** Every environment not yet exited. */
  snapshots(): EnvironmentSnapshot[] {
    const out: EnvironmentSnapshot[] = [];
    for (const env of this.envs) {
      const snapshot: EnvironmentSnapshot = {
        envId: env.envId,
        functionName: env.config.functionName,
        version: env.config.version,
        state: env.state,
        initType: env.initType,
        invocations: env.invocations,
        memoryMb: env.config.memoryMb,
        maxMemoryUsedMb: env.maxMemoryUsedMb,
      };
      if (env.pid !== undefined) snapshot.pid = env.pid;
      out.push(snapshot);
    }
    return out;
  }

  /** Stops everything; resolves when every process is gone. Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopReaper();
    this.idleByKey.clear();
    for (const pc of this.provisioned.values()) pc.idle.length = 0;
    const all = [...this.envs];
    for (const env of all) env.stop();
    await Promise.all(all.map((env) => env.exited));
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  private statsOf(functionName: string): FunctionStats {
    let fn = this.stats.get(functionName);
    if (fn === undefined) {
      fn = { active: 0, provisioned: 0, reserved: undefined, tokens: this.scalingRate.environments, tokensAt: this.clock.now(), generation: 0 };
      this.stats.set(functionName, fn);
    }
    return fn;
  }

  /** The throttle for one more in-flight invocation of `fn`, if any. */
  private admit(fn: FunctionStats): ServiceError | undefined {
    const fnInUse = fn.active + fn.provisioned;
    if (fn.reserved !== undefined) {
      // Reserved concurrency is both cap and guarantee (0 throttles everything).
      if (fnInUse + 1 > fn.reserved) return throttled('ReservedFunctionConcurrentInvocationLimitExceeded');
    } else {
      let reservedInUse = 0;
      for (const other of this.stats.values()) if (other.reserved !== undefined) reservedInUse += other.active + other.provisioned;
      const unreservedLimit = this.accountConcurrency - this.totalReserved();
      if (this.inUse - reservedInUse + 1 > unreservedLimit) return throttled('ConcurrentInvocationLimitExceeded');
    }
    if (this.inUse + 1 > this.accountConcurrency) return throttled('ConcurrentInvocationLimitExceeded');
    return undefined;
  }

  private take(fn: FunctionStats): void {
    fn.active += 1;
    this.inUse += 1;
  }

  /** Token bucket refilled continuously at `environments / perMs`; unused capacity is not banked beyond one bucket. */
  private takeScalingToken(fn: FunctionStats): boolean {
    const now = this.clock.now();
    const { environments, perMs } = this.scalingRate;
    fn.tokens = Math.min(environments, fn.tokens + ((now - fn.tokensAt) * environments) / perMs);
    fn.tokensAt = now;
    if (fn.tokens < 1) return false;
    fn.tokens -= 1;
    return true;
  }

  private createEnv(config: VersionConfig, initType: InitType, provisionedKey?: string): PoolEnvironment {
    this.envCounter += 1;
    const envId = `env-${this.envCounter.toString().padStart(4, '0')}`;
    const env = this.makeEnvironment(envId, config, initType, this, provisionedKey);
    this.envs.add(env);
    return env;
  }

  private async startEnv(env: PoolEnvironment, initTimeoutMs: number, timing?: AdmissionTiming): Promise<void> {
    await this.slots.acquire();
    if (timing !== undefined) timing.queueWaitMs = this.clock.now() - timing.assignedAt;
    await env.start(initTimeoutMs);
  }

  private fillProvisioned(pc: ProvisionedPool): void {
    if (this.closing) return;
    const fn = this.statsOf(pc.config.functionName);
    // Provisioned init is not bound by the 10 s on-demand limit (Lambda: up to max(130 s, timeout)).
    const limitMs = Math.max(130_000, pc.config.timeoutS * 1000);
    while (this.liveCount(pc) < pc.requested) {
      const env = this.createEnv(pc.config, 'provisioned-concurrency', pc.key);
      pc.envs.add(env);
      fn.provisioned += 1;
      this.inUse += 1;
      void this.startEnv(env, limitMs);
    }
  }

  private stopProvisioned(pc: ProvisionedPool, env: PoolEnvironment): void {
    removeFrom(pc.idle, env);
    env.stop();
  }

  /** Provisioned environments alive and not on their way out. */
  private liveCount(pc: ProvisionedPool): number {
    let n = 0;
    for (const env of pc.envs) if (env.state !== 'stopping' && env.state !== 'exited') n += 1;
    return n;
  }

  private isRetired(env: PoolEnvironment): boolean {
    // Only `$LATEST` changes in place; published versions are immutable and keep their environments.
    if (env.config.version !== '$LATEST') return false;
    const fn = this.stats.get(env.config.functionName);
    return fn !== undefined && env.config.generation < fn.generation;
  }

  /** Pops the most recently idle environment whose runtime is still waiting; stops any that are not. */
  private popReachable(list: PoolEnvironment[] | undefined): PoolEnvironment | undefined {
    if (list === undefined) return undefined;
    for (;;) {
      const env = list.pop();
      if (env === undefined) return undefined;
      if (env.reachable) return env;
      env.stop();
    }
  }

  private reapIdle(): void {
    const cutoff = this.clock.now() - this.idleTtlMs;
    for (const [key, list] of this.idleByKey) {
      // Oldest idle first: the list is ordered by the time each environment became idle.
      let n = 0;
      while (n < list.length && (list[n] as PoolEnvironment).idleSince <= cutoff) n += 1;
      if (n === 0) continue;
      for (const env of list.splice(0, n)) env.stop();
      if (list.length === 0) this.idleByKey.delete(key);
    }
  }
}

function idleKey(config: VersionConfig): string {
  return `${config.functionName}\n${config.version}\n${config.generation}`;
}

function sameConfig(a: VersionConfig, b: VersionConfig): boolean {
  return a.functionName === b.functionName && a.version === b.version && a.generation === b.generation;
}

function removeFrom(list: PoolEnvironment[], env: PoolEnvironment): void {
  const i = list.lastIndexOf(env);
  if (i >= 0) list.splice(i, 1);
}
