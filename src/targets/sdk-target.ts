/**
 * The Target both real Lambda and the emulator use: one LambdaClient over the gated handler. Only the
 * endpoint, credentials, force-cold strategy and mutation permission differ between them.
 */
import { performance } from 'node:perf_hooks';
import {
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  type FunctionConfiguration,
  type LambdaClient,
  paginateListVersionsByFunction,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { ColdprobeError, targetUnavailable, usageError } from '../core/errors.js';
import type { GatedHandler, ParkedRequest } from './gated-handler.js';
import { fromError, fromOutput } from './invoke-result.js';
import type { FunctionInfo, InvokeSpec, PreparedInvocation, PrepareOptions, RawInvocationResult, Target, TargetKind } from './target.js';

/** How long the SDK's waiters pause between polls, in seconds (short on the emulator). */
export interface WaiterDelays {
  minDelayS: number;
  maxDelayS: number;
  maxWaitS: number;
}

/** Everything that differs between the aws and emulator targets. */
export interface SdkTargetOptions {
  kind: TargetKind;
  description: string;
  /** The invoke client: retries off. */
  client: LambdaClient;
  /** The control-plane client: the SDK's standard retries. */
  control: LambdaClient;
  handler: GatedHandler;
  /** The endpoint the clients talk to, when it is not the SDK's default for the region. */
  endpoint?: string;
  waiter: WaiterDelays;
  /** Margin over the function timeout for the client's request timeout, ms (default 15,000: init limit + slack). */
  requestTimeoutMarginMs?: number;
  /** A fixed client-side request timeout (ms) chosen by the user; otherwise function timeout + margin. */
  requestTimeoutOverrideMs?: number;
  /**
   * Extra margin per invocation prepared together, ms: the emulator's cold starts queue for its init slots, so
   * the last of N waits for about N × init ÷ slots before its own init even starts.
   */
  requestTimeoutPerInvocationMs?: number;
  /** Called before any call that changes the function; throws when changes are not permitted. */
  guardMutation?: (what: string) => void;
  /** The target's own way to make the next invocation cold; returns what it did. */
  forceCold: (target: SdkTarget, functionName: string) => Promise<string>;
  /** The environment variable `forceCold` sets on the function, when it sets one. */
  coldNonceVariable?: string;
  /**
   * A prepared (signed) invocation older than this when fired is signed again first, ms (default 60,000):
   * SigV4 signatures expire after five minutes, and in a closed loop a prepared request waits for a free slot.
   */
  maxSignedWaitMs?: number;
  /** Extra clean-up after the client closes (the emulator target stops its emulator). */
  onClose?: () => Promise<void>;
  /** What went wrong with the target itself (not a function), as one sentence; undefined while all is well. */
  failure?: () => string | undefined;
}

/** Map a control-plane failure to a one-sentence ColdprobeError. */
export function controlPlaneError(error: unknown, what: string, description: string): ColdprobeError {
  if (error instanceof ColdprobeError) return error;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message.replace(/\s+/g, ' ').trim() : String(error);
  if (name === 'ResourceNotFoundException') return targetUnavailable(`${what}: not found on ${description} (${message}).`, error);
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return targetUnavailable(`${what}: no usable AWS credentials were found (set AWS_PROFILE or --aws-profile, or configure the default chain).`, error);
  }
  if (typeof e.$metadata?.httpStatusCode === 'number') {
    return targetUnavailable(`${what}: ${description} refused it with ${name || 'an error'} (${message}).`, error);
  }
  if (code === 'EMFILE' || code === 'ENFILE') {
    return targetUnavailable(`${what}: coldprobe ran out of file descriptors (${code}): raise the limit with 'ulimit -n' or lower --n.`, error);
  }
  // node's TLS verification codes: a self-signed or privately issued certificate (a stand-in endpoint, a
  // corporate proxy) needs its CA trusted, as the AWS CLI takes it.
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID/.test(code)) {
    return targetUnavailable(`${what}: ${description} presented a TLS certificate this machine does not trust (${code}); name its CA with --ca-bundle FILE or AWS_CA_BUNDLE.`, error);
  }
  const reason = code || name || message;
  return targetUnavailable(`${what}: ${description} cannot be reached (${reason}).`, error);
}

