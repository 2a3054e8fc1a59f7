/**
 * The AWS target: real Lambda through @aws-sdk/client-lambda with the standard credential chain. It never
 * prints or stores credentials, and it refuses to change a real function unless the user said so.
 */
import { randomUUID } from 'node:crypto';
import { targetUnavailable, usageError } from '../core/errors.js';
import { createClients } from './client.js';
import { readCaBundle } from './ca-bundle.js';
import { configuredEndpoint } from './endpoint.js';
import { credentialsCannotRefresh } from './credentials.js';
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
  /**
   * Endpoint override (`--endpoint-url`, as the AWS CLI has): LocalStack, a standalone coldprobe emulator.
   * Without it the SDK's own `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL` still apply, and are recorded.
   */
  endpoint?: string;
  /** Environment to read the SDK's endpoint and credential variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Extra TLS trust (PEM) for a self-signed endpoint; without it, `caBundle` or AWS_CA_BUNDLE in `env` (targets/ca-bundle.ts). */
  ca?: string;
  /** `--ca-bundle FILE`: a PEM file of certificates to trust, as the AWS CLI's option. */
  caBundle?: string;
  /** Static credentials, for tests against the emulator only. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Control-plane request timeout before the function's own timeout is known, ms. */
  requestTimeoutMs?: number;
  /** Fixed client-side timeout per invocation, ms (default: the function's timeout + 10 s). */
  requestTimeoutOverrideMs?: number;
}

/** The AWS target, with what the CLI needs to warn before a long run. */
export interface AwsTarget extends SdkTarget {
  readonly region: string;
}

/** Create the AWS target; throws target-unavailable when there is no region or no credentials. */
export async function createAwsTarget(options: AwsTargetOptions): Promise<AwsTarget> {
  const settings: Parameters<typeof createClients>[0] = {
    region: options.region ?? '',
    requestTimeoutMs: options.requestTimeoutOverrideMs ?? options.requestTimeoutMs ?? 15_000,
  };
  if (!options.region) delete (settings as { region?: string }).region;
  if (options.endpoint) settings.endpoint = options.endpoint;
  if (options.credentials) settings.credentials = options.credentials;
  if (options.profile) settings.profile = options.profile;
  const ca = options.ca ?? readCaBundle(options.caBundle, options.env ?? process.env);
  if (ca) settings.pool = { tls: { ca } };
  const { client, control, handler } = createClients(settings);
  const destroy = (): void => {
    client.destroy();
    control.destroy();
    handler.destroy();
  };

  let region: string;
  try {
    region = await control.config.region();
  } catch (error) {
    destroy();
    throw targetUnavailable('no AWS region is configured: pass --region or set AWS_REGION.', error);
  }
  if (!region) {
    destroy();
    throw targetUnavailable('no AWS region is configured: pass --region or set AWS_REGION.');
  }
  let expiresAt: number | undefined;
  try {
    // Resolve once up front so a missing chain fails before any burst, with one sentence and no secrets.
    const identity = await control.config.credentials();
    expiresAt = identity.expiration?.getTime();
  } catch (error) {
    destroy();
    const where = options.profile ? `profile '${options.profile}'` : 'the default AWS credential chain';
    throw targetUnavailable(`no usable AWS credentials were found in ${where} (set AWS_PROFILE, --aws-profile or AWS_ACCESS_KEY_ID).`, error);
  }
  const endpoint = options.endpoint ?? configuredEndpoint(options.env ?? process.env);

  const description = `aws ${region}${options.profile ? ` (profile ${options.profile})` : ''}${endpoint ? ` via ${endpoint}` : ''}`;
  const target = new SdkTarget({
    kind: 'aws',
    description,
    client,
    control,
    handler,
    ...(endpoint ? { endpoint } : {}),
    ...(options.requestTimeoutOverrideMs !== undefined ? { requestTimeoutOverrideMs: options.requestTimeoutOverrideMs } : {}),
    // Local stand-ins answer in milliseconds; real Lambda's updates take seconds.
    waiter: endpoint ? { minDelayS: 0.05, maxDelayS: 0.5, maxWaitS: 60 } : { minDelayS: 1, maxDelayS: 5, maxWaitS: 300 },
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
  const cannotRefresh = expiresAt !== undefined && credentialsCannotRefresh(options);
  return Object.assign(target, { region, ...(cannotRefresh ? { credentialsExpireAt: expiresAt } : {}) }) as AwsTarget;
}
