/**
 * One execution environment: the state machine of environment.ts driven by its runtime process, its Runtime
 * API listener and its pool. Routing and concurrency are the pool's; this file keeps one environment honest:
 * one invocation at a time, Init Duration = spawn → first `/next`, Duration = invoke start → next `/next`, the
 * caller's response as soon as the runtime posts it (with a log tail: once the REPORT exists, at `/next`), and
 * an on-demand init that fails or overruns its limit retried inside the first invocation (suppressed init).
 * Every decision reads the machine; the fields beside it are I/O handles and measurements only.
 */
import { performance } from 'node:perf_hooks';
import type { CpuQuota } from './cpu-quota.js';
import { holdsInitSlot, initialMachine, publicState, transition, type EnvEffect, type EnvEvent, type EnvMachine, type EnvTransition, type InitFailure, type InitPhase } from './environment.js';
import {
  coldprobeLine,
  crashLines,
  endLine,
  exitReason,
  initReportLine,
  reportLine,
  startLine,
  timeoutLine,
  unknownErrorLines,
  type ReportLineFields as ReportFields,
} from '../lambda/report.js';
import { BoundedLog, logTail } from './log.js';
import { PLATFORM_ERRORS } from '../lambda/errors.js';
import type { VersionConfig } from './model.js';
import { MAX_RESPONSE_BYTES, type RuntimeApiHub, type RuntimeApiTarget, type RuntimeListener, type RuntimeReply, type RuntimeResult } from './runtime-api.js';
import { pythonProgram, spawnRuntime, type ProcessEvents, type RuntimeProcess, type RuntimeSpec } from './supervisor.js';

/** How an environment was initialised (AWS_LAMBDA_INITIALIZATION_TYPE). */
export type InitType = 'on-demand' | 'provisioned-concurrency';

/** One invocation as the runtime will see it. */
export interface Invocation {
  requestId: string;
  payload: Buffer;
  /** ARN as invoked (Lambda-Runtime-Invoked-Function-Arn). */
  invokedArn: string;
  /** Raw client-context JSON, when the caller sent one. */
  clientContext: string | undefined;
  /**
   * Answer with the log tail (X-Amz-Log-Type: Tail): the response then waits for the REPORT. The log itself is
   * built for every invocation when the host keeps logs (`EnvHost.log`).
   */
  wantLog: boolean;
}

/** How an invocation ended, as the Invoke API reports it. */
export interface InvocationOutcome {
  requestId: string;
  /** Function result, or the error document (verbatim from the runtime, or the platform's). */
  body: Buffer;
  /** Error type when the function failed (then X-Amz-Function-Error is set). */
  errorType: string | undefined;
  /** Last 4 KB of the invocation's log, when asked for. */
  logTail: Buffer | undefined;
  envId: string;
  /** 1-based count of invocations this environment has been given. */
  envSeq: number;
  initType: InitType;
}

/** Starts runtime processes; injected so an environment can be driven without real processes. */
export interface Supervisor {
  /** Work before the spawn that is the emulator's, not the runtime's init (finding the python interpreter). */
  prepare(runtime: string): Promise<string | undefined>;
  /** Starts the runtime; every outcome, a failed start included, arrives through `events`. */
  spawn(spec: RuntimeSpec, events: ProcessEvents, python: string | undefined): RuntimeProcess;
}

/** The real one: child processes (supervisor.ts). */
export const processSupervisor: Supervisor = {
  prepare: (runtime) => (runtime.startsWith('python') ? pythonProgram() : Promise.resolve(undefined)),
  spawn: spawnRuntime,
};

