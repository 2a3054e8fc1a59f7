/**
 * Public face of the bundled emulator. The emulator is standalone: nothing under src/emulator imports
 * anything else of coldprobe, so it can run (and be tested) as its own local Lambda.
 */

/** How a function is defined on disk: `<dir>/function.json` next to its code. */
export interface FunctionDefinition {
  /** Function name; defaults to the folder name. */
  name: string;
  /** Lambda runtime id: `nodejs20.x`, `python3.11`, `provided.al2023` (matched by prefix nodejs/python/provided). */
  runtime: string;
  /** `file.export` for nodejs/python; ignored for provided (the `bootstrap` executable decides). */
  handler: string;
  /** Absolute path of the function's code folder (becomes LAMBDA_TASK_ROOT and the cwd). */
  codeDir: string;
  memoryMb: number;
  timeoutS: number;
  environment: Record<string, string>;
  description: string;
  /**
   * Configuration the emulator only reports (GetFunctionConfiguration), so clients can be tested against it:
   * layer ARNs (`Layers`), the log format and system log level (`LoggingConfig`), and a Lambda Managed
   * Instances capacity provider (`CapacityProviderConfig`). None changes how the emulator runs the function.
   */
  layers?: string[];
  logFormat?: 'Text' | 'JSON';
  systemLogLevel?: 'DEBUG' | 'INFO' | 'WARN';
  capacityProviderArn?: string;
}

export interface EmulatorOptions {
  /** Listen address of the Invoke/control API; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Folders whose sub-folders each hold a function (`function.json`). */
  functionsDirs?: string[];
  /** Functions registered directly. */
  functions?: FunctionDefinition[];
  /** Account concurrency limit (Lambda default 1,000). */
  accountConcurrency?: number;
  /** Minimum unreserved concurrency the account keeps (Lambda: 100 for a 1,000 account). */
  unreservedMinimum?: number;
  /** Environments allowed to initialise at once; default os.availableParallelism(). */
  initConcurrency?: number;
  /** Idle environments are reaped after this long. */
  idleTtlMs?: number;
  /** Grace between SIGTERM and SIGKILL when stopping an environment. */
  stopGraceMs?: number;
  /** Per-function scaling rate: `environments` new environments per `perMs` (Lambda: 1,000 per 10,000 ms). */
  scalingRate?: { environments: number; perMs: number };
  /** Init limit for on-demand environments (Lambda: 10,000 ms). */
  initTimeoutMs?: number;
  /** How long an UpdateFunctionConfiguration stays InProgress before it applies (default 100 ms). */
  updateDelayMs?: number;
  region?: string;
  accountId?: string;
  /** Give each environment a CPU share proportional to its memory (cgroups, where available); default false. */
  cpuQuota?: boolean;
  /** Where platform/diagnostic lines go (never on the burst path). */
  log?: (line: string) => void;
  /**
   * The Invoke API closes a connection that sits idle (between requests, or before its first one) or sends a
   * request's headers or body only partly, for this long; default 65,000 ms (longer than the SDK's keep-alive reuse).
   */
  idleConnectionTimeoutMs?: number;
  /** The emulator itself failed (out of file descriptors or processes): called once per kind of failure. */
  onFailure?: (failure: EmulatorFailure) => void;
  /** AWS behaviours for testing clients, each off unless switched on here (docs/emulator.md, "Test aids"). */
  testAids?: TestAids;
  /**
   * Serve the Invoke API, control plane, Function URLs and Logs API over HTTPS with this certificate and key (PEM):
   * a test aid (`coldprobe emulator --tls` makes a self-signed pair, emulator/self-signed.ts). The Runtime API
   * the functions use stays plain HTTP, as Lambda's is.
   */
  tls?: { cert: string; key: string };
}

/** A failure of the emulator itself, as opposed to a function's. */
export interface EmulatorFailure {
  /** errno code: `EMFILE`, `ENFILE`, `EAGAIN`, `ENOMEM`, … */
  code: string;
  message: string;
}

/** One sentence for a failure of the emulator itself (what ran out, and what to do). */
export function describeFailure(failure: EmulatorFailure): string {
  if (failure.code === 'EMFILE' || failure.code === 'ENFILE') {
    return `the emulator ran out of file descriptors (${failure.code}): raise the limit with 'ulimit -n' or lower --n.`;
  }
  if (failure.code === 'EAGAIN' || failure.code === 'ENOMEM') {
    return `the emulator could not start more processes (${failure.code}): raise 'ulimit -u', free memory, or lower --n.`;
  }
  return `the emulator failed: ${failure.message}`;
}

/**
 * Test aids: behaviours of real Lambda that a client must survive, switched on only by explicit options.
 * None of them is on by default, and none changes anything else.
 */
export interface TestAids {
  /**
   * Functions whose environment variables GetFunctionConfiguration and GetFunction cannot return: they answer
   * `Environment.Error` (KMSAccessDeniedException) instead of `Environment.Variables`, as Lambda does for a
   * caller without kms:Decrypt on the function's customer managed key.
   */
  unreadableEnvironment?: string[];
  /** Every function stays in State `Pending` this long after it is registered (ms); invokes meanwhile get 409. */
  pendingMs?: number;
  /**
   * Control-plane requests per second above which the control plane answers 429 TooManyRequestsException
   * (Lambda's quota is 15; GetFunction is outside that quota and is not counted).
   */
  controlPlaneRps?: number;
  /** Refuse every control-plane call with 403 AccessDeniedException, as for a principal allowed only to invoke. */
  denyControlPlane?: boolean;
  /**
   * A provisioned-concurrency environment's first invocation carries the Init Duration of the init it ran at
   * allocation in its REPORT, as Lambda's can: a REPORT with an Init Duration the client never waited for.
   */
  provisionedInitInReport?: boolean;
}

/** A snapshot of one execution environment, for tests and the timeline. */
export interface EnvironmentSnapshot {
  envId: string;
  functionName: string;
  version: string;
  state: 'starting' | 'idle' | 'busy' | 'stopping' | 'exited';
  initType: 'on-demand' | 'provisioned-concurrency';
  pid?: number;
  invocations: number;
  memoryMb: number;
  maxMemoryUsedMb: number;
}

export interface Emulator {
  /** `http://host:port` (`https://` with `tls`), for the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** Environments allowed to initialise at once. */
  readonly initSlots: number;
  /** Register (or replace) a function. */
  registerFunction(definition: FunctionDefinition): void;
  /** Registered functions, by name. */
  functionNames(): string[];
  /** Stop every idle environment of a function (or all functions); resolves with how many were stopped. */
  drainIdle(functionName?: string): Promise<number>;
  /** Every environment alive now. */
  environments(): EnvironmentSnapshot[];
  /** Stop all environments and the listeners. Safe to call twice. */
  close(): Promise<void>;
}

/** Response headers coldprobe's emulator adds to every sync invoke (real Lambda sends none): src/lambda/headers.ts. */
export { EMULATOR_HEADERS } from '../lambda/headers.js';
