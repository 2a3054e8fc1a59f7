/**
 * The cleanup ledger: every change a run makes to a target is recorded before it is made, and the undo plan is
 * derived from the ledger (pure), so whatever ended the run (success, failure, Ctrl-C) the same plan puts things back.
 */

/** One change a run made (or was about to make) to a function. */
export type Change =
  | { kind: 'memory'; functionName: string; beforeMb: number }
  /** `before` undefined = no reservation was set. */
  | { kind: 'reserved'; functionName: string; before?: number }
  | { kind: 'provisioned'; functionName: string; qualifier: string }
  /** The run itself already released this provisioned concurrency. */
  | { kind: 'provisioned-released'; functionName: string; qualifier: string }
  /**
   * A version the run publishes, tagged with the run's own `description`: written without `version` before
   * PublishVersion is called, and again with the number once it is known. `existed` marks a publish that
   * returned a version the run did not create (Lambda publishes nothing when `$LATEST` is unchanged since the
   * newest version): that one is never deleted. An entry without `description` (older journals) is kept.
   */
  | { kind: 'version'; functionName: string; version?: string; description?: string; existed?: true }
  /**
   * An alias the run created for its versions (a name unique to the run); `previousVersion` is only in
   * journals of older runs, which repointed a fixed alias instead.
   */
  | { kind: 'alias'; functionName: string; name: string; previousVersion?: string }
  /** An environment variable the run set (force-cold's nonce); `before` undefined = it did not exist. */
  | { kind: 'environment'; functionName: string; key: string; before?: string };

/** One action that puts something back, in the order to perform them. */
export type UndoAction =
  | { kind: 'delete-provisioned'; functionName: string; qualifier: string }
  /** `version` undefined = delete the alias (the run created it). */
  | { kind: 'restore-alias'; functionName: string; name: string; version?: string }
  /** `count` undefined = delete the reservation. */
  | { kind: 'restore-reserved'; functionName: string; count?: number }
  | { kind: 'restore-memory'; functionName: string; memoryMb: number }
  /** `value` undefined = remove the variable (the run added it). */
  | { kind: 'restore-environment'; functionName: string; key: string; value?: string }
  /**
   * Delete the versions the run published (DeleteFunction with Qualifier = each version). `search`: a publish
   * whose number was never recorded (a crash right after the call), so also look the versions up by the run's
   * `description`.
   */
  | { kind: 'delete-versions'; functionName: string; description: string; versions: string[]; search?: true };

/**
 * The undo plan for a ledger: provisioned concurrency first (it costs money and counts against reserved
 * concurrency), then aliases, then the versions the run published (a version an alias still references cannot
 * be deleted: https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html), then reserved concurrency,
 * then environment variables, then memory, each back to the value seen before the first change.
 */
