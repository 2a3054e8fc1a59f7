/**
 * The emulator target: the one place that builds it. The bundled emulator runs in a child process of its own
 * on 127.0.0.1 (so it reads each invocation when it arrives, not when this process's loop is free), and the
 * target drives it through exactly the same SDK code as real Lambda, with an endpoint override and dummy
 * credentials.
 */
import { describeFailure, type EmulatorOptions } from '../emulator/api.js';
import { spawnEmulator, type RemoteEmulator } from '../emulator/remote.js';
import { targetUnavailable } from '../core/errors.js';
import { createClients } from './client.js';
import { SdkTarget } from './sdk-target.js';

/** Options of the emulator target: the emulator's own options (functionsDirs, idleTtlMs, …) plus client settings. */
export interface EmulatorTargetOptions extends EmulatorOptions {
  /** Fixed client-side timeout per invocation, ms (default: the function's timeout + 5 s). */
  requestTimeoutOverrideMs?: number;
}

/** An SdkTarget with a handle on its emulator process, for ground truth (environments) and its failures. */
export interface EmulatorTarget extends SdkTarget {
  readonly emulator: RemoteEmulator;
}

/** Start the emulator process and return a Target over it; `close()` stops both. */
export async function createEmulatorTarget(options: EmulatorTargetOptions = {}): Promise<EmulatorTarget> {
  let emulator: RemoteEmulator;
  try {
    const { requestTimeoutOverrideMs: _timeout, ...emulatorOptions } = options;
    emulator = await spawnEmulator({ host: '127.0.0.1', port: 0, ...emulatorOptions });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw targetUnavailable(`the bundled emulator could not start (${message}).`, error);
  }
  const { client, control, handler } = createClients({
    region: emulator.region,
    endpoint: emulator.endpoint,
    // The emulator ignores signatures, but the SDK insists on credentials to sign with.
    credentials: { accessKeyId: 'coldprobe', secretAccessKey: 'coldprobe' },
    ...(options.requestTimeoutOverrideMs !== undefined ? { requestTimeoutMs: options.requestTimeoutOverrideMs } : {}),
  });
  const target = new SdkTarget({
    kind: 'emulator',
    description: `emulator ${emulator.endpoint}`,
    endpoint: emulator.endpoint,
    client,
    control,
    handler,
    waiter: { minDelayS: 0.05, maxDelayS: 0.5, maxWaitS: 60 },
    // Cold starts queue for the emulator's init slots (one per core): the last of 1,000 waited 122 s on a
    // loaded 2-core machine, so the client waits 120 s plus 1 s per invocation released together.
    requestTimeoutMarginMs: 120_000,
    requestTimeoutPerInvocationMs: 1_000,
    ...(options.requestTimeoutOverrideMs !== undefined ? { requestTimeoutOverrideMs: options.requestTimeoutOverrideMs } : {}),
    forceCold: async (_target, functionName) => {
      const stopped = await emulator.drainIdle(functionName);
      return `stopped ${stopped} idle environment${stopped === 1 ? '' : 's'} of '${functionName}' on the emulator`;
    },
    failure: () => {
      const first = emulator.failures()[0];
      return first === undefined ? undefined : describeFailure(first);
    },
    onClose: () => emulator.close(),
  });
  return Object.assign(target, { emulator, initSlots: emulator.initSlots }) as EmulatorTarget;
}
