/**
 * Which endpoint the AWS target talks to: `--endpoint-url` (checked here), else what the SDK itself reads from
 * the environment. Its own module so the CLI can check the flag without loading the SDK.
 */
import { usageError } from '../core/errors.js';

/** Check an `--endpoint-url` value: an http(s) URL; returns it without a trailing slash, or throws a usage error. */
export function parseEndpointUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--endpoint-url must be a URL like https://localhost:4566, got '${raw}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--endpoint-url must start with http:// or https://, got '${raw}'.`);
  if (url.username || url.password) throw usageError('--endpoint-url must not carry a user name or password.');
  return url.href.replace(/\/$/, '');
}

/**
 * The endpoint the SDK uses when none is passed: the service-specific variable first, then the global one,
 * unless configured endpoints are switched off (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
export function configuredEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (/^true$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  return env.AWS_ENDPOINT_URL_LAMBDA || env.AWS_ENDPOINT_URL || undefined;
}
