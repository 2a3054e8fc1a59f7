/**
 * The invocation payload from `--payload`: inline JSON, or `@file.json` read relative to the working folder.
 * Lambda rejects a non-JSON body (400 InvalidRequestContentException), so it is checked here, before any burst.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../core/errors.js';

/** The payload sent when `--payload` is not given. */
export const DEFAULT_PAYLOAD = '{}';

/** First line of a JSON.parse message, without the engine's quoting of the whole input. */
function jsonProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

/**
 * Read `--payload` (inline JSON or `@path`, default `{}`) and return its bytes; throws a usage error when the
 * file cannot be read or the text is not JSON.
 */
export function readPayload(raw: string | undefined, cwd: string): Uint8Array {
  if (raw === undefined) return new TextEncoder().encode(DEFAULT_PAYLOAD);
  if (raw.startsWith('@')) {
    const name = raw.slice(1);
    if (name.length === 0) throw usageError("--payload '@' needs a file name after '@', e.g. --payload @event.json.");
    const path = resolve(cwd, name);
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'unknown error');
      throw usageError(`Cannot read payload file ${path}: ${why}.`);
    }
    try {
      JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw usageError(`Payload file ${path} is not valid JSON (${jsonProblem(err)}); Lambda only accepts JSON payloads.`);
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  try {
    JSON.parse(raw);
  } catch (err) {
    throw usageError(
      `--payload is not valid JSON (${jsonProblem(err)}); pass inline JSON such as '{"key":1}' or @file.json.`,
    );
  }
  return new TextEncoder().encode(raw);
}