/** What an environment needs from, and tells, its pool. */
export interface EnvHost {
  readonly runtimeApi: RuntimeApiHub;
  readonly region: string;
  readonly stopGraceMs: number;
  readonly cpuQuota: CpuQuota;
  /** Test aid: a provisioned environment's first invocation reports the Init Duration of its allocation-time init. */
  readonly provisionedInitInReport?: boolean;
  /** The environment no longer needs its init slot (its first init finished or failed). */
  initSettled(env: ExecutionEnvironment): void;
  /** The invocation in flight ended (its concurrency slot is free). */
  invocationEnded(env: ExecutionEnvironment): void;
  /** The environment can take an invocation. */
  idle(env: ExecutionEnvironment): void;
  /** The process is gone; forget the environment. */
  gone(env: ExecutionEnvironment): void;
  /** The environment could not start for lack of a resource (`EMFILE`, `EAGAIN`, …): the emulator failed, not the function. */
  resourceFailure?(env: ExecutionEnvironment, code: string, message: string): void;
  /** An invocation's log (START … REPORT), as Lambda sends it to CloudWatch Logs; absent, only tails asked for are built. */
  log?(env: ExecutionEnvironment, text: string): void;
}

/** The invocation assigned to, or running in, this environment. */
interface Job {
  inv: Invocation;
  resolve: (outcome: InvocationOutcome) => void;
  /** performance.now() when the invocation began (dispatch, or the start of a suppressed init's retry); undefined while it waits for init. */
  startedAt: number | undefined;
  deadlineMs: number;
  timer: NodeJS.Timeout | undefined;
  /** 1-based invocation number in this environment. */
  seq: number;
  /** Init Duration to report (first invocation of an on-demand environment whose init was not suppressed). */
  initDurationMs: number | undefined;
  /** Log before START: init output and INIT_REPORT lines (first invocation with a log tail only). */
  preamble: Buffer;
  result: RuntimeResult | undefined;
  /** Releases a posted answer to a caller without a log tail (see RESPONSE_TRANSIT_MS). */
  release: NodeJS.Timeout | undefined;
}

/** An init failure with what INIT_REPORT, the platform's lines and the caller's error need. */
interface FailedInit extends InitFailure {
  /** The document the runtime posted to `/init/error`, passed to the caller verbatim. */
  document?: Buffer;
  /** Message of the platform's error document when the runtime posted none. */
  message: string;
  initMs: number;
  /** Platform lines written after START. */
  lines: (requestId: string) => string;
}

const platformErrorBody = (errorType: string, errorMessage: string): Buffer => Buffer.from(JSON.stringify({ errorType, errorMessage }));

let traceCounter = 0;
const tracePrefix = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');

/** X-Ray-shaped trace header; ids only need to be unique, so a counter does (no crypto on the invoke path). */
function traceId(): string {
  traceCounter = (traceCounter + 1) >>> 0;
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const tail = traceCounter.toString(16).padStart(16, '0');
  return `Root=1-${epoch}-${tracePrefix}${tail};Parent=${tail};Sampled=0`;
}

/**
 * How long a posted answer (no log tail) waits for the runtime's next `/next` before it leaves anyway. On Lambda
 * the response crosses the service's front end to reach the caller, and the runtime's `/next` (a fraction of a
 * millisecond after its POST) is in long before the caller can send another request, so a sequential client
 * finds its environment idle again. On loopback the caller is as fast as the runtime, and without this a
 * closed loop would often find the environment still busy and start spurious cold environments. Work after the
 * response costs the caller at most this much; the rest is Duration only.
 */
export const RESPONSE_TRANSIT_MS = 10;

/** Re-reading VmHWM more often than this buys nothing: it only grows, and REPORT rounds to MB. */
const RSS_REFRESH_MS = 500;
const EMPTY = Buffer.alloc(0);

export class ExecutionEnvironment implements RuntimeApiTarget {
  private machine: EnvMachine = initialMachine;
  private invocationCount = 0;
  private listener: RuntimeListener | undefined;
  private proc: RuntimeProcess | undefined;
  /** Identity of the current process: events of a process an init retry replaced are ignored. */
  private procToken: object = {};
  private spawnedAt = 0;
  private initLimitMs = 0;
  private initTimer: NodeJS.Timeout | undefined;
  /** The runtime's waiting `/next` (meaningful in state idle). */
  private parked: RuntimeReply | undefined;
  private job: Job | undefined;
  /** Why the current init failed, from the failure until the process is gone. */
  private failedInit: FailedInit | undefined;
  private initDurationMs: number | undefined;
  private readonly initLog = new BoundedLog();
  private readonly outLog = new BoundedLog();
  private peakRssKb = 0;
  private rssReadAt = -Infinity;
  private rssRead: Promise<void> | undefined;
  private exitedResolve!: () => void;
  /** Resolves once the process is gone and the environment forgotten. */
  readonly exited: Promise<void> = new Promise((resolve) => (this.exitedResolve = resolve));
  /** Set by the pool while the environment sits in an idle list (performance.now() ms). */
  idleSince = 0;

