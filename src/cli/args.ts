/**
 * Strict flag parsing over node:util parseArgs: unknown flags and missing values become one clear
 * usage sentence (exit 2) instead of being ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseDurationMs } from '../core/duration.js';
import { usageError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<O extends Options> {
  values: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>['values'];
  positionals: string[];
}

/** Parse `args` for `command`; throws a usage ColdprobeError naming the bad flag. */
export function parseFlags<O extends Options>(command: string, args: string[], options: O): Parsed<O> {
  const see = ` (see 'coldprobe ${command} --help').`;
  const joined = joinNegativeValues(args, options);
  let parsed: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: joined, options, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(`${command}: ${tidyParseArgsMessage(message, options)}${see}`);
  }
  // parseArgs keeps the last of a repeated flag silently; a second --n is more likely a slip than a wish.
  const seen = new Map<string, string | undefined>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple === true) continue;
    if (seen.has(token.name)) {
      const values = [seen.get(token.name), token.value].filter((v) => v !== undefined).map((v) => `'${v}'`);
      throw usageError(`${command}: --${token.name} is given twice${values.length === 2 ? ` (${values.join(' and ')})` : ''}; give it once${see}`);
    }
    seen.set(token.name, token.value);
  }
  return { values: parsed.values, positionals: parsed.positionals } as Parsed<O>;
}

/**
 * `--n -5` is a value that looks like a flag; parseArgs answers with three lines meant for programmers. A
 * negative number after a flag that takes a value is joined to it (`--n=-5`) so the flag's own check can say
 * in one sentence what is wrong with it.
 */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known flag closest to a mistyped one, when it is close enough to be the likely intent. */
export function closestFlag(typed: string, options: Options): string | undefined {
  const name = typed.replace(/^-+/, '').split('=')[0] ?? '';
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of Object.keys(options)) {
    const d = distance(name, known);
    if (d < bestDistance) {
      bestDistance = d;
      best = known;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? `--${best}` : undefined;
}

/** node's messages carry hints meant for programmers; keep the part a user needs. */
function tidyParseArgsMessage(message: string, options: Options): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) {
    const guess = closestFlag(unknown[1] ?? '', options);
    return `unknown option ${unknown[1]}${guess ? `; did you mean ${guess}?` : ''}`;
  }
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  const ambiguous = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) return `option ${ambiguous[1]} needs a value (a value that starts with '-' is written ${ambiguous[1]}=-…)`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument '${positional[1]}'`;
  return message.split('\n')[0]!.replace(/\.$/, '');
}

/** Parse a positive integer flag, or throw a usage error naming the flag. */
export function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw usageError(`--${flag} must be a whole number of at least 1, got '${raw}'.`);
  }
  return value;
}

/**
 * Parse a duration such as `500ms`, `5s` or `2m`; returns ms. A bare number other than 0 is refused: `--interval 5`
 * could mean 5 ms or 5 s, as a threshold's `800` could (the threshold language refuses it too).
 */
export function durationMs(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(raw) && Number(raw) !== 0) {
    throw usageError(`--${flag} ${raw.trim()} is ambiguous: give a unit, e.g. ${raw.trim()}s or ${raw.trim()}ms.`);
  }
  const ms = parseDurationMs(raw, { units: ['ms', 's', 'm'] });
  if (ms === undefined) throw usageError(`--${flag} must be a duration like 500ms, 5s or 2m, got '${raw}'.`);
  return ms;
}