/** A cold invocation may spend Lambda's 10 s init limit before its own timeout starts; plus 5 s of slack. */
const DEFAULT_MARGIN_MS = 15_000;

/** No signed request waits longer than this before it is signed again (SigV4 signatures expire after 5 min). */
const MAX_SIGNED_WAIT_MS = 60_000;

/** Lambda's largest function timeout, s: the request timeout when the function's own cannot be read. */
const MAX_FUNCTION_TIMEOUT_S = 900;

/** Errors that mean the caller may not read the configuration (an invoke-only principal), not that it is absent. */
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Target over an invoke client, a control-plane client and the gated handler under both. */
export class SdkTarget implements Target {
  readonly kind: TargetKind;
  readonly description: string;
  readonly endpoint?: string;
  readonly coldNonceVariable?: string;
  /** The control-plane client (standard retries); callers outside the target only ever make control calls. */
  readonly client: LambdaClient;
  private readonly invokeClient: LambdaClient;
  private readonly handler: GatedHandler;
  private readonly options: SdkTargetOptions;
  private closed = false;

  constructor(options: SdkTargetOptions) {
    this.options = options;
    this.kind = options.kind;
    this.description = options.description;
    if (options.endpoint !== undefined) this.endpoint = options.endpoint;
    if (options.coldNonceVariable !== undefined) this.coldNonceVariable = options.coldNonceVariable;
    this.client = options.control;
    this.invokeClient = options.client;
    this.handler = options.handler;
  }

  /** Function timeout + margin, as last set by getFunction (ms). */
  private baseRequestTimeoutMs: number | undefined;

