/**
 * Pure parsing of the `{FunctionName}` path label and the `Qualifier` query that every Lambda path carries
 * (lambda-protocol.md §1.1): a name, `name:qualifier`, a partial ARN `123456789012:function:name[:qual]` or a
 * full ARN `arn:aws:lambda:<region>:<account>:function:name[:qual]`. No I/O, no registry lookups.
 */
import type { FunctionRef } from './model.js';

/** A parse result: the reference, or the message of a 400 `InvalidParameterValueException`. */
export type FunctionRefResult = { ok: true; ref: FunctionRef } | { ok: false; message: string };

/** Lambda's function-name pattern; names are at most 64 characters (ARNs up to 256 / 140 on the control plane). */
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** Versions (`$LATEST`, digits) and alias names. */
const QUALIFIER = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;
const ACCOUNT = /^\d{12}$/;

/**
 * Parse an already URL-decoded path label plus the optional `Qualifier` query value; the two must agree when
 * both name a qualifier, as Lambda requires.
 */
export function parseFunctionRef(label: string, queryQualifier?: string | null): FunctionRefResult {
  if (label.length === 0 || label.length > 256) return invalid(`Invalid function name: '${label}'.`);
  const parts = label.split(':');
  let name: string | undefined;
  let pathQualifier: string | undefined;
  if (parts[0] === 'arn') {
    // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    if (parts.length < 7 || parts.length > 8 || !/^aws[a-z-]*$/.test(parts[1] ?? '') || parts[2] !== 'lambda'
      || !/^[a-z0-9-]+$/.test(parts[3] ?? '') || !ACCOUNT.test(parts[4] ?? '') || parts[5] !== 'function') {
      return invalid(`Invalid function ARN: '${label}'.`);
    }
    name = parts[6];
    pathQualifier = parts[7];
  } else if (parts.length >= 3 && ACCOUNT.test(parts[0] ?? '')) {
    // 123456789012:function:<name>[:<qualifier>]
    if (parts.length > 4 || parts[1] !== 'function') return invalid(`Invalid function ARN: '${label}'.`);
    name = parts[2];
    pathQualifier = parts[3];
  } else {
    if (parts.length > 2) return invalid(`Invalid function name: '${label}'.`);
    name = parts[0];
    pathQualifier = parts[1];
  }
  if (name === undefined || !NAME.test(name)) return invalid(`Invalid function name: '${label}'.`);
  if (pathQualifier !== undefined && !QUALIFIER.test(pathQualifier)) {
    return invalid(`Invalid qualifier: '${pathQualifier}'.`);
  }
  const query = queryQualifier === null || queryQualifier === undefined || queryQualifier === '' ? undefined : queryQualifier;
  if (query !== undefined && !QUALIFIER.test(query)) return invalid(`Invalid qualifier: '${query}'.`);
  if (query !== undefined && pathQualifier !== undefined && query !== pathQualifier) {
    // Lambda's own wording for a path/query mismatch.
    return invalid('The derived qualifier from the function name does not match the specified qualifier.');
  }
  const qualifier = pathQualifier ?? query;
  return { ok: true, ref: qualifier === undefined ? { functionName: name } : { functionName: name, qualifier } };
}

/** The unqualified ARN of `functionName` in `region`/`accountId`. */
export function functionArn(region: string, accountId: string, functionName: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
}

/** The ARN with `:qualifier` appended when one is given. */
export function qualifiedArn(region: string, accountId: string, functionName: string, qualifier?: string): string {
  const base = functionArn(region, accountId, functionName);
  return qualifier === undefined ? base : `${base}:${qualifier}`;
}

function invalid(message: string): FunctionRefResult {
  return { ok: false, message };
}
