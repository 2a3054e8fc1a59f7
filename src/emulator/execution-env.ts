/**
 * One execution environment: its state machine, its runtime process, its Runtime API listener, the invocation
 * in flight and the log lines of that invocation. Routing and concurrency are the pool's; this file only keeps
 * one environment honest (one invocation at a time, Duration = dispatch → next `/next`, Init Duration = spawn →
 * first `/next`).
 */
import { performance } from 'node:perf_hooks';
import type { CpuQuota } from './cpu-quota.js';
import { initialMachine, transition, type EnvEffect, type EnvEvent, type EnvMachine, type EnvTransition } from './environment.js';
import {
  BoundedLog,
  coldprobeLine,
  crashLines,
  endLine,
  exitReason,
  initReportLine,
  logTail,
  reportLine,
  startLine,
  timeoutLine,
  type ReportFields,
} from './log.js';
import type { VersionConfig } from './model.js';
import { MAX_RESPONSE_BYTES, type RuntimeApiHub, type RuntimeApiTarget, type RuntimeListener, type RuntimeReply, type RuntimeResult } from './runtime-api.js';
import { pythonProgram, spawnRuntime, type RuntimeProcess } from './supervisor.js';

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
  /** Build the log tail (X-Amz-Log-Type: Tail). */
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

/** What an environment needs from, and tells, its pool. */
export interface EnvHost {
  readonly runtimeApi: RuntimeApiHub;
  readonly region: string;
  readonly stopGraceMs: number;
  readonly cpuQuota: CpuQuota;
  /** The environment no longer needs its init slot (init finished or failed). */
  initSettled(env: ExecutionEnvironment): void;
  /** The invocation in flight ended (its concurrency slot is free). */
  invocationEnded(env: ExecutionEnvironment): void;
  /** The environment can take an invocation. */
  idle(env: ExecutionEnvironment): void;
  /** The process is gone; forget the environment. */
  gone(env: ExecutionEnvironment): void;
  /** The environment could not start for lack of a resource (`EMFILE`, `EAGAIN`, …): the emulator failed, not the function. */
  resourceFailure?(env: ExecutionEnvironment, code: string, message: string): void;
}

interface Active {
  inv: Invocation;
  resolve: (outcome: InvocationOutcome) => void;
  seq: number;
  dispatchedAt: number;
  deadlineMs: number;
  /** Init Duration to report (first invocation of an on-demand environment only). */
  initDurationMs: number | undefined;
  /** Output that happened before START (init-time output on the first invocation). */
  preamble: Buffer | undefined;
  timer: NodeJS.Timeout | undefined;
  result: RuntimeResult | undefined;
}

interface Pending {
  inv: Invocation;
  resolve: (outcome: InvocationOutcome) => void;
}

interface PlatformError {
  errorType: string;
  errorMessage: string;
}

const platformErrorBody = (e: PlatformError): Buffer => Buffer.from(JSON.stringify(e));

let traceCounter = 0;
const tracePrefix = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');

/** X-Ray-shaped trace header; ids only need to be unique, so a counter does (no crypto on the invoke path). */
function traceId(): string {
  traceCounter = (traceCounter + 1) >>> 0;
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  const tail = traceCounter.toString(16).padStart(16, '0');
  return `Root=1-${epoch}-${tracePrefix}${tail};Parent=${tail};Sampled=0`;
}

/** Re-reading VmHWM more often than this buys nothing: it only grows, and REPORT rounds to MB. */
const RSS_REFRESH_MS = 500;

