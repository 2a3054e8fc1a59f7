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
