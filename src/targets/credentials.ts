/**
 * Credentials that cannot renew themselves, and the warning before a run that would outlive them.
 */
import type { Target } from './target.js';

/**
 * True when the credentials in use cannot renew themselves: static keys in the environment (a pasted
 * session from `aws sts assume-role` or a console). Profiles (SSO, assume-role, process) re-fetch on expiry.
 */
export function credentialsCannotRefresh(options: { profile?: string; credentials?: unknown; env?: NodeJS.ProcessEnv }): boolean {
  if (options.credentials) return true;
  const env = options.env ?? process.env;
  return options.profile === undefined && Boolean(env.AWS_ACCESS_KEY_ID) && Boolean(env.AWS_SECRET_ACCESS_KEY);
}

/**
 * A warning when a run planned to last `plannedMs` would outlive credentials that cannot renew themselves
 * (calls would then fail with ExpiredToken mid-run, clean-up included); undefined otherwise.
 */
export function credentialsExpiryWarning(target: Pick<Target, 'credentialsExpireAt'>, plannedMs: number, nowMs: number): string | undefined {
  if (target.credentialsExpireAt === undefined) return undefined;
  const leftMs = target.credentialsExpireAt - nowMs;
  // A minute of slack for preparing, cleaning up and the last wave's responses.
  if (leftMs >= plannedMs + 60_000) return undefined;
  const minutes = (ms: number): string => `${Math.max(0, Math.floor(ms / 60_000))} min`;
  return (
    `the AWS session credentials expire in ${minutes(leftMs)} and cannot be renewed, but this run is planned to take at least ${minutes(plannedMs)}; ` +
    'calls (and the clean-up) will fail with ExpiredToken after that. Renew them first, or use a profile that refreshes (SSO, role_arn).'
  );
}