  /**
   * The function's configuration. A function in State `Pending` (just created or updated with a new
   * VPC/image) is waited out until `Active`, since invocations fail until then; `Failed` is refused. A caller
   * allowed only to invoke (GetFunctionConfiguration denied) gets what can be known without it, with
   * `unreadable` saying why; the memory then comes from the REPORT lines.
   */
  async getFunction(functionName: string, qualifier?: string): Promise<FunctionInfo> {
    const what = `function '${functionName}${qualifier ? `:${qualifier}` : ''}'`;
    let config: FunctionConfiguration;
    try {
      config = await this.client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: qualifier }));
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (typeof name === 'string' && DENIED.has(name)) return this.unreadableFunction(functionName, qualifier, error);
      throw controlPlaneError(error, what, this.description);
    }
    if (config.State === 'Pending') config = await this.waitConfiguration(functionName, qualifier, `${what} to become Active`, (c) => stateProgress(c));
    if (config.State === 'Failed') {
      throw targetUnavailable(`${what} is in State Failed (${config.StateReasonCode ?? 'no code'}: ${config.StateReason ?? 'no reason given'}); invocations would fail.`);
    }
    const info = toFunctionInfo(config, functionName);
    // Requests must outlive the function's own timeout, or a slow invocation would look like a client timeout.
    this.baseRequestTimeoutMs = info.timeoutS * 1000 + (this.options.requestTimeoutMarginMs ?? DEFAULT_MARGIN_MS);
    this.handler.setRequestTimeout(this.options.requestTimeoutOverrideMs ?? this.baseRequestTimeoutMs);
    return info;
  }

  /** What an invoke-only caller can know: the name (or ARN) it gave, and that the rest is unknown. */
  private unreadableFunction(functionName: string, qualifier: string | undefined, error: unknown): FunctionInfo {
    const message = (error as { message?: unknown }).message;
    // Without the function's timeout, wait as long as any Lambda function may run.
    this.handler.setRequestTimeout(this.options.requestTimeoutOverrideMs ?? MAX_FUNCTION_TIMEOUT_S * 1000 + (this.options.requestTimeoutMarginMs ?? DEFAULT_MARGIN_MS));
    return {
      functionName,
      functionArn: functionName.startsWith('arn:') ? functionName : '',
      runtime: 'unknown',
      memoryMb: 0,
      timeoutS: MAX_FUNCTION_TIMEOUT_S,
      version: qualifier ?? '$LATEST',
      environment: {},
      unreadable: `GetFunctionConfiguration was denied (${typeof message === 'string' ? message.replace(/\s+/g, ' ').trim() : 'AccessDenied'})`,
    };
  }

  async prepare(spec: InvokeSpec, count: number, signal?: AbortSignal, options: PrepareOptions = {}): Promise<PreparedInvocation[]> {
    const started = performance.now();
    const perInvocationMs = this.options.requestTimeoutPerInvocationMs;
    const spare = options.spareConnections ?? 0;
    if (perInvocationMs !== undefined && this.options.requestTimeoutOverrideMs === undefined && this.baseRequestTimeoutMs !== undefined) {
      // Pooled requests are prepared a few at a time, but as many as the spare connections may queue together.
      this.handler.setRequestTimeout(this.baseRequestTimeoutMs + Math.max(count, spare) * perInvocationMs);
    }
    const slots = Array.from({ length: count }, () => this.startSend(spec));
    let parked: ParkedRequest[];
    try {
      parked = await Promise.all(slots.map((s) => s.parked));
    } catch (error) {
      for (const s of slots) s.cancel();
      throw controlPlaneError(error, `preparing invocations of '${spec.functionName}'`, this.description);
    }
    if (signal?.aborted) {
      for (const s of slots) s.cancel();
      return [];
    }
    try {
      if (options.connections !== 'pooled') await this.handler.arm(parked);
      // The first call that asks for spares waits until they are open, as a burst waits for its connections.
      else if (spare > 0 && parked[0] !== undefined && this.handler.pool.keepSpare(parked[0].origin, spare)) await this.handler.pool.warm(parked[0].origin, spare);
    } catch (error) {
      for (const s of slots) s.cancel();
      throw controlPlaneError(error, `opening ${options.connections === 'pooled' ? spare : count} connections`, this.description);
    }
    const preparedAt = performance.now();
    // SDK work for the N sends interleaves, so each invocation's share is the average.
    const prepareMs = count > 0 ? (preparedAt - started) / count : 0;
    return slots.map((slot, i) => {
      const p = parked[i] as ParkedRequest;
      const maxWaitMs = this.options.maxSignedWaitMs ?? MAX_SIGNED_WAIT_MS;
      return {
        preparedAt,
        prepareMs,
        fire: () => {
          if (performance.now() - preparedAt <= maxWaitMs) {
            p.fire();
            return slot.result;
          }
          // Waited too long for a slot: the stale request never leaves; a fresh one is signed and sent now.
          slot.cancel();
          const fresh = this.startSend(spec);
          return fresh.parked.then(
            (parkedNow) => {
              parkedNow.fire();
              return fresh.result;
            },
            () => fresh.result,
          );
        },
        discard: () => slot.cancel(),
      };
    });
  }

  /** Start one `client.send` whose request will park in the gated handler; `cancel` makes sure it never leaves. */
  private startSend(spec: InvokeSpec): { cancel: () => void; parked: Promise<ParkedRequest>; result: Promise<RawInvocationResult> } {
    const input = {
      FunctionName: spec.functionName,
      Qualifier: spec.qualifier,
      InvocationType: 'RequestResponse' as const,
      LogType: 'Tail' as const,
      Payload: spec.payload,
    };
    let parkedRequest: ParkedRequest | undefined;
    let cancelled = false;
    const gate = this.handler.expect(input).then((p) => {
      parkedRequest = p;
      if (cancelled) p.giveUp();
      return p;
    });
    // No per-send options: the invoke client's middleware stack is resolved once (cacheMiddleware).
    const send = this.invokeClient.send(new InvokeCommand(input));
    // Preparation fails when the send rejects before its request ever reached the handler.
    const parked = Promise.race([gate, send.then(() => gate)]).catch((error: unknown) => {
      this.handler.forget(input);
      throw error;
    });
    const result = send.then(
      (output) => fromOutput(output, parkedRequest?.facts ?? {}),
      (error: unknown) => fromError(error, parkedRequest?.facts ?? {}),
    );
    const cancel = (): void => {
      cancelled = true;
      this.handler.forget(input);
      parkedRequest?.giveUp();
    };
    return { cancel, parked, result };
  }

  forceCold(functionName: string): Promise<string> {
    return this.options.forceCold(this, functionName);
  }

  async updateConfiguration(
    functionName: string,
    patch: { memoryMb?: number; timeoutS?: number; environment?: Record<string, string>; unsetEnvironment?: string[] },
  ): Promise<FunctionInfo> {
    this.options.guardMutation?.(`changing the configuration of '${functionName}'`);
    const what = `updating '${functionName}'`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        // Read-merge-write: UpdateFunctionConfiguration replaces the whole variable map.
        const current = await this.client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
        const environment = mergeEnvironment(current.Environment?.Variables, patch.environment, patch.unsetEnvironment);
        if (environment !== undefined && current.Environment?.Error !== undefined) throw unreadableEnvironment(functionName, current.Environment.Error);
        await this.client.send(
          new UpdateFunctionConfigurationCommand({
            FunctionName: functionName,
            RevisionId: current.RevisionId,
            MemorySize: patch.memoryMb,
            Timeout: patch.timeoutS,
            Environment: environment ? { Variables: environment } : undefined,
          }),
        );
        break;
      } catch (error) {
        const name = (error as { name?: unknown }).name;
        // 409: another update is running; 412: someone changed it between our read and write.
        if ((name === 'ResourceConflictException' || name === 'PreconditionFailedException') && attempt < 10) {
          await this.waitUpdated(functionName).catch(() => sleep(this.options.waiter.minDelayS * 1000));
          continue;
        }
        throw controlPlaneError(error, what, this.description);
      }
    }
    await this.waitUpdated(functionName);
    return this.getFunction(functionName);
  }

  /**
   * Wait until the function's LastUpdateStatus is Successful. Polls GetFunctionConfiguration (which every
   * change needs anyway) rather than the SDK's V2 waiter, which polls GetFunction: one permission fewer.
   */
  async waitUpdated(functionName: string): Promise<void> {
    await this.waitConfiguration(functionName, undefined, `'${functionName}' to finish updating`, (c) => updateProgress(c));
  }

  /**
   * Poll GetFunctionConfiguration with backoff until `progress` says done (returns it) or failed (throws its
   * sentence). Errors other than the control client's own retries end the wait at once: an AccessDenied must
   * not look like a slow update.
   */
  private async waitConfiguration(
    functionName: string,
    qualifier: string | undefined,
    what: string,
    progress: (config: FunctionConfiguration) => 'done' | 'wait' | string,
  ): Promise<FunctionConfiguration> {
    const { minDelayS, maxDelayS, maxWaitS } = this.options.waiter;
    const deadline = performance.now() + maxWaitS * 1000;
    let delayMs = minDelayS * 1000;
    for (;;) {
      let config: FunctionConfiguration;
      try {
        config = await this.client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: qualifier }));
      } catch (error) {
        throw controlPlaneError(error, `waiting for ${what}`, this.description);
      }
      const state = progress(config);
      if (state === 'done') return config;
      if (state !== 'wait') throw targetUnavailable(`waiting for ${what}: ${state}.`);
      if (performance.now() + delayMs > deadline) throw targetUnavailable(`waiting for ${what}: still not done after ${maxWaitS} s.`);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, maxDelayS * 1000);
    }
  }

  async publishVersion(functionName: string, description: string): Promise<{ version: string; created: boolean }> {
    this.options.guardMutation?.(`publishing a version of '${functionName}'`);
    try {
      const out = await this.client.send(new PublishVersionCommand({ FunctionName: functionName, Description: description }));
      const version = out.Version ?? '$LATEST';
      if (out.State !== 'Active') await this.waitConfiguration(functionName, version, `version ${version} of '${functionName}' to become Active`, (c) => stateProgress(c));
      // An unchanged $LATEST gives back the newest existing version, with that version's own description.
      return { version, created: out.Description === description };
    } catch (error) {
      throw controlPlaneError(error, `publishing a version of '${functionName}'`, this.description);
    }
  }

  async deleteVersion(functionName: string, version: string): Promise<void> {
    this.options.guardMutation?.(`deleting version ${version} of '${functionName}'`);
    try {
      await this.client.send(new DeleteFunctionCommand({ FunctionName: functionName, Qualifier: version }));
    } catch (error) {
      if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return;
      throw controlPlaneError(error, `deleting version ${version} of '${functionName}'`, this.description);
    }
  }

  async versionsDescribed(functionName: string, description: string): Promise<string[]> {
    const found: string[] = [];
    try {
      for await (const page of paginateListVersionsByFunction({ client: this.client }, { FunctionName: functionName })) {
        for (const v of page.Versions ?? []) if (v.Version !== undefined && v.Version !== '$LATEST' && v.Description === description) found.push(v.Version);
      }
    } catch (error) {
      throw controlPlaneError(error, `listing the versions of '${functionName}'`, this.description);
    }
    return found;
  }

  async putProvisionedConcurrency(functionName: string, qualifier: string, count: number, signal?: AbortSignal): Promise<void> {
    this.options.guardMutation?.(`setting provisioned concurrency on '${functionName}:${qualifier}'`);
    const what = `provisioned concurrency ${count} on '${functionName}:${qualifier}'`;
    try {
      await this.client.send(
        new PutProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: qualifier, ProvisionedConcurrentExecutions: count }),
      );
    } catch (error) {
      throw controlPlaneError(error, what, this.description);
    }
    // No SDK waiter exists for provisioned concurrency: poll until READY or FAILED.
    const deadline = performance.now() + this.options.waiter.maxWaitS * 1000;
    let delayMs = this.options.waiter.minDelayS * 1000;
    for (;;) {
      if (signal?.aborted) throw new ColdprobeError('internal', `${what}: interrupted while waiting for READY.`);
      let status: string | undefined;
      let reason: string | undefined;
      try {
        const out = await this.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: qualifier }));
        status = out.Status;
        reason = out.StatusReason;
      } catch (error) {
        throw controlPlaneError(error, what, this.description);
      }
      if (status === 'READY') return;
      if (status === 'FAILED') throw targetUnavailable(`${what} failed: ${reason ?? 'no reason given'}.`);
      if (performance.now() > deadline) throw targetUnavailable(`${what} was not READY after ${this.options.waiter.maxWaitS} s.`);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, this.options.waiter.maxDelayS * 1000);
    }
  }

  async deleteProvisionedConcurrency(functionName: string, qualifier: string): Promise<void> {
    this.options.guardMutation?.(`removing provisioned concurrency from '${functionName}:${qualifier}'`);
    try {
      await this.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: functionName, Qualifier: qualifier }));
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'ProvisionedConcurrencyConfigNotFoundException') return;
      throw controlPlaneError(error, `removing provisioned concurrency from '${functionName}:${qualifier}'`, this.description);
    }
  }

  async getReservedConcurrency(functionName: string): Promise<number | undefined> {
    try {
      const out = await this.client.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
      return out.ReservedConcurrentExecutions;
    } catch (error) {
      throw controlPlaneError(error, `reading reserved concurrency of '${functionName}'`, this.description);
    }
  }

  async putReservedConcurrency(functionName: string, count: number): Promise<void> {
    this.options.guardMutation?.(`setting reserved concurrency on '${functionName}'`);
    try {
      await this.client.send(new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: count }));
    } catch (error) {
      throw controlPlaneError(error, `setting reserved concurrency ${count} on '${functionName}'`, this.description);
    }
  }

  async deleteReservedConcurrency(functionName: string): Promise<void> {
    this.options.guardMutation?.(`removing reserved concurrency from '${functionName}'`);
    try {
      await this.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName }));
    } catch (error) {
      throw controlPlaneError(error, `removing reserved concurrency from '${functionName}'`, this.description);
    }
  }

  failure(): string | undefined {
    return this.options.failure?.();
  }

  /** Connections opened so far (a load that reuses its keep-alive connections opens far fewer than it sends). */
  connectionsOpened(): number {
    return this.handler.pool.opened;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handler.destroy();
    this.invokeClient.destroy();
    this.client.destroy();
    await this.options.onClose?.();
  }
}

