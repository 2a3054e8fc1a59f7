/**
 * Qualifiers: a version number or an alias after the function name (`fn:3`, `…:function:fn:live`) or given
 * apart (`--qualifier`, a profile's `qualifier`), and which changes a run may make with one. Pure.
 *
 * Lambda changes code and configuration only on the unpublished `$LATEST`; a published version's memory,
 * environment variables and most other settings are immutable, and an alias only points at a version
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html). A memory change or force-cold's
 * variable therefore always lands on `$LATEST`: with a version or alias named, the run would change one version
 * and measure another, so it is refused before anything is changed (see ARCHITECTURE.md, "Qualifiers").
 */
import { usageError } from './errors.js';
import type { PlannedCell } from './plan.js';

/** A function name or ARN without its qualifier, and the qualifier it carried. */
export interface FunctionRef {
  functionName: string;
  qualifier?: string;
}

/**
 * Split `name:qualifier`, `123456789012:function:name:qualifier` and `arn:…:function:name:qualifier` (the forms
 * Lambda's FunctionName accepts) into the unqualified name or ARN and the qualifier.
 */
export function splitFunctionName(name: string): FunctionRef {
  const parts = name.split(':');
  let nameParts: number;
  if (parts[0] === 'arn') nameParts = 7;
  else if (parts.length >= 3 && /^\d{12}$/.test(parts[0] ?? '') && parts[1] === 'function') nameParts = 3;
  else nameParts = 1;
  if (parts.length !== nameParts + 1 || parts[nameParts] === '') return { functionName: name };
  return { functionName: parts.slice(0, nameParts).join(':'), qualifier: parts[nameParts] as string };
}

/**
 * The cells with every qualifier taken out of the function name into `spec.qualifier`, so the run reads,
 * changes and puts back the unqualified function and invokes what was named. A name whose qualifier disagrees
 * with the one given apart is refused, as Lambda refuses it.
 */
export function splitQualifiers(cells: readonly PlannedCell[]): PlannedCell[] {
  return cells.map((cell) => {
    const ref = splitFunctionName(cell.spec.functionName);
    if (ref.qualifier === undefined) return cell;
    const given = cell.spec.qualifier;
    if (given !== undefined && given !== ref.qualifier) {
      throw usageError(`'${cell.spec.functionName}' names qualifier '${ref.qualifier}' but the qualifier given is '${given}'; name one.`);
    }
    return { ...cell, spec: { ...cell.spec, functionName: ref.functionName, qualifier: ref.qualifier } };
  });
}

/** True when a qualifier names a published version or an alias (not `$LATEST`, which is the function itself). */
export function isImmutableQualifier(qualifier: string | undefined): qualifier is string {
  return qualifier !== undefined && qualifier !== '$LATEST';
}

/** What the run knows of a qualified version or alias before it starts. */
export interface QualifiedBefore {
  memoryMb: number;
  /** The version number it resolves to (an alias's version). */
  version: string;
}

/**
 * Refuse (a usage error, one sentence) a cell that names a version or alias and would change the function:
 * a memory other than that version's, force-cold, or provisioned concurrency (which publishes a version of
 * `$LATEST`). A memory step equal to the version's own memory changes nothing and is allowed (the engine skips it).
 */
export function refuseChangesToQualified(cells: readonly PlannedCell[], qualified: (functionName: string, qualifier: string) => QualifiedBefore | undefined): void {
  for (const cell of cells) {
    const { functionName, qualifier } = cell.spec;
    if (!isImmutableQualifier(qualifier)) continue;
    const before = qualified(functionName, qualifier);
    const changes: string[] = [];
    for (const step of cell.steps) {
      if (step.kind === 'set-memory' && step.memoryMb !== before?.memoryMb) {
        const has = before === undefined || before.memoryMb === 0 ? 'its memory could not be read' : `it has ${before.memoryMb} MB`;
        changes.push(`memory ${step.memoryMb} MB (${has})`);
      } else if (step.kind === 'force-cold') changes.push('forcing cold starts (a changed environment variable)');
      else if (step.kind === 'publish-version') changes.push('provisioned concurrency (on a version published from $LATEST)');
    }
    if (changes.length === 0) continue;
    const numbered = /^\d+$/.test(qualifier);
    const what = numbered ? `version ${qualifier}` : `alias '${qualifier}'${before?.version ? ` (version ${before.version})` : ''}`;
    throw usageError(
      `${what} of '${functionName}' is immutable (Lambda changes configuration only on $LATEST), so ${[...new Set(changes)].join(' and ')} would change $LATEST ` +
        `while ${functionName}:${qualifier} is measured; run without the qualifier to change and measure $LATEST, or without the change to measure ${numbered ? `version ${qualifier}` : `alias '${qualifier}'`} as it is.`,
    );
  }
}
