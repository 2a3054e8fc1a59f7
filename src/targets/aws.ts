/**
 * The AWS target: real Lambda through @aws-sdk/client-lambda with the standard credential chain. It never
 * prints or stores credentials, and it refuses to change a real function unless the user said so.
 */
import { randomUUID } from 'node:crypto';
import { targetUnavailable, usageError } from '../core/errors.js';
import { createGatedClient } from './client.js';
import { SdkTarget } from './sdk-target.js';

/** The environment variable force-cold bumps on a real function. */
export const COLD_NONCE_VARIABLE = 'COLDPROBE_COLD_NONCE';

/** Options of the AWS target. */
export interface AwsTargetOptions {
  /** Region; falls back to AWS_REGION / AWS_DEFAULT_REGION / the profile's region through the SDK chain. */
  region?: string;
  /** Shared-config profile name (like AWS_PROFILE). */
  profile?: string;
  /** True only when the user named a flag that permits changing the function (--force-cold, --allow-memory-change). */
  allowMutations: boolean;
  /** Endpoint override, for tests against the emulator only. */
  endpoint?: string;
  /** Static credentials, for tests against the emulator only. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Control-plane request timeout before the function's own timeout is known, ms. */
  requestTimeoutMs?: number;
  /** Fixed client-side timeout per invocation, ms (default: the function's timeout + 10 s). */
  requestTimeoutOverrideMs?: number;
}

/** Create the AWS target; throws target-unavailable when there is no region or no credentials. */
export async function createAwsTarget(options: AwsTargetOptions): Promise<SdkTarget> {
  const settings: Parameters<typeof createGatedClient>[0] = {
    region: options.region ?? '',
    requestTimeoutMs: options.requestTimeoutOverrideMs ?? options.requestTimeoutMs ?? 15_000,
  };
  if (!options.region) delete (settings as { region?: string }).region;
  if (options.endpoint) settings.endpoint = options.endpoint;
  if (options.credentials) settings.credentials = options.credentials;
  if (options.profile) settings.profile = options.profile;
  const { client, handler } = createGatedClient(settings);

  let region: string;
  try {
    region = await client.config.region();
  } catch (error) {
    client.destroy();
    throw targetUnavailable('no AWS region is configured: pass --region or set AWS_REGION.', error);
  }
  if (!region) {
    client.destroy();
    throw targetUnavailable('no AWS region is configured: pass --region or set AWS_REGION.');
  }
  try {
    // Resolve once up front so a missing chain fails before any burst, with one sentence and no secrets.
    await client.config.credentials();
  } catch (error) {
    client.destroy();
    const where = options.profile ? `profile '${options.profile}'` : 'the default AWS credential chain';
    throw targetUnavailable(`no usable AWS credentials were found in ${where} (set AWS_PROFILE, --aws-profile or AWS_ACCESS_KEY_ID).`, error);
  }

  const description = `aws ${region}${options.profile ? ` (profile ${options.profile})` : ''}${options.endpoint ? ` via ${options.endpoint}` : ''}`;
  return new SdkTarget({
    kind: 'aws',
    description,
    client,
    handler,
    ...(options.requestTimeoutOverrideMs !== undefined ? { requestTimeoutOverrideMs: options.requestTimeoutOverrideMs } : {}),
    waiter: options.endpoint ? { minDelayS: 0.05, maxDelayS: 0.5, maxWaitS: 60 } : { minDelayS: 1, maxDelayS: 5, maxWaitS: 300 },
    guardMutation: (what) => {
      if (!options.allowMutations) {
        throw usageError(`${what} would change a real AWS function; coldprobe only does that when you name --force-cold or --allow-memory-change.`);
      }
    },
    coldNonceVariable: COLD_NONCE_VARIABLE,
    forceCold: async (target, functionName) => {
      const before = await target.getFunction(functionName);
      const nonce = randomUUID();
      // updateConfiguration reads, merges and writes the variables, handles 409 by waiting, and waits for Successful.
      await target.updateConfiguration(functionName, { environment: { [COLD_NONCE_VARIABLE]: nonce } });
      const kept = Object.keys(before.environment).filter((k) => k !== COLD_NONCE_VARIABLE).length;
      return (
        `set ${COLD_NONCE_VARIABLE}=${nonce} on '${functionName}' (its ${kept} other environment variable${kept === 1 ? '' : 's'} kept) ` +
        'and waited until LastUpdateStatus was Successful, so new invocations start in new environments'
      );
    },
  });
}
