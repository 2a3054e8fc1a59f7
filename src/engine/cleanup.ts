/**
 * Plays a cleanup ledger back against a target: whatever ended a run (success, failure, Ctrl-C), the changes it
 * made to real functions are put back in the order core/cleanup.ts plans. Shared by `burst` and `run`.
 */
import { cleanupPlan, describeUndo, type Change, type UndoAction } from '../core/cleanup.js';
import { ColdprobeError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import type { FunctionInfo, Target } from '../targets/target.js';

/**
 * Alias operations, optional because the Target interface has none: with them, provisioned cells go through
 * the run's own alias; without them, straight through the published version.
 */
export interface AliasOps {
  /** The version alias `name` points at, or undefined when there is no such alias. */
  get(functionName: string, name: string): Promise<string | undefined>;
  /** Create alias `name` on `version`; fails when it exists (coldprobe never repoints an alias it did not create). */
  create(functionName: string, name: string, version: string): Promise<void>;
  /** Point an alias at `version`. */
  update(functionName: string, name: string, version: string): Promise<void>;
  /** Delete an alias; one already gone is not an error. */
  delete(functionName: string, name: string): Promise<void>;
}

/** Where a run writes its changes before making them, and its undos after doing them (io/journal.ts on AWS). */
export interface ChangeJournal {
  change(change: Change): void;
  undo(action: UndoAction): void;
}

/** What a cleanup put back, and what it could not (each a sentence naming what to do by hand). */
export interface CleanupReport {
  done: string[];
  failed: string[];
}

/** Perform one undo action (also what `coldprobe cleanup` replays from a journal). */
export async function performUndo(target: Target, action: UndoAction, aliases: AliasOps | undefined): Promise<void> {
  switch (action.kind) {
    case 'restore-alias':
      if (!aliases) throw new ColdprobeError('internal', 'no alias operations available to put the alias back');
      return action.version === undefined ? aliases.delete(action.functionName, action.name) : aliases.update(action.functionName, action.name, action.version);
    case 'delete-provisioned':
      return target.deleteProvisionedConcurrency(action.functionName, action.qualifier);
    case 'restore-reserved':
      return action.count === undefined ? target.deleteReservedConcurrency(action.functionName) : target.putReservedConcurrency(action.functionName, action.count);
    case 'restore-memory':
      await target.updateConfiguration(action.functionName, { memoryMb: action.memoryMb });
      return;
    case 'restore-environment':
      await target.updateConfiguration(
        action.functionName,
        action.value === undefined ? { unsetEnvironment: [action.key] } : { environment: { [action.key]: action.value } },
      );
      return;
    case 'delete-versions': {
      const versions = new Set(action.versions);
      if (action.search === true) for (const v of await target.versionsDescribed(action.functionName, action.description)) versions.add(v);
      for (const version of versions) await target.deleteVersion(action.functionName, version);
      return;
    }
  }
}

/** Perform every undo action of `ledger`, never throwing; returns what was done and what failed. */
export async function runCleanup(
  target: Target,
  ledger: readonly Change[],
  emit: EventSink,
  atUs: () => number,
  aliases?: AliasOps,
  journal?: ChangeJournal,
): Promise<CleanupReport> {
  const done: string[] = [];
  const failed: string[] = [];
  for (const action of cleanupPlan(ledger)) {
    const what = describeUndo(action);
    try {
      await performUndo(target, action, aliases);
      journal?.undo(action);
      done.push(what);
      emit({ type: 'notice', atUs: atUs(), level: 'info', message: `cleanup: ${what}` });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failed.push(`${what}: ${message}`);
      emit({ type: 'notice', atUs: atUs(), level: 'warn', message: `cleanup FAILED, do it by hand: ${what} (${message})` });
    }
  }
  return { done, failed };
}

/**
 * The ledger entries to write before `target.forceCold(functionName)`: on AWS it sets a nonce variable on the
 * function, which the cleanup removes again (or restores, if the function already had one).
 */
export function forceColdChanges(target: Target, functionName: string, before: FunctionInfo | undefined): Change[] {
  const key = target.coldNonceVariable;
  if (key === undefined) return [];
  const change: Change = { kind: 'environment', functionName, key };
  const previous = before?.environment[key];
  if (previous !== undefined) change.before = previous;
  return [change];
}