/** Convert a FunctionConfiguration into coldprobe's FunctionInfo. */
export function toFunctionInfo(config: FunctionConfiguration, fallbackName: string): FunctionInfo {
  const info: FunctionInfo = {
    functionName: config.FunctionName ?? fallbackName,
    functionArn: config.FunctionArn ?? '',
    runtime: config.Runtime ?? (config.PackageType === 'Image' ? 'image' : 'unknown'),
    memoryMb: config.MemorySize ?? 128,
    timeoutS: config.Timeout ?? 3,
    version: config.Version ?? '$LATEST',
    environment: { ...(config.Environment?.Variables ?? {}) },
  };
  if (config.LastUpdateStatus) info.lastUpdateStatus = config.LastUpdateStatus;
  if (config.State) info.state = config.State;
  if (config.Architectures?.[0] === 'arm64') info.architecture = 'arm64';
  else if (config.Architectures?.[0] === 'x86_64') info.architecture = 'x86_64';
  if (config.Layers !== undefined && config.Layers.length > 0) info.layers = config.Layers.length;
  if (config.LoggingConfig?.LogFormat) info.logFormat = config.LoggingConfig.LogFormat;
  if (config.LoggingConfig?.SystemLogLevel) info.systemLogLevel = config.LoggingConfig.SystemLogLevel;
  const provider = config.CapacityProviderConfig?.LambdaManagedInstancesCapacityProviderConfig?.CapacityProviderArn;
  if (provider) info.capacityProviderArn = provider;
  const envError = config.Environment?.Error;
  if (envError) info.environmentError = `${envError.ErrorCode ?? 'Error'}: ${envError.Message ?? 'no message'}`;
  return info;
}

