/**
 * Loads a profile file (YAML or JSON), validates it against the schema before anything runs, and resolves the
 * paths it names relative to the file. Every problem becomes one usage error (exit 2) naming the file, the line
 * (YAML, where known), the field path (`matrix.memoryMb[1]`) and what was expected.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { usageError } from '../core/errors.js';
import { profileSchema, type Profile } from './profile-schema.js';

/** A validated profile plus what was resolved from the file system. */
export interface LoadedProfile {
  /** Absolute path of the profile file. */
  path: string;
  profile: Profile;
  /** The payload every invocation sends, as bytes (JSON). */
  payload: Uint8Array;
  /** Absolute baseline path, when the profile names one. */
  baselinePath?: string;
  /** Absolute functions folder for the emulator, when the profile names one. */
  functionsDir?: string;
}

/** Render a zod issue path as `matrix.memoryMb[1]`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

interface ParsedSource {
  value: unknown;
  /** Line (1-based) of the node at `path`, or of its nearest existing parent. */
  lineOf: (path: ReadonlyArray<PropertyKey>) => number | undefined;
}

function parseYaml(file: string, text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc: Document.Parsed = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0].line;
    const where = line === undefined ? file : `${file}:${line}`;
    throw usageError(`${where}: not valid YAML: ${first.message.split('\n')[0] ?? first.message}`);
  }
  return {
    value: doc.toJS() as unknown,
    lineOf(path) {
      // Walk down to the deepest node that exists so a missing field points at its parent.
      for (let depth = path.length; depth >= 0; depth--) {
        const keys = path.slice(0, depth).map((p) => (typeof p === 'symbol' ? String(p) : p));
        const node: unknown = depth === 0 ? doc.contents : doc.getIn(keys, true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

function parseJson(file: string, text: string): ParsedSource {
  try {
    return { value: JSON.parse(text) as unknown, lineOf: () => undefined };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(`${file}: not valid JSON: ${message}`);
  }
}

function describeIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; text: string } {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const extra = issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(', ')})` : '';
    return { path: [...issue.path, key], text: `unknown field${extra}; check the spelling against docs/profiles.md` };
  }
  if (issue.code === 'invalid_union' && issue.path.length > 0) {
    return { path: issue.path, text: issue.message };
  }
  return { path: issue.path, text: issue.message.replace(/^Invalid input: /, '') };
}

/** Validate an already-parsed profile document; `file` and `lineOf` only shape the error message. */
export function validateProfile(
  value: unknown,
  file: string,
  lineOf: (path: ReadonlyArray<PropertyKey>) => number | undefined = () => undefined,
): Profile {
  const result = profileSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map(describeIssue);
  const first = issues[0];
  if (!first) throw usageError(`${file}: invalid profile.`);
  const line = lineOf(first.path);
  const where = line === undefined ? file : `${file}:${line}`;
  const more = issues.length > 1 ? ` (${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  throw usageError(`${where}: ${formatFieldPath(first.path)}: ${first.text}${more}.`);
}

function resolvePayload(profile: Profile, dir: string, file: string): Uint8Array {
  const raw = profile.payload;
  if (typeof raw === 'string' && raw.startsWith('@')) {
    const payloadPath = resolve(dir, raw.slice(1));
    let text: string;
    try {
      text = readFileSync(payloadPath, 'utf8');
    } catch {
      throw usageError(`${file}: payload: cannot read payload file ${payloadPath}.`);
    }
    try {
      JSON.parse(text);
    } catch {
      throw usageError(`${file}: payload: ${payloadPath} is not valid JSON.`);
    }
    return new TextEncoder().encode(text);
  }
  return new TextEncoder().encode(JSON.stringify(raw ?? {}));
}

/** Parse and validate profile text; `file` is used for messages and to resolve relative paths. */
export function parseProfileText(text: string, file: string): LoadedProfile {
  const isJson = /\.json$/i.test(file);
  const source = isJson ? parseJson(file, text) : parseYaml(file, text);
  if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
    throw usageError(`${file}: expected a profile (a mapping with name, functions, matrix and burst).`);
  }
  const profile = validateProfile(source.value, file, source.lineOf);
  const dir = dirname(resolve(file));
  const names = new Set<string>();
  profile.functions.forEach((fn, i) => {
    if (names.has(fn.name)) throw usageError(`${file}: functions[${i}].name: '${fn.name}' is listed twice.`);
    names.add(fn.name);
  });
  const loaded: LoadedProfile = { path: resolve(file), profile, payload: resolvePayload(profile, dir, file) };
  if (profile.baseline !== undefined) loaded.baselinePath = isAbsolute(profile.baseline) ? profile.baseline : resolve(dir, profile.baseline);
  if (profile.target.kind === 'emulator' && profile.target.functionsDir !== undefined) {
    loaded.functionsDir = resolve(dir, profile.target.functionsDir);
  }
  return loaded;
}

/** Read, parse and validate a profile file; throws a usage error (exit 2) naming what is wrong. */
export function loadProfile(file: string, cwd: string = process.cwd()): LoadedProfile {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw usageError(`cannot read profile ${file}.`);
  }
  return parseProfileText(text, path);
}
