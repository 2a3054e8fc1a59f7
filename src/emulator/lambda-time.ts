/**
 * Lambda's control-plane timestamps are strings, not epoch numbers (lambda-protocol.md §4):
 * `2020-04-10T19:06:32.563+0000` for function configurations, `2019-11-21T19:32:12+0000` for provisioned concurrency.
 */

/** `2020-04-10T19:06:32.563+0000` (milliseconds, `+0000`), as FunctionConfiguration.LastModified. */
export function lambdaTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** `2019-11-21T19:32:12+0000` (whole seconds), as ProvisionedConcurrencyConfig.LastModified. */
export function lambdaTimestampSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+0000');
}
