/**
 * Setup failures as typed values. The CLI is the one place that turns them into a sentence and an exit code.
 */

/** Documented exit codes (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  targetUnavailable: 3,
  thresholdFailed: 10,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind =
  /** Bad flags, bad profile, bad payload file, bad threshold: the user's input is wrong. Exit 2. */
  | 'usage'
  /** The target cannot be reached or refuses us (no credentials, region down, function missing). Exit 3. */
  | 'target-unavailable'
  /** Anything we did not expect. Exit 1. */
  | 'internal';

/** An error whose message is one clear sentence meant for the user. */
export class ColdprobeError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ColdprobeError';
  }

  get exitCode(): ExitCodeValue {
    switch (this.kind) {
      case 'usage':
        return ExitCode.usage;
      case 'target-unavailable':
        return ExitCode.targetUnavailable;
      case 'internal':
        return ExitCode.internal;
    }
  }
}

export const usageError = (message: string): ColdprobeError => new ColdprobeError('usage', message);
export const targetUnavailable = (message: string, cause?: unknown): ColdprobeError =>
  new ColdprobeError('target-unavailable', message, { cause });
