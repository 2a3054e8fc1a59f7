/**
 * HTTP header names of the Invoke API (lowercase, as node gives them), and the ones coldprobe's emulator adds,
 * which real Lambda never sends. Both the emulator (writing) and the targets (reading) take them from here.
 */

/** Headers of a synchronous Invoke response. */
export const INVOKE_HEADERS = {
  functionError: 'x-amz-function-error',
  logResult: 'x-amz-log-result',
  executedVersion: 'x-amz-executed-version',
  requestId: 'x-amzn-requestid',
  errorType: 'x-amzn-errortype',
} as const;

/**
 * Response headers coldprobe's emulator adds to every sync invoke; real Lambda sends none of them. The two
 * times are Unix epoch milliseconds with microsecond decimals (performance.timeOrigin + performance.now(), so
 * another process on the same machine can place them on its own clock).
 */
export const EMULATOR_HEADERS = {
  envId: 'x-coldprobe-env-id',
  envSeq: 'x-coldprobe-env-seq',
  initType: 'x-coldprobe-init-type',
  /** When the emulator read the request's headers. */
  acceptedAt: 'x-coldprobe-accepted-at',
  /** When the invocation got its environment (a warm one, or a new one started for it). */
  assignedAt: 'x-coldprobe-assigned-at',
  /** How long the cold start waited for an init slot before its runtime was spawned (0 when warm). */
  queueWaitMs: 'x-coldprobe-queue-wait-ms',
} as const;
