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
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values, positionals } as Parsed<O>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw usageError(`${command}: ${tidyParseArgsMessage(message)} (see 'coldprobe ${command} --help').`);
  }
}

/** node's messages carry hints meant for programmers; keep the part a user needs. */
function tidyParseArgsMessage(message: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument '${positional[1]}'`;
  return message.replace(/\.$/, '');
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

/** Parse a duration such as `500ms`, `5s`, `2m` or a bare number of milliseconds; returns ms. */
export function durationMs(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const ms = parseDurationMs(raw, { units: ['ms', 's', 'm'] });
  if (ms === undefined) throw usageError(`--${flag} must be a duration like 500ms, 5s or 2m, got '${raw}'.`);
  return ms;
}
