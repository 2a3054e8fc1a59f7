/**
 * Lambda's documented limits that coldprobe (core and the emulator alike) checks or imitates, in one place.
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html.
 */

/** Smallest and largest function memory, MB. */
export const MIN_MEMORY_MB = 128;
export const MAX_MEMORY_MB = 10_240;

/** Memory that buys one full vCPU, MB. */
export const MB_PER_VCPU = 1769;

/** Bytes of log returned in `X-Amz-Log-Result` with `LogType: Tail` (the last 4 KB). */
export const LOG_TAIL_BYTES = 4096;
