/**
 * The Target both real Lambda and the emulator use: one LambdaClient over the gated handler. Only the
 * endpoint, credentials, force-cold strategy and mutation permission differ between them.
 */
import { performance } from 'node:perf_hooks';
import {
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  type FunctionConfiguration,
  type LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  waitUntilPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import { ColdprobeError, targetUnavailable } from '../core/errors.js';
import type { GatedHandler, ParkedRequest } from './gated-handler.js';
import { fromError, fromOutput } from './invoke-result.js';
import type { FunctionInfo, InvokeSpec, PreparedInvocation, RawInvocationResult, Target, TargetKind } from './target.js';

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
  client: LambdaClient;
  handler: GatedHandler;
  waiter: WaiterDelays;
  /** Margin over the function timeout for the client's request timeout, ms (default 15,000: init limit + slack). */
  requestTimeoutMarginMs?: number;
  /** A fixed client-side request timeout (ms) chosen by the user; otherwise function timeout + margin. */
  requestTimeoutOverrideMs?: number;
  /** Called before any call that changes the function; throws when changes are not permitted. */
  guardMutation?: (what: string) => void;
  /** The target's own way to make the next invocation cold; returns what it did. */
  forceCold: (target: SdkTarget, functionName: string) => Promise<string>;
  /** The environment variable `forceCold` sets on the function, when it sets one. */
  coldNonceVariable?: string;
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
  const reason = code || name || message;
  return targetUnavailable(`${what}: ${description} cannot be reached (${reason}).`, error);
}

/** A cold invocation may spend Lambda's 10 s init limit before its own timeout starts; plus 5 s of slack. */
const DEFAULT_MARGIN_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Target over one LambdaClient and its gated handler. */
export class SdkTarget implements Target {
  readonly kind: TargetKind;
  readonly description: string;
  readonly coldNonceVariable?: string;
  readonly client: LambdaClient;
  private readonly handler: GatedHandler;
  private readonly options: SdkTargetOptions;
  private closed = false;

  constructor(options: SdkTargetOptions) {
    this.options = options;
    this.kind = options.kind;
    this.description = options.description;
    if (options.coldNonceVariable !== undefined) this.coldNonceVariable = options.coldNonceVariable;
    this.client = options.client;
    this.handler = options.handler;
  }

  async getFunction(functionName: string, qualifier?: string): Promise<FunctionInfo> {
    try {
      const config = await this.client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: qualifier }));
      const info = toFunctionInfo(config, functionName);
      // Requests must outlive the function's own timeout, or a slow invocation would look like a client timeout.
      this.handler.setRequestTimeout(this.options.requestTimeoutOverrideMs ?? info.timeoutS * 1000 + (this.options.requestTimeoutMarginMs ?? DEFAULT_MARGIN_MS));
      return info;
    } catch (error) {
      throw controlPlaneError(error, `function '${functionName}${qualifier ? `:${qualifier}` : ''}'`, this.description);
    }
  }

  async prepare(spec: InvokeSpec, count: number, signal?: AbortSignal): Promise<PreparedInvocation[]> {
    const started = performance.now();
    const slots = Array.from({ length: count }, () => this.startSend(spec));
    let parked: ParkedRequest[];
    try {
      parked = await Promise.all(slots.map((s) => s.parked));
    } catch (error) {
      for (const s of slots) s.controller.abort();
      throw controlPlaneError(error, `preparing invocations of '${spec.functionName}'`, this.description);
    }
    if (signal?.aborted) {
      for (const s of slots) s.controller.abort();
      return [];
    }
    try {
      await this.handler.arm(parked);
    } catch (error) {
      for (const s of slots) s.controller.abort();
      throw controlPlaneError(error, `opening ${count} connections`, this.description);
    }
    const preparedAt = performance.now();
    // SDK work for the N sends interleaves, so each invocation's share is the average.
    const prepareMs = count > 0 ? (preparedAt - started) / count : 0;
    return slots.map((slot, i) => {
      const p = parked[i] as ParkedRequest;
      return {
        preparedAt,
        prepareMs,
        fire: () => {
          p.fire();
          return slot.result;
        },
        discard: () => slot.controller.abort(),
      };
    });
  }

  /** Start one `client.send` whose request will park in the gated handler. */
  private startSend(spec: InvokeSpec): { controller: AbortController; parked: Promise<ParkedRequest>; result: Promise<RawInvocationResult> } {
    const controller = new AbortController();
    let parkedRequest: ParkedRequest | undefined;
    const gate = this.handler.expect(controller.signal).then((p) => (parkedRequest = p));
    const send = this.client.send(
      new InvokeCommand({
        FunctionName: spec.functionName,
        Qualifier: spec.qualifier,
        InvocationType: 'RequestResponse',
        LogType: 'Tail',
        Payload: spec.payload,
      }),
      { abortSignal: controller.signal },
    );
    // Preparation fails when the send rejects before its request ever reached the handler.
    const parked = Promise.race([gate, send.then(() => gate)]).catch((error: unknown) => {
      this.handler.forget(controller.signal);
      throw error;
    });
    const result = send.then(
      (output) => fromOutput(output, parkedRequest?.facts ?? {}),
      (error: unknown) => fromError(error, parkedRequest?.facts ?? {}),
    );
    return { controller, parked, result };
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

  /** Wait until the function's LastUpdateStatus is Successful. */
  async waitUpdated(functionName: string): Promise<void> {
    const { minDelayS, maxDelayS, maxWaitS } = this.options.waiter;
    try {
      await waitUntilFunctionUpdatedV2(
        { client: this.client, minDelay: minDelayS, maxDelay: maxDelayS, maxWaitTime: maxWaitS },
        { FunctionName: functionName },
      );
    } catch (error) {
      throw controlPlaneError(error, `waiting for '${functionName}' to finish updating`, this.description);
    }
  }

  async publishVersion(functionName: string, description?: string): Promise<string> {
    this.options.guardMutation?.(`publishing a version of '${functionName}'`);
    try {
      const out = await this.client.send(new PublishVersionCommand({ FunctionName: functionName, Description: description }));
      const version = out.Version ?? '$LATEST';
      const { minDelayS, maxDelayS, maxWaitS } = this.options.waiter;
      await waitUntilPublishedVersionActive(
        { client: this.client, minDelay: minDelayS, maxDelay: maxDelayS, maxWaitTime: maxWaitS },
        { FunctionName: functionName, Qualifier: version },
      );
      return version;
    } catch (error) {
      throw controlPlaneError(error, `publishing a version of '${functionName}'`, this.description);
    }
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handler.destroy();
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
  return info;
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