  constructor(
    readonly envId: string,
    readonly config: VersionConfig,
    readonly initType: InitType,
    private readonly host: EnvHost,
    /** `name:version` of the provisioned pool this environment belongs to. */
    readonly provisionedKey?: string,
    private readonly supervisor: Supervisor = processSupervisor,
  ) {}

  /** The coarse state users see: starting, idle, busy, stopping, exited. */
  get state(): ReturnType<typeof publicState> {
    return publicState(this.machine);
  }

  /** The machine's own state (tests, diagnostics). */
  get lifecycle(): EnvMachine['state'] {
    return this.machine.state;
  }

  get invocations(): number {
    return this.invocationCount;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get maxMemoryUsedMb(): number {
    return Math.ceil(this.peakRssKb / 1024);
  }

  /** True once an init finished (the runtime called `/next` at least once). */
  get initialised(): boolean {
    return this.initDurationMs !== undefined;
  }

  /** True when the runtime waits on `/next`, so an event can be handed to it now. */
  get reachable(): boolean {
    return this.machine.state === 'idle' && this.parked?.alive === true;
  }

  /** Gives the environment the invocation that made it start; it runs as soon as init is over. */
  assignFirst(inv: Invocation): Promise<InvocationOutcome> {
    return new Promise((resolve) => {
      const t = this.step({ type: 'assign', requestId: inv.requestId });
      if (!t.ok) return this.refuseInvocation(inv, resolve);
      this.job = newJob(inv, resolve);
    });
  }

  /**
   * Opens the Runtime API listener and spawns the runtime; the caller already holds an init slot, which the
   * environment gives back through `host.initSettled`. `initTimeoutMs` bounds spawn → first `/next`.
   */
  async start(initTimeoutMs: number): Promise<void> {
    this.initLimitMs = initTimeoutMs;
    const t = this.step({ type: 'slot' });
    // Stopped while it waited for the slot: nothing to start, the slot goes straight back.
    if (!t.ok) return this.host.initSettled(this);
    await this.spawnProcess();
  }

  /** Runs `inv` on this idle environment. */
  dispatch(inv: Invocation): Promise<InvocationOutcome> {
    return new Promise((resolve) => {
      const res = this.parked;
      // The pool only dispatches to reachable idle environments; anything else is a bug worth a clear error.
      if (res === undefined || !this.step({ type: 'dispatch', requestId: inv.requestId }).ok) return this.refuseInvocation(inv, resolve);
      this.parked = undefined;
      this.job = newJob(inv, resolve);
      this.beginInvocation(this.job, performance.now());
      this.sendEvent(res, this.job);
    });
  }

  /** Stops the environment (SIGTERM, SIGKILL after the grace); in-flight work fails as a runtime exit. */
  stop(): void {
    const before = this.machine.state;
    if (!this.step({ type: 'stop' }).ok) return;
    // Nothing runs yet (queued, or between slot and spawn): `start` or `spawnProcess` see the new state.
    if (before === 'queued') return this.processGone(null, 'SIGTERM');
    if (this.proc === undefined) return;
    this.proc.stop(this.host.stopGraceMs);
  }

  // ---- Runtime API side ------------------------------------------------------------------------------------

  apply(event: EnvEvent): EnvTransition {
    return this.step(event);
  }

  next(res: RuntimeReply, effect: EnvEffect): void {
    switch (effect) {
      case 'initDone':
        this.initEnded();
        this.park(res);
        this.host.idle(this);
        return;
      case 'initDoneDispatch': {
        this.initEnded();
        const job = this.job;
        if (job === undefined) return;
        if (job.startedAt === undefined) this.beginInvocation(job, performance.now());
        else {
          // A suppressed init retried inside the invocation: reported in its log, never as its Init Duration.
          if (this.logged(job.inv)) {
            const line = initReportLine({ initDurationMs: this.initDurationMs ?? 0, phase: 'invoke', status: 'success' });
            job.preamble = Buffer.concat([job.preamble, this.initLog.bytes(), Buffer.from(line)]);
          }
          this.initLog.clear();
        }
        this.sendEvent(res, job);
        return;
      }
      case 'invocationDone':
        this.park(res);
        this.endInvocation();
        return;
      case 'redeliver':
        if (this.job !== undefined) this.sendEvent(res, this.job);
        return;
      default:
        // 'repark': the runtime asked again while idle (it reconnected); the newest request is the one to answer.
        this.park(res);
    }
  }

  result(requestId: string, result: RuntimeResult): void {
    const job = this.job;
    if (job === undefined || job.inv.requestId !== requestId || !this.step({ type: 'answerRead' }).ok) return;
    job.result = result;
    // As on Lambda, the caller gets the response when the runtime posts it (plus at most the transit time);
    // work after that, until the next `/next`, is Duration but not client latency. A log tail needs the
    // REPORT, which needs that Duration: it waits for the `/next`.
    if (!job.inv.wantLog) job.release = setTimeout(() => this.release(job), RESPONSE_TRANSIT_MS);
  }

  /** Hands a posted answer to a caller that asked for no log tail (once). */
  private release(job: Job): void {
    if (job.release === undefined || job.result === undefined) return;
    clearTimeout(job.release);
    job.release = undefined;
    const answer = answerOf(job, job.result);
    job.resolve(this.outcome(job.inv, job.seq, answer.body, answer.errorType, undefined));
  }

  initError(body: Buffer): void {
    this.failedInit = {
      status: 'error',
      errorType: PLATFORM_ERRORS.unknown,
      // The caller gets the runtime's own document (e.g. Runtime.ImportModuleError), verbatim.
      document: body,
      message: 'Unknown application error occurred',
      initMs: performance.now() - this.spawnedAt,
      lines: unknownErrorLines,
    };
    // The runtime is expected to exit after /init/error; make sure it does.
    this.proc?.stop(this.host.stopGraceMs);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  /** Every transition goes through here; leaving the first init gives the init slot back. */
  private step(event: EnvEvent): EnvTransition {
    const before = this.machine;
    const t = transition(before, event);
    if (!t.ok) return t;
    this.machine = t.machine;
    if (holdsInitSlot(before) && !holdsInitSlot(t.machine)) this.host.initSettled(this);
    return t;
  }

  private park(res: RuntimeReply): void {
    this.parked = res;
    res.onGone(() => {
      if (this.parked === res) this.step({ type: 'nextGone' });
    });
  }

  /** The runtime's first `/next` of this process: init is over. */
  private initEnded(): void {
    this.initDurationMs = performance.now() - this.spawnedAt;
    if (this.initTimer !== undefined) clearTimeout(this.initTimer);
    // From here on the environment runs on its memory's CPU share (the on-demand init boost ends).
    if (this.proc?.pid !== undefined) this.host.cpuQuota.assign(this.proc.pid, this.config.memoryMb);
    this.refreshRss();
  }

  /** Opens the listener (once) and starts a runtime process for the current init phase. */
  private async spawnProcess(): Promise<void> {
    const python = await this.supervisor.prepare(this.config.runtime);
    if (this.listener === undefined && this.machine.state === 'spawning') {
      try {
        // A keep-alive connection is idle at most while one invocation runs (the function's timeout) or after it.
        this.listener = await this.host.runtimeApi.listen(this, { idleTimeoutMs: this.config.timeoutS * 1000 + 60_000 });
      } catch (error) {
        // Out of ports or file descriptors: the environment never ran; fail whatever waits for it.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== undefined) this.host.resourceFailure?.(this, code, error instanceof Error ? error.message : String(error));
        return this.processGone(null, null, `Runtime API listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const m = this.machine;
    // Stopped while the listener opened or the interpreter was looked up: nothing was spawned.
    if (m.state !== 'spawning' || this.listener === undefined) return this.processGone(null, 'SIGTERM');
    const token = {};
    this.procToken = token;
    this.failedInit = undefined;
    this.spawnedAt = performance.now();
    const spec: RuntimeSpec = {
      functionName: this.config.functionName,
      version: this.config.version,
      runtime: this.config.runtime,
      handler: this.config.handler,
      codeDir: this.config.codeDir,
      memoryMb: this.config.memoryMb,
      initType: this.initType,
      runtimeApi: this.listener.address,
      region: this.host.region,
      environment: this.config.environment,
    };
    const proc = this.supervisor.spawn(
      spec,
      {
        output: (chunk) => (this.outputGoesToInitLog() ? this.initLog : this.outLog).push(chunk),
        exit: (code, signal, spawnError) => {
          if (this.procToken === token) this.processGone(code, signal, spawnError);
        },
        resourceError: (code, message) => this.host.resourceFailure?.(this, code, message),
      },
      python,
    );
    if (this.procToken !== token) return; // it already failed to start, and a retry took over
    this.proc = proc;
    if (!this.step({ type: 'spawned' }).ok) return;
    // Lambda boosts CPU during an on-demand Init phase (at least one full vCPU); see cpu-quota.ts.
    const boost = this.initType === 'on-demand' && m.phase === 'init';
    if (proc.pid !== undefined) this.host.cpuQuota.assign(proc.pid, this.config.memoryMb, boost);
    if (m.phase === 'init') {
      this.initTimer = setTimeout(() => this.onInitTimeout(), this.initLimitMs);
      this.initTimer.unref();
    }
  }

  private outputGoesToInitLog(): boolean {
    const s = this.machine.state;
    return s === 'queued' || s === 'spawning' || s === 'initializing' || s === 'initFailing';
  }

  private onInitTimeout(): void {
    if (!this.step({ type: 'initTimeout' }).ok) return;
    this.failedInit = {
      status: 'timeout',
      message: `Init timed out after ${(this.initLimitMs / 1000).toFixed(2)} seconds`,
      initMs: this.initLimitMs,
      lines: () => '',
    };
    this.proc?.kill();
  }

  /** The process is gone (or never started). */
  private processGone(code: number | null, signal: string | null, spawnError?: string): void {
    const before = this.machine;
    const t = this.step({ type: 'exit' });
    if (!t.ok) return;
    if (this.initTimer !== undefined) clearTimeout(this.initTimer);
    const pid = this.proc?.pid;
    if (pid !== undefined) this.host.cpuQuota.release(pid);
    this.proc = undefined;
    this.procToken = {};
    const inInit = before.state === 'spawning' || before.state === 'initializing' || before.state === 'initFailing';
    const failure = inInit ? (this.failedInit ?? exitFailure(code, signal, spawnError, this.spawnedAt)) : undefined;
    this.failedInit = undefined;
    if (t.effect === 'retryInit' && failure !== undefined) {
      // Suppressed init: the invocation begins now, and its first act is to run init again (bounded by its timeout).
      const job = this.job;
      if (job !== undefined) {
        job.preamble = Buffer.concat([job.preamble, this.initLog.bytes(), Buffer.from(initReportLine({ initDurationMs: failure.initMs, phase: 'init', status: failure.status, ...errorTypeOf(failure) }))]);
        this.initLog.clear();
        this.beginInvocation(job, performance.now());
      }
      void this.spawnProcess();
      return;
    }
    // exited
    this.listener?.close();
    this.parked = undefined;
    const job = this.job;
    if (job !== undefined) {
      const phase: InitPhase | undefined = inInit ? (job.startedAt === undefined ? 'init' : 'invoke') : undefined;
      if (phase !== undefined && failure !== undefined) this.failJobInit(job, failure, phase);
      else if (job.startedAt === undefined) this.failJobInit(job, exitFailure(code, signal, spawnError, this.spawnedAt), 'init');
      else this.finish('exit', { code, signal });
    }
    this.host.gone(this);
    this.exitedResolve();
  }

  /** Starts the clock and the timeout of `job` (at dispatch, or when a suppressed init is retried inside it). */
  private beginInvocation(job: Job, now: number): void {
    this.invocationCount += 1;
    job.seq = this.invocationCount;
    job.startedAt = now;
    const timeoutMs = this.config.timeoutS * 1000;
    job.deadlineMs = Date.now() + timeoutMs;
    job.timer = setTimeout(() => this.onTimeout(job), timeoutMs);
    if (job.seq === 1) {
      // Init Duration belongs to the first invocation of an on-demand environment whose init was not suppressed
      // (and, as a test aid, to a provisioned environment's first: the report Lambda can write there).
      const reportsInit = this.initType === 'on-demand' || this.host.provisionedInitInReport === true;
      if (reportsInit && this.initDurationMs !== undefined) job.initDurationMs = this.initDurationMs;
      if (this.logged(job.inv) && this.initDurationMs !== undefined) job.preamble = Buffer.concat([job.preamble, this.initLog.bytes()]);
      if (this.initDurationMs !== undefined) this.initLog.clear();
    }
    // Max Memory Used is only printed in a REPORT line, i.e. for invocations whose log is built (VmHWM is a
    // high-water mark, so reading it less often loses no peak).
    if (this.logged(job.inv) && now - this.rssReadAt > RSS_REFRESH_MS) this.refreshRss();
  }

  private sendEvent(res: RuntimeReply, job: Job): void {
    const inv = job.inv;
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': inv.requestId,
      'Lambda-Runtime-Deadline-Ms': job.deadlineMs,
      'Lambda-Runtime-Invoked-Function-Arn': inv.invokedArn,
      'Lambda-Runtime-Trace-Id': traceId(),
    };
    if (inv.clientContext !== undefined) headers['Lambda-Runtime-Client-Context'] = inv.clientContext;
    res.send(200, headers, inv.payload);
  }

  /** The runtime asked for the next event after its response went out: the invocation is over. */
  private endInvocation(): void {
    const job = this.job;
    const endedAt = performance.now();
    // Only a caller waiting for its tail waits the extra turn: an environment must not stay busy longer for a log
    // nobody waits on (back-to-back callers would find it busy and start new ones). Output still in the pipe then
    // lands in the next invocation's log, as Lambda's stream interleaves it anyway.
    if (job === undefined || !job.inv.wantLog) {
      this.finish('done', undefined, endedAt);
      this.host.idle(this);
      return;
    }
    // The runtime wrote its output to the pipe before it asked on the socket, but both became readable in the
    // same poll; ending after the poll phase (setImmediate) lets that output land in this invocation's log.
    setImmediate(() => {
      if (this.job !== job) return;
      this.finish('done', undefined, endedAt);
      this.host.idle(this);
    });
  }

  /** Ends the invocation in flight: `done` (runtime called /next), `timeout`, or `exit` (process gone). */
  private finish(how: 'done' | 'timeout' | 'exit', exit?: { code: number | null; signal: string | null }, endedAt: number = performance.now()): void {
    const job = this.job;
    if (job === undefined || job.startedAt === undefined) return;
    this.job = undefined;
    if (job.timer !== undefined) clearTimeout(job.timer);
    this.release(job);
    const inv = job.inv;
    // Without a log tail the caller has its answer once the runtime posted one; its log is still written.
    const delivered = job.result !== undefined && !inv.wantLog;
    const logged = this.logged(inv);
    if (!delivered || logged) {
      const timeoutMs = this.config.timeoutS * 1000;
      const elapsedMs = endedAt - job.startedAt;
      let answer: { body: Buffer; errorType: string | undefined };
      let status: ReportFields['status'];
      let platformLines = '';
      if (how === 'timeout') {
        answer = timedOut(inv.requestId, timeoutMs);
        status = 'timeout';
        platformLines = timeoutLine(new Date(), inv.requestId, elapsedMs / 1000);
      } else if (how === 'exit' && job.result === undefined) {
        const reason = exitReason(exit?.code ?? null, exit?.signal ?? null);
        answer = { errorType: PLATFORM_ERRORS.exit, body: platformErrorBody(PLATFORM_ERRORS.exit, `RequestId: ${inv.requestId} Error: Runtime exited with error: ${reason}`) };
        status = 'error';
        platformLines = crashLines(inv.requestId, reason);
      } else {
        answer = answerOf(job, job.result);
        if (answer.errorType !== undefined) status = 'error';
      }
      const head = logged ? Buffer.concat([job.preamble, Buffer.from(startLine(inv.requestId, this.config.version)), this.outLog.bytes()]) : undefined;
      const deliver = (): void => {
        let tail: Buffer | undefined;
        let log: string | undefined;
        if (head !== undefined) {
          const fields: ReportFields = {
            requestId: inv.requestId,
            durationMs: how === 'timeout' ? timeoutMs : elapsedMs,
            memorySizeMb: this.config.memoryMb,
            maxMemoryUsedMb: this.maxMemoryUsedMb,
          };
          if (job.initDurationMs !== undefined) fields.initDurationMs = job.initDurationMs;
          if (status !== undefined) fields.status = status;
          if (status === 'error' && answer.errorType !== undefined) fields.errorType = answer.errorType;
          const last = platformLines + coldprobeLine(this.envId, job.seq, this.initType) + endLine(inv.requestId) + reportLine(fields);
          if (inv.wantLog) tail = logTail(head, last);
          log = head.toString('utf8') + last;
        }
        if (!delivered) job.resolve(this.outcome(inv, job.seq, answer.body, answer.errorType, tail));
        if (log !== undefined) this.host.log?.(this, log);
      };
      // The first REPORT needs a memory figure; wait for the read already in flight rather than print 0 MB.
      if (head !== undefined && this.peakRssKb === 0 && this.rssRead !== undefined) void this.rssRead.then(deliver);
      else deliver();
    }
    this.outLog.clear();
    this.host.invocationEnded(this);
  }

  /** Fails `job` with an init failure: INIT_REPORT (phase `init`, or `invoke` for the retry inside it) before START. */
  private failJobInit(job: Job, failure: FailedInit, phase: InitPhase): void {
    this.job = undefined;
    if (job.timer !== undefined) clearTimeout(job.timer);
    const inv = job.inv;
    if (job.startedAt === undefined) {
      this.invocationCount += 1;
      job.seq = this.invocationCount;
    }
    const durationMs = phase === 'init' || job.startedAt === undefined ? failure.initMs : performance.now() - job.startedAt;
    const timedOutAnswer = failure.status === 'timeout' && phase === 'invoke' ? timedOut(inv.requestId, this.config.timeoutS * 1000) : undefined;
    const errorType = timedOutAnswer?.errorType ?? failure.errorType ?? PLATFORM_ERRORS.unknown;
    const body = timedOutAnswer?.body ?? failure.document ?? platformErrorBody(errorType, `RequestId: ${inv.requestId} Error: ${failure.message}`);
    let tail: Buffer | undefined;
    if (this.logged(inv)) {
      const head = Buffer.concat([
        job.preamble,
        this.initLog.bytes(),
        Buffer.from(initReportLine({ initDurationMs: failure.initMs, phase, status: failure.status, ...errorTypeOf(failure) })),
        Buffer.from(startLine(inv.requestId, this.config.version)),
      ]);
      const fields: ReportFields = {
        requestId: inv.requestId,
        durationMs,
        billedDurationMs: Math.max(1, Math.ceil(durationMs)),
        memorySizeMb: this.config.memoryMb,
        maxMemoryUsedMb: this.maxMemoryUsedMb,
        status: failure.status,
      };
      if (failure.status === 'error' && failure.errorType !== undefined) fields.errorType = failure.errorType;
      const platform = failure.status === 'timeout' ? timeoutLine(new Date(), inv.requestId, durationMs / 1000) : failure.lines(inv.requestId);
      const last = platform + coldprobeLine(this.envId, job.seq, this.initType) + endLine(inv.requestId) + reportLine(fields);
      if (inv.wantLog) tail = logTail(head, last);
      this.host.log?.(this, head.toString('utf8') + last);
    }
    this.initLog.clear();
    job.resolve(this.outcome(inv, job.seq, body, errorType, tail));
    this.host.invocationEnded(this);
  }

  private onTimeout(job: Job): void {
    if (this.job !== job) return;
    const before = this.machine.state;
    if (!this.step({ type: 'timeout' }).ok) return;
    this.proc?.kill();
    if (before === 'spawning' || before === 'initializing' || before === 'initFailing') {
      const initMs = performance.now() - this.spawnedAt;
      this.failJobInit(job, { status: 'timeout', message: 'Task timed out', initMs, lines: () => '' }, 'invoke');
    } else this.finish('timeout');
  }

  /** An invocation the environment cannot take (a pool bug): answered at once, never left hanging. */
  private refuseInvocation(inv: Invocation, resolve: (outcome: InvocationOutcome) => void): void {
    resolve(this.outcome(inv, this.invocationCount, platformErrorBody(PLATFORM_ERRORS.sandboxFailure, 'Environment not ready'), PLATFORM_ERRORS.sandboxFailure, undefined));
    this.host.invocationEnded(this);
  }

  /** Whether this invocation's log is built: its caller asked for the tail, or the host keeps every log. */
  private logged(inv: Invocation): boolean {
    return inv.wantLog || this.host.log !== undefined;
  }

  private outcome(inv: Invocation, seq: number, body: Buffer, errorType: string | undefined, tail: Buffer | undefined): InvocationOutcome {
    return { requestId: inv.requestId, body, errorType, logTail: tail, envId: this.envId, envSeq: seq, initType: this.initType };
  }

  private refreshRss(): void {
    const proc = this.proc;
    if (proc === undefined || this.rssRead !== undefined) return;
    this.rssReadAt = performance.now();
    this.rssRead = proc.readPeakRssKb().then((kb) => {
      if (kb !== undefined && kb > this.peakRssKb) this.peakRssKb = kb;
      this.rssRead = undefined;
    });
  }
}

function newJob(inv: Invocation, resolve: (outcome: InvocationOutcome) => void): Job {
  return { inv, resolve, startedAt: undefined, deadlineMs: 0, timer: undefined, seq: 0, initDurationMs: undefined, preamble: EMPTY, result: undefined, release: undefined };
}

/** What the caller gets for a posted answer. */
function answerOf(job: Job, r: RuntimeResult | undefined): { body: Buffer; errorType: string | undefined } {
  const id = job.inv.requestId;
  if (r === undefined || r.kind === 'truncated') {
    return { errorType: PLATFORM_ERRORS.truncatedResponse, body: platformErrorBody(PLATFORM_ERRORS.truncatedResponse, `RequestId: ${id} Error: Runtime did not complete its response`) };
  }
  if (r.kind === 'tooLarge') {
    const errorMessage = `Response payload size (${r.sizeBytes} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
    return { errorType: PLATFORM_ERRORS.responseTooLarge, body: Buffer.from(JSON.stringify({ errorMessage, errorType: PLATFORM_ERRORS.responseTooLarge })) };
  }
  if (r.kind === 'error') return { errorType: r.errorType, body: r.body };
  return { errorType: undefined, body: r.body };
}

function timedOut(requestId: string, timeoutMs: number): { body: Buffer; errorType: string } {
  const seconds = (timeoutMs / 1000).toFixed(2);
  return { errorType: PLATFORM_ERRORS.timeout, body: platformErrorBody(PLATFORM_ERRORS.timeout, `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`) };
}

/** The failure of an init whose process exited (or never started) without posting `/init/error`. */
function exitFailure(code: number | null, signal: string | null, spawnError: string | undefined, spawnedAt: number): FailedInit {
  const initMs = spawnedAt === 0 ? 0 : performance.now() - spawnedAt;
  if (spawnError !== undefined) {
    return { status: 'error', errorType: PLATFORM_ERRORS.invalidEntrypoint, message: spawnError, initMs, lines: (id) => crashLines(id, spawnError, PLATFORM_ERRORS.invalidEntrypoint) };
  }
  const reason = exitReason(code, signal);
  return { status: 'error', errorType: PLATFORM_ERRORS.exit, message: `Runtime exited with error: ${reason}`, initMs, lines: (id) => crashLines(id, reason) };
}

function errorTypeOf(failure: InitFailure): { errorType?: string } {
  return failure.status === 'error' && failure.errorType !== undefined ? { errorType: failure.errorType } : {};
}
