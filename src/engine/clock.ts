/**
 * Time as an injected dependency: the engine reads `now()` for durations and the wall clock once per run.
 */
import { performance } from 'node:perf_hooks';

/** The engine's view of time; `now()` is performance.now() milliseconds (targets time sends on the same scale). */
export interface Clock {
  /** Monotonic milliseconds, same origin as performance.now(). */
  now(): number;
  /** The wall clock; the engine reads it once per run. */
  wallClock(): Date;
  /** Resolve after `ms` milliseconds, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallClock: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * The warning a late release gives just before it goes out (the records keep the instant it achieved): one
 * sentence, how late, and what to change next time when the caller knows (`advice`).
 */
export function lateReleaseMessage(what: string, lateMs: number, advice?: (lateMs: number) => string): string {
  const tail = advice?.(lateMs);
  return `not ready at the planned instant: ${what} ${Math.round(lateMs)} ms late${tail ? `; ${tail}` : ''}`;
}

/** How long before a held release the engine stops sleeping and spins, ms. */
const SPIN_MS = 3;

/**
 * Hold until `at` (clock.now() ms) for a shard's release: sleep to just before it, then spin to it, as a timer
 * alone fires a millisecond or more late. Resolves how many ms late the call came when `at` had already passed
 * by more than 1 ms (preparing took too long), else 0.
 */
export async function holdUntil(clock: Clock, at: number, signal?: AbortSignal): Promise<number> {
  const late = clock.now() - at;
  if (late > 1) return late;
  await clock.sleep(Math.max(0, at - clock.now() - SPIN_MS), signal);
  // Busy-wait the last few ms: the cost is a few ms of one core, once per run, for a sub-ms release instant.
  while (!signal?.aborted && clock.now() < at) {
    // spin
  }
  return 0;
}
