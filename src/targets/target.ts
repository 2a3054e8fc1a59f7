/**
 * One interface over real Lambda and the bundled emulator. Both implementations drive
 * `@aws-sdk/client-lambda`; only the endpoint, the credentials and the force-cold strategy differ.
 *
 * Setup methods throw ColdprobeError (kind `target-unavailable` or `usage`). Invocations never throw:
 * every fired invocation resolves to a RawInvocationResult.
 */
import type { RawInvocationInput } from '../core/classify.js';

export type TargetKind = 'aws' | 'emulator';

/** What the engine needs to know about a function before it bursts. */
export interface FunctionInfo {
  functionName: string;
  functionArn: string;
  /** Lambda runtime id, e.g. `nodejs20.x`, `python3.11`, `provided.al2023`. */
  runtime: string;
  memoryMb: number;
  timeoutS: number;
  version: string;
  lastUpdateStatus?: string;
  /** Lambda's State (`Active`, `Inactive`, …); a `Pending` function was waited out before this was returned. */
  state?: string;
  /** Instruction set, when the target says (prices differ for arm64). */
  architecture?: 'x86_64' | 'arm64';
  environment: Record<string, string>;
  /** Set when Lambda could not return the variables to this caller (e.g. no kms:Decrypt): `environment` is then empty, not the truth. */
  environmentError?: string;
  /** Layers the function uses (`Layers`); a layer can hold an extension. */
  layers?: number;
  /** `LoggingConfig.LogFormat` (`Text` or `JSON`) and, with JSON, `SystemLogLevel`. */
  logFormat?: string;
  systemLogLevel?: string;
  /** Set for a Lambda Managed Instances function: its capacity provider (`CapacityProviderConfig`). */
  capacityProviderArn?: string;
  /**
   * Set when the configuration could not be read at all (an invoke-only caller): memory, runtime and timeout
   * are then unknown (memoryMb 0); the REPORT lines carry the memory.
   */
  unreadable?: string;
}

/** The payload and addressing of the invocations of one burst. */
export interface InvokeSpec {
  functionName: string;
  qualifier?: string;
  payload: Uint8Array;
}

/**
 * The raw outcome of one fired invocation, before classification. Defined in core (core turns it into a
 * record and must not import targets); targets produce it.
 */
export type RawInvocationResult = RawInvocationInput;

/** One invocation whose request is already serialised and signed, waiting to be written. */
export interface PreparedInvocation {
  /** performance.now() ms when preparation finished. */
  readonly preparedAt: number;
  /** Milliseconds of preparation (middleware, signing) for this invocation. */
  readonly prepareMs: number;
  /** Write the request now. Resolves (never rejects) when the invocation has ended. */
  fire(): Promise<RawInvocationResult>;
  /** Drop an unfired invocation (interrupted before release); it is never sent. */
  discard(): void;
}

/**
 * How prepared invocations get their connections. `parked` (bursts): each request is written into its own
 * connection, opened beforehand and corked, so the release is one syscall per invocation. `pooled` (loads over
 * time): each request waits signed but unwritten and takes an idle keep-alive connection when fired, so a
 * steady load reuses the connections its earlier responses gave back instead of holding one per prepared
 * request.
 */
export interface PrepareOptions {
  connections?: 'parked' | 'pooled';
  /** With `pooled`: keep this many idle connections open from now on (the first are open when prepare resolves). */
  spareConnections?: number;
}

export interface Target {
  readonly kind: TargetKind;
  /** Human description without secrets, e.g. `emulator http://127.0.0.1:41234` or `aws eu-west-1`. */
  readonly description: string;
  /** The endpoint invocations go to, when it is not the SDK's default for the region (recorded in results). */
  readonly endpoint?: string;
  /** When the credentials expire without a way to renew them (ms since the epoch); absent when they renew or it is unknown. */
  readonly credentialsExpireAt?: number;

  getFunction(functionName: string, qualifier?: string): Promise<FunctionInfo>;
  /**
   * Serialise and sign `count` invocations and open their connections (or, `pooled`, keep spare ones open);
   * nothing is sent until `fire()`.
   * Rejects only when preparation itself is impossible (e.g. no credentials).
   */
  prepare(spec: InvokeSpec, count: number, signal?: AbortSignal, options?: PrepareOptions): Promise<PreparedInvocation[]>;
  /** Make sure the next invocation of `functionName` lands on a new environment. Returns what it did. */
  forceCold(functionName: string): Promise<string>;
  /**
   * The environment variable `forceCold` sets on the function, when forcing cold changes the function's
   * configuration (AWS); undefined when it does not (the emulator drains idle environments instead).
   */
  readonly coldNonceVariable?: string;
  /**
   * Change memory/timeout/environment and wait until the update applied. `environment` is merged into the
   * existing variables (read-merge-write), and `unsetEnvironment` names variables to remove.
   */
  updateConfiguration(
    functionName: string,
    patch: { memoryMb?: number; timeoutS?: number; environment?: Record<string, string>; unsetEnvironment?: string[] },
  ): Promise<FunctionInfo>;
  /**
   * Publish a version of `$LATEST` tagged with `description`. `created` is false when Lambda returned an
   * existing version instead (it publishes nothing when `$LATEST` is unchanged since the newest version), so the
   * caller knows the version is not its own.
   */
  publishVersion(functionName: string, description: string): Promise<{ version: string; created: boolean }>;
  /** Delete a published version (DeleteFunction with Qualifier); one already gone is not an error. */
  deleteVersion(functionName: string, version: string): Promise<void>;
  /** The published versions whose description is exactly `description` (ListVersionsByFunction). */
  versionsDescribed(functionName: string, description: string): Promise<string[]>;
  /** Set provisioned concurrency on a version or alias and wait until READY. */
  putProvisionedConcurrency(functionName: string, qualifier: string, count: number, signal?: AbortSignal): Promise<void>;
  deleteProvisionedConcurrency(functionName: string, qualifier: string): Promise<void>;
  /** Reserved concurrency, or undefined when none is set. */
  getReservedConcurrency(functionName: string): Promise<number | undefined>;
  putReservedConcurrency(functionName: string, count: number): Promise<void>;
  deleteReservedConcurrency(functionName: string): Promise<void>;
  /** Emulator only: how many environments may initialise at once (cold starts beyond that queue). */
  readonly initSlots?: number;
  /**
   * A failure of the target itself during the run (the emulator ran out of file descriptors, or died), as one
   * sentence; undefined while all is well. The CLI prints it and exits non-zero.
   */
  failure?(): string | undefined;
  /** Close connections (and, for the emulator target, the emulator). */
  close(): Promise<void>;
}