/** LastUpdateStatus as wait progress: Successful is done, Failed ends the wait with its reason. */
function updateProgress(config: FunctionConfiguration): 'done' | 'wait' | string {
  if (config.LastUpdateStatus === 'Failed') return `the update failed (${config.LastUpdateStatusReasonCode ?? 'no code'}: ${config.LastUpdateStatusReason ?? 'no reason given'})`;
  return config.LastUpdateStatus === 'InProgress' ? 'wait' : 'done';
}

/** State as wait progress (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). */
function stateProgress(config: FunctionConfiguration): 'done' | 'wait' | string {
  if (config.State === 'Failed') return `State is Failed (${config.StateReasonCode ?? 'no code'}: ${config.StateReason ?? 'no reason given'})`;
  return config.State === 'Pending' ? 'wait' : 'done';
}

/**
 * Lambda answers `Environment.Error` instead of `Environment.Variables` when it cannot decrypt them for this
 * caller (https://docs.aws.amazon.com/lambda/latest/api/API_EnvironmentError.html), and
 * UpdateFunctionConfiguration replaces the whole map
 * (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html): writing a merged map
 * back would erase every variable the function has. So coldprobe refuses.
 */
function unreadableEnvironment(functionName: string, error: { ErrorCode?: string; Message?: string }): ColdprobeError {
  return usageError(
    `the environment variables of '${functionName}' cannot be read (${error.ErrorCode ?? 'Error'}: ${error.Message ?? 'no message'}), ` +
      'and changing one would mean writing all of them back, erasing them; coldprobe changes none (give this caller kms:Decrypt on the function\'s key, or run without --force-cold).',
  );
}

/** The variable map after a patch; undefined when the patch leaves the variables alone. */
function mergeEnvironment(
  current: Record<string, string> | undefined,
  set: Record<string, string> | undefined,
  unset: readonly string[] | undefined,
): Record<string, string> | undefined {
  if (set === undefined && (unset === undefined || unset.length === 0)) return undefined;
  const merged: Record<string, string> = { ...(current ?? {}), ...(set ?? {}) };
  for (const key of unset ?? []) delete merged[key];
  return merged;
}