export function cleanupPlan(ledger: readonly Change[]): UndoAction[] {
  const pcOpen = new Map<string, { functionName: string; qualifier: string }>();
  const reservedBefore = new Map<string, number | undefined>();
  const memoryBefore = new Map<string, number>();
  const aliasBefore = new Map<string, { functionName: string; name: string; previousVersion?: string }>();
  const environmentBefore = new Map<string, { functionName: string; key: string; before?: string }>();
  const published = new Map<string, { functionName: string; description: string; versions: string[]; pending: number }>();
  for (const change of ledger) {
    switch (change.kind) {
      case 'provisioned':
        pcOpen.set(`${change.functionName}:${change.qualifier}`, { functionName: change.functionName, qualifier: change.qualifier });
        break;
      case 'provisioned-released':
        pcOpen.delete(`${change.functionName}:${change.qualifier}`);
        break;
      case 'reserved':
        if (!reservedBefore.has(change.functionName)) reservedBefore.set(change.functionName, change.before);
        break;
      case 'memory':
        if (!memoryBefore.has(change.functionName)) memoryBefore.set(change.functionName, change.beforeMb);
        break;
      case 'alias': {
        const key = `${change.functionName}:${change.name}`;
        if (!aliasBefore.has(key)) aliasBefore.set(key, change);
        break;
      }
      case 'environment': {
        const key = `${change.functionName}\u0000${change.key}`;
        if (!environmentBefore.has(key)) environmentBefore.set(key, change);
        break;
      }
      case 'version': {
        if (change.description === undefined) break;
        const key = `${change.functionName}\u0000${change.description}`;
        const entry = published.get(key) ?? { functionName: change.functionName, description: change.description, versions: [], pending: 0 };
        published.set(key, entry);
        // Each publish writes one line before the call and one after; a line before without its pair is unresolved.
        if (change.version === undefined) entry.pending += 1;
        else {
          entry.pending -= 1;
          if (change.existed !== true && !entry.versions.includes(change.version)) entry.versions.push(change.version);
        }
        break;
      }
    }
  }
  const plan: UndoAction[] = [];
  for (const pc of pcOpen.values()) plan.push({ kind: 'delete-provisioned', ...pc });
  // Aliases after provisioned concurrency: an alias that still carries provisioned concurrency cannot be deleted.
  for (const a of aliasBefore.values()) {
    plan.push(
      a.previousVersion === undefined
        ? { kind: 'restore-alias', functionName: a.functionName, name: a.name }
        : { kind: 'restore-alias', functionName: a.functionName, name: a.name, version: a.previousVersion },
    );
  }
  for (const p of published.values()) {
    if (p.versions.length === 0 && p.pending <= 0) continue;
    const action: UndoAction = { kind: 'delete-versions', functionName: p.functionName, description: p.description, versions: p.versions };
    if (p.pending > 0) action.search = true;
    plan.push(action);
  }
  for (const [functionName, count] of reservedBefore) {
    plan.push(count === undefined ? { kind: 'restore-reserved', functionName } : { kind: 'restore-reserved', functionName, count });
  }
  for (const e of environmentBefore.values()) {
    plan.push(
      e.before === undefined
        ? { kind: 'restore-environment', functionName: e.functionName, key: e.key }
        : { kind: 'restore-environment', functionName: e.functionName, key: e.key, value: e.before },
    );
  }
  for (const [functionName, memoryMb] of memoryBefore) plan.push({ kind: 'restore-memory', functionName, memoryMb });
  return plan;
}

/** One sentence for an undo action, for the run's notices. */
export function describeUndo(action: UndoAction): string {
  switch (action.kind) {
    case 'delete-provisioned':
      return `delete provisioned concurrency on ${action.functionName}:${action.qualifier}`;
    case 'restore-alias':
      return action.version === undefined
        ? `delete alias ${action.functionName}:${action.name}`
        : `point alias ${action.functionName}:${action.name} back to version ${action.version}`;
    case 'restore-reserved':
      return action.count === undefined
        ? `remove reserved concurrency from ${action.functionName}`
        : `restore reserved concurrency of ${action.functionName} to ${action.count}`;
    case 'restore-memory':
      return `restore memory of ${action.functionName} to ${action.memoryMb} MB`;
    case 'restore-environment':
      return action.value === undefined
        ? `remove ${action.key} from ${action.functionName}`
        : `restore ${action.key} on ${action.functionName}`;
    case 'delete-versions': {
      const known = action.versions.length === 0 ? '' : ` ${action.versions.length === 1 ? 'version' : 'versions'} ${action.versions.join(', ')}`;
      const found = action.search === true ? `${known === '' ? '' : ' and'} any version described '${action.description}'` : '';
      return `delete${known}${found} of ${action.functionName} (published by coldprobe)`;
    }
  }
}

/** `function:version` of every version the run published (the clean-up deletes them). */
export function publishedVersions(ledger: readonly Change[]): string[] {
  const out = ledger.flatMap((c) => (c.kind === 'version' && c.version !== undefined && c.existed !== true ? [`${c.functionName}:${c.version}`] : []));
  return [...new Set(out)];
}
