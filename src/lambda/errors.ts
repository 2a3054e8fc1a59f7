/**
 * Lambda's error vocabulary: the throttle reasons a 429 carries (`Reason`) and the function error types the
 * platform reports (`Error Type`, the `errorType` of the response body), as core classifies them and the
 * emulator raises them. Source: lambda-protocol.md §1.4 and §2.1, and the Invoke API reference
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
 */

/** The 429 exception of Invoke. */
export const THROTTLE_EXCEPTION = 'TooManyRequestsException';

/** The reason counted for a 429 that names none. */
export const UNKNOWN_THROTTLE_REASON = 'Unknown';

/**
 * Function error types the platform reports (RIE's list, lambda-protocol.md §1.3). There is no
 * `Runtime.InitError`: a failed init reports `Runtime.Unknown` (the runtime posted /init/error; its own type
 * goes to the caller in its document) or `Runtime.ExitError` (it exited).
 */
export const PLATFORM_ERRORS = {
  timeout: 'Sandbox.Timedout',
  exit: 'Runtime.ExitError',
  unknown: 'Runtime.Unknown',
  invalidEntrypoint: 'Runtime.InvalidEntrypoint',
  truncatedResponse: 'Runtime.TruncatedResponse',
  responseTooLarge: 'Function.ResponseSizeTooLarge',
  functionUnknown: 'Function.Unknown',
  sandboxFailure: 'Sandbox.Failure',
} as const;
