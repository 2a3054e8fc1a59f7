/**
 * `coldprobe cleanup [--dry-run]`: finish what runs could not put back. Reads every unfinished change journal
 * (io/journal.ts), reaches each run's functions again (same region, profile and endpoint; credentials from the
 * usual chain) and performs the undo actions left, marking each done. Idempotent: a second run finds nothing.
 */
import { describeUndo } from '../../core/cleanup.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { performUndo } from '../../engine/cleanup.js';
import { journalDir, markUndone, remainingOf, unfinishedJournals } from '../../io/journal.js';
import { rmSync } from 'node:fs';
import { parseFlags } from '../args.js';
import { formatHelp } from '../help.js';
import type { Command, CliIo } from '../command.js';

const USAGE = formatHelp({
  usage: ['coldprobe cleanup [options]'],
  about:
    "Puts back what runs on AWS changed and could not put back themselves (the process was killed, the terminal closed, a second Ctrl-C): provisioned concurrency, the run's alias, the versions it published, reserved concurrency, force-cold's variable, memory. Every change is written to a journal (~/.coldprobe/journal, or COLDPROBE_JOURNAL_DIR) before it is made; this replays what is left, in the order a run would. Safe to run twice.",
  sections: [{ title: 'Options', options: [['--dry-run', 'list what is left to put back, change nothing']] }],
  exitCodes: [
    [0, 'everything put back (or nothing to do)'],
    [2, 'bad input'],
    [3, 'something could not be put back (it stays listed)'],
  ],
});

async function runCleanupCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags('cleanup', args, { 'dry-run': { type: 'boolean' } } as const);
  if (positionals.length > 0) throw usageError(`cleanup: unexpected argument '${positionals[0]}' (see 'coldprobe cleanup --help').`);
  const dir = journalDir(io.env);
  const journals = unfinishedJournals(dir);
  if (journals.length === 0) {
    io.stdout.write('coldprobe cleanup: nothing to put back.\n');
    return ExitCode.ok;
  }
  let failed = 0;
  for (const journal of journals) {
    const { header } = journal;
    const actions = remainingOf(journal);
    io.stdout.write(`${header.command} started ${header.startedAt} on ${header.target.description} (pid ${header.pid}), ${actions.length} left:\n`);
    if (values['dry-run'] === true) {
      for (const action of actions) io.stdout.write(`  would ${describeUndo(action)}\n`);
      continue;
    }
    const { createAwsTarget } = await import('../../targets/aws.js');
    const { sdkAliasOps } = await import('./run-aliases.js');
    const target = await createAwsTarget({
      region: header.target.region,
      allowMutations: true,
      env: io.env,
      ...(header.target.profile !== undefined ? { profile: header.target.profile } : {}),
      ...(header.target.endpoint !== undefined ? { endpoint: header.target.endpoint } : {}),
    });
    const aliases = sdkAliasOps(target.client);
    let left = 0;
    try {
      for (const action of actions) {
        const what = describeUndo(action);
        try {
          await performUndo(target, action, aliases);
          markUndone(journal.path, action);
          io.stdout.write(`  done: ${what}\n`);
        } catch (error) {
          left += 1;
          io.stdout.write(`  FAILED: ${what} (${error instanceof Error ? error.message : String(error)})\n`);
        }
      }
    } finally {
      await target.close();
    }
    if (left === 0) rmSync(journal.path, { force: true });
    failed += left;
  }
  if (values['dry-run'] === true) return ExitCode.ok;
  if (failed > 0) {
    io.stderr.write(`coldprobe cleanup: ${failed} change${failed === 1 ? '' : 's'} could not be put back; fix the cause and run 'coldprobe cleanup' again.\n`);
    return ExitCode.targetUnavailable;
  }
  return ExitCode.ok;
}

/** `coldprobe cleanup`, as registered in src/cli/commands/index.ts. */
export const cleanupCommand: Command = {
  name: 'cleanup',
  summary: 'Put back what killed or interrupted AWS runs changed (from their journals).',
  usage: USAGE,
  run: runCleanupCommand,
};
