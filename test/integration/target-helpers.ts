/**
 * Emulator targets for engine-level integration tests: each test gets its own in-process emulator with the
 * shipped sample functions, closed after the test whatever happened in it.
 */
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { createEmulatorTarget, type EmulatorTarget } from '../../src/targets/emulator.js';

/** The shipped sample functions (profiles/functions). */
export const SAMPLE_FUNCTIONS = fileURLToPath(new URL('../../profiles/functions', import.meta.url));

/**
 * Registers an afterEach that closes, in reverse order, everything `track` was given in the test; returns
 * `track` and `emulatorTarget` (long idle TTL, so no environment is reaped between the waves of a test).
 */
export function useTargets(): { track: <T extends { close(): Promise<void> }>(t: T) => T; emulatorTarget: () => Promise<EmulatorTarget> } {
  let open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const t of open.reverse()) await t.close();
    open = [];
  });
  const track = <T extends { close(): Promise<void> }>(t: T): T => {
    open.push(t);
    return t;
  };
  const emulatorTarget = async (): Promise<EmulatorTarget> =>
    track(await createEmulatorTarget({ functionsDirs: [SAMPLE_FUNCTIONS], idleTtlMs: 120_000, log: () => undefined }));
  return { track, emulatorTarget };
}
