/**
 * The command registry: each command's name and one-line summary, and how to load it. A command's module (and
 * everything it imports: the SDK, the emulator, zod, ink) is imported only when that command runs, so
 * `coldprobe --help` and `coldprobe check` do not pay for `burst`.
 */
import type { Command } from '../command.js';

/** A command as `coldprobe --help` lists it, loaded on demand. */
export interface CommandEntry {
  name: string;
  /** One line for `coldprobe --help`; the module's own `summary` says the same (a test keeps them equal). */
  summary: string;
  load(): Promise<Command>;
}

/** Every command, in the order `coldprobe --help` lists them. */
export const commands: readonly CommandEntry[] = [
  { name: 'burst', summary: 'Release N invocations together and profile their cold starts.', load: async () => (await import('./burst.js')).burstCommand },
  { name: 'run', summary: 'Run a profile: a matrix of functions × memory × provisioned concurrency, compared.', load: async () => (await import('./run.js')).runCommand },
  { name: 'load', summary: 'Start invocations at a rate over time (ramps, holds) and watch cold starts and throttles per window.', load: async () => (await import('./load.js')).loadCommand },
  { name: 'report', summary: 'Re-render a results file as text, or as an offline HTML page with charts.', load: async () => (await import('./report.js')).reportCommand },
  { name: 'check', summary: 'CI gate: judge thresholds and regressions against a baseline (exit 10 on failure)', load: async () => (await import('./check.js')).checkCommand },
  { name: 'compare', summary: 'compare two results files cell by cell, with a noise-aware verdict', load: async () => (await import('./compare.js')).compareCommand },
  { name: 'merge', summary: 'Merge the results files of every shard of one run into one.', load: async () => (await import('./merge.js')).mergeCommand },
  { name: 'baseline', summary: 'store a results file as the baseline for the CI gate', load: async () => (await import('./baseline.js')).baselineCommand },
  { name: 'cleanup', summary: 'Put back what killed or interrupted AWS runs changed (from their journals).', load: async () => (await import('./cleanup.js')).cleanupCommand },
  { name: 'emulator', summary: 'Run the bundled local Lambda emulator until Ctrl-C (works with the AWS CLI and SDKs).', load: async () => (await import('./emulator.js')).emulatorCommand },
];