export class ExecutionEnvironment implements RuntimeApiTarget {
  private machine: EnvMachine = initialMachine;
  private invocationCount = 0;
  private listener: RuntimeListener | undefined;
  private proc: RuntimeProcess | undefined;
  private spawnedAt = 0;
  private initTimer: NodeJS.Timeout | undefined;
  private holdsInitSlot = false;
  private parked: RuntimeReply | undefined;
  /** The runtime already asked for the next event; the invocation ends when its answer's body is read. */
  private doneAwaitingResult = false;
  private pending: Pending | undefined;
  private active: Active | undefined;
  private initErrorDoc: { body: Buffer; errorType: string } | undefined;
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
  ) {}

  get state(): EnvMachine['state'] {
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

  /** True once init finished (the runtime called `/next` at least once). */
  get initialised(): boolean {
    return this.initDurationMs !== undefined;
  }

  /** True when an idle environment still has a runtime waiting on `/next` to hand an event to. */
  get reachable(): boolean {
    return this.machine.state === 'idle' && this.parked !== undefined && this.parked.alive;
  }

  /** Gives the environment the invocation that made it start; it runs as soon as init is over. */
  assignFirst(inv: Invocation): Promise<InvocationOutcome> {
    return new Promise((resolve) => (this.pending = { inv, resolve }));
  }

  /**
   * Opens the Runtime API listener and spawns the runtime; the caller already holds an init slot, which the
   * environment gives back through `host.initSettled`. `initTimeoutMs` bounds spawn → first `/next`.
   */
  async start(initTimeoutMs: number): Promise<void> {
    this.holdsInitSlot = true;
    if (this.machine.state !== 'starting') return this.settleInit();
    // Resolved before spawnedAt: finding the interpreter is the emulator's work, not the runtime's init.
    const python = this.config.runtime.startsWith('python') ? await pythonProgram() : undefined;
    try {
      this.listener = await this.host.runtimeApi.listen(this);
    } catch (error) {
      // Out of ports or file descriptors: the environment never ran; fail whatever waits for it.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined) this.host.resourceFailure?.(this, code, error instanceof Error ? error.message : String(error));
      return this.onExit(null, null, `Runtime API listener failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.machine.state !== 'starting') {
      // Stopped while the listener opened: nothing was spawned, so nothing will report an exit.
      return this.onExit(null, 'SIGTERM');
    }
    this.spawnedAt = performance.now();
    this.proc = spawnRuntime(
      {
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
      },
      {
        output: (chunk) => (this.initDurationMs === undefined ? this.initLog : this.outLog).push(chunk),
        exit: (code, signal, spawnError) => this.onExit(code, signal, spawnError),
        resourceError: (code, message) => this.host.resourceFailure?.(this, code, message),
      },
      python,
    );
    if (this.proc.pid !== undefined) this.host.cpuQuota.assign(this.proc.pid, this.config.memoryMb);
    this.initTimer = setTimeout(() => this.onInitTimeout(initTimeoutMs), initTimeoutMs);
    this.initTimer.unref();
  }

  /** Runs `inv` on this idle environment. */
  dispatch(inv: Invocation): Promise<InvocationOutcome> {
    return new Promise((resolve) => this.run({ inv, resolve }));
  }

  /** Stops the environment (SIGTERM, SIGKILL after the grace); in-flight work fails as a runtime exit. */
  stop(): void {
    const t = transition(this.machine, { type: 'stop' });
    if (!t.ok) return;
    const wasStopping = this.machine.state === 'stopping';
    this.machine = t.machine;
    if (wasStopping) return;
    if (this.proc === undefined) {
      // Not spawned yet (waiting for an init slot or a listener): `start` finishes the job.
      if (this.listener === undefined && !this.holdsInitSlot) this.onExit(null, 'SIGTERM');
      return;
    }
    this.proc.stop(this.host.stopGraceMs);
  }

  /** Kills the process at once (timeouts, init limit). */
  kill(): void {
    const t = transition(this.machine, { type: 'stop' });
    if (t.ok) this.machine = t.machine;
    this.proc?.kill();
  }

  // ---- Runtime API side ------------------------------------------------------------------------------------

  apply(event: EnvEvent): EnvTransition {
    const t = transition(this.machine, event);
    if (t.ok) this.machine = t.machine;
    return t;
  }

  next(res: RuntimeReply, effect: EnvEffect): void {
    switch (effect) {
      case 'initDone': {
        this.parked = res;
        this.initDurationMs = performance.now() - this.spawnedAt;
        if (this.initTimer !== undefined) clearTimeout(this.initTimer);
        this.refreshRss();
        this.settleInit();
        const pending = this.pending;
        this.pending = undefined;
        if (pending !== undefined) this.run(pending);
        else this.host.idle(this);
        return;
      }
      case 'invocationDone':
        this.parked = res;
        // A runtime that pipelines its answer and the next `/next` (ours does) gets here while the answer's
        // body is still being read: the invocation ends once the body is in.
        if (this.active !== undefined && this.active.result === undefined) this.doneAwaitingResult = true;
        else this.endInvocation();
        return;
      case 'redeliver':
        if (this.active !== undefined) this.sendEvent(res, this.active);
        return;
      default:
        // 'repark': the runtime asked again while idle (e.g. it reconnected); the newest request wins.
        this.parked = res;
    }
  }

  result(requestId: string, result: RuntimeResult): void {
    if (this.active === undefined || this.active.inv.requestId !== requestId) return;
    this.active.result = result;
    if (this.doneAwaitingResult) this.endInvocation();
  }

  private endInvocation(): void {
    this.doneAwaitingResult = false;
    const active = this.active;
    const endedAt = performance.now();
    // The runtime wrote its output to the pipe before it answered on the socket, but both became readable in
    // the same poll; ending after the poll phase (setImmediate) lets that output land in this invocation's log.
    setImmediate(() => {
      if (this.active !== active) return;
      this.finish('done', undefined, endedAt);
      this.host.idle(this);
    });
  }

  initError(body: Buffer, errorType: string): void {
    this.initErrorDoc = { body, errorType };
    // The runtime is expected to exit after /init/error; make sure it does.
    this.proc?.stop(this.host.stopGraceMs);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private run(p: Pending): void {
    const t = transition(this.machine, { type: 'dispatch', requestId: p.inv.requestId });
    const res = this.parked;
    if (!t.ok || res === undefined) {
      // The pool only dispatches to reachable idle environments; anything else is a bug worth a clear error.
      p.resolve(this.outcome(p.inv, this.invocationCount, platformErrorBody({ errorType: 'Sandbox.Failure', errorMessage: 'Environment not ready' }), 'Sandbox.Failure', undefined));
      this.host.invocationEnded(this);
      return;
    }
    this.machine = t.machine;
    this.parked = undefined;
    this.invocationCount += 1;
    const firstOnDemand = this.invocationCount === 1 && this.initType === 'on-demand';
    const now = performance.now();
    const timeoutMs = this.config.timeoutS * 1000;
    const active: Active = {
      inv: p.inv,
      resolve: p.resolve,
      seq: this.invocationCount,
      dispatchedAt: now,
      deadlineMs: Date.now() + timeoutMs,
      initDurationMs: firstOnDemand ? this.initDurationMs : undefined,
      preamble: this.invocationCount === 1 && p.inv.wantLog ? this.initLog.bytes() : undefined,
      timer: undefined,
      result: undefined,
    };
    if (this.invocationCount === 1) this.initLog.clear();
    this.active = active;
    active.timer = setTimeout(() => this.onTimeout(active), timeoutMs);
    this.sendEvent(res, active);
    // Max Memory Used is only printed in a REPORT line, i.e. for invocations that asked for their log (VmHWM is a
    // high-water mark, so reading it less often loses no peak); a /proc read per environment and 500 ms cost the
    // plain invoke path a file open and a thread-pool round trip.
    if (p.inv.wantLog && now - this.rssReadAt > RSS_REFRESH_MS) this.refreshRss();
  }

  private sendEvent(res: RuntimeReply, active: Active): void {
    const inv = active.inv;
    // The header block as text: one string per event instead of an object to build and walk.
    let head =
      'Content-Type: application/json\r\n' +
      `Lambda-Runtime-Aws-Request-Id: ${inv.requestId}\r\n` +
      `Lambda-Runtime-Deadline-Ms: ${active.deadlineMs}\r\n` +
      `Lambda-Runtime-Invoked-Function-Arn: ${inv.invokedArn}\r\n` +
      `Lambda-Runtime-Trace-Id: ${traceId()}\r\n`;
    if (inv.clientContext !== undefined) head += `Lambda-Runtime-Client-Context: ${inv.clientContext}\r\n`;
    res.send(200, head, inv.payload);
  }

  /** Ends the invocation in flight: `done` (runtime called /next), `timeout`, or `exit` (process gone). */
  private finish(how: 'done' | 'timeout' | 'exit', exit?: { code: number | null; signal: string | null }, endedAt: number = performance.now()): void {
    const active = this.active;
    if (active === undefined) return;
    this.active = undefined;
    this.doneAwaitingResult = false;
    if (active.timer !== undefined) clearTimeout(active.timer);
    const inv = active.inv;
    const timeoutMs = this.config.timeoutS * 1000;
    const elapsedMs = endedAt - active.dispatchedAt;
    let body: Buffer;
    let errorType: string | undefined;
    let status: ReportFields['status'];
    let platformLines = '';
    if (how === 'timeout') {
      errorType = 'Sandbox.Timedout';
      status = 'timeout';
      const seconds = (timeoutMs / 1000).toFixed(2);
      body = platformErrorBody({ errorType, errorMessage: `RequestId: ${inv.requestId} Error: Task timed out after ${seconds} seconds` });
      platformLines = timeoutLine(new Date(), inv.requestId, elapsedMs / 1000);
    } else if (how === 'exit' && active.result === undefined) {
      errorType = 'Runtime.ExitError';
      status = 'error';
      const reason = exitReason(exit?.code ?? null, exit?.signal ?? null);
      body = platformErrorBody({ errorType, errorMessage: `RequestId: ${inv.requestId} Error: Runtime exited with error: ${reason}` });
      platformLines = crashLines(inv.requestId, reason);
    } else {
      const r = active.result;
      if (r === undefined || r.kind === 'truncated') {
        errorType = 'Runtime.TruncatedResponse';
        status = 'error';
        body = platformErrorBody({ errorType, errorMessage: `RequestId: ${inv.requestId} Error: Runtime did not complete its response` });
      } else if (r.kind === 'tooLarge') {
        errorType = 'Function.ResponseSizeTooLarge';
        status = 'error';
        body = platformErrorBody({
          errorMessage: `Response payload size (${r.sizeBytes} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
          errorType,
        });
      } else if (r.kind === 'error') {
        errorType = r.errorType;
        status = 'error';
        body = r.body;
      } else {
        body = r.body;
      }
    }
    const durationMs = how === 'timeout' ? timeoutMs : elapsedMs;
    const head = inv.wantLog
      ? Buffer.concat([active.preamble ?? Buffer.alloc(0), Buffer.from(startLine(inv.requestId, this.config.version)), this.outLog.bytes()])
      : undefined;
    this.outLog.clear();
    const deliver = (): void => {
      let tail: Buffer | undefined;
      if (head !== undefined) {
        const fields: ReportFields = {
          requestId: inv.requestId,
          durationMs,
          memorySizeMb: this.config.memoryMb,
          maxMemoryUsedMb: this.maxMemoryUsedMb,
        };
        if (active.initDurationMs !== undefined) fields.initDurationMs = active.initDurationMs;
        if (status !== undefined) fields.status = status;
        if (status === 'error' && errorType !== undefined) fields.errorType = errorType;
        tail = logTail(head, platformLines + coldprobeLine(this.envId, active.seq, this.initType) + endLine(inv.requestId) + reportLine(fields));
      }
      active.resolve(this.outcome(inv, active.seq, body, errorType, tail));
    };
    // The first REPORT needs a memory figure; wait for the read already in flight rather than print 0 MB.
    if (inv.wantLog && this.peakRssKb === 0 && this.rssRead !== undefined) void this.rssRead.then(deliver);
    else deliver();
    this.host.invocationEnded(this);
  }

  private outcome(inv: Invocation, seq: number, body: Buffer, errorType: string | undefined, tail: Buffer | undefined): InvocationOutcome {
    return { requestId: inv.requestId, body, errorType, logTail: tail, envId: this.envId, envSeq: seq, initType: this.initType };
  }

  private onTimeout(active: Active): void {
    if (this.active !== active) return;
    this.kill();
    this.finish('timeout');
  }

  private onInitTimeout(limitMs: number): void {
    if (this.machine.state !== 'starting') return;
    this.kill();
    this.failInit({ errorType: 'Runtime.InitError', errorMessage: `Init timed out after ${(limitMs / 1000).toFixed(2)} seconds` }, 'timeout', limitMs);
  }

  /** Fails the invocation waiting for init (if any) with an init failure, INIT_REPORT first in its log. */
  private failInit(error: PlatformError | { body: Buffer; errorType: string }, status: 'timeout' | 'error', initMs: number): void {
    this.settleInit();
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    const inv = pending.inv;
    const body = 'body' in error ? error.body : platformErrorBody({ errorType: error.errorType, errorMessage: `RequestId: ${inv.requestId} Error: ${error.errorMessage}` });
    this.invocationCount += 1;
    let tail: Buffer | undefined;
    if (inv.wantLog) {
      const head = Buffer.concat([this.initLog.bytes(), Buffer.from(initReportLine({ initDurationMs: initMs, phase: 'init', status, errorType: error.errorType }))]);
      const fields: ReportFields = {
        requestId: inv.requestId,
        durationMs: initMs,
        billedDurationMs: Math.max(1, Math.ceil(initMs)),
        memorySizeMb: this.config.memoryMb,
        maxMemoryUsedMb: this.maxMemoryUsedMb,
        status: status === 'timeout' ? 'timeout' : 'error',
        errorType: error.errorType,
      };
      tail = logTail(head, startLine(inv.requestId, this.config.version) + coldprobeLine(this.envId, this.invocationCount, this.initType) + endLine(inv.requestId) + reportLine(fields));
    }
    pending.resolve(this.outcome(inv, this.invocationCount, body, error.errorType, tail));
    this.host.invocationEnded(this);
  }

  private onExit(code: number | null, signal: string | null, spawnError?: string): void {
    if (this.machine.state === 'exited') return;
    const wasInitialised = this.initialised;
    this.machine = { state: 'exited', answered: false };
    if (this.initTimer !== undefined) clearTimeout(this.initTimer);
    const pid = this.proc?.pid;
    if (pid !== undefined) this.host.cpuQuota.release(pid);
    this.listener?.close();
    this.parked = undefined;
    if (!wasInitialised) {
      const initMs = this.spawnedAt === 0 ? 0 : performance.now() - this.spawnedAt;
      if (this.initErrorDoc !== undefined) this.failInit(this.initErrorDoc, 'error', initMs);
      else if (spawnError !== undefined) this.failInit({ errorType: 'Runtime.InvalidEntrypoint', errorMessage: spawnError }, 'error', initMs);
      else this.failInit({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${exitReason(code, signal)}` }, 'error', initMs);
    }
    this.settleInit();
    this.finish('exit', { code, signal });
    this.host.gone(this);
    this.exitedResolve();
  }

  private settleInit(): void {
    if (!this.holdsInitSlot) return;
    this.holdsInitSlot = false;
    this.host.initSettled(this);
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
