import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ColdprobeError } from '../../src/core/errors.js';
import { readPayload } from '../../src/io/payload.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-payload-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function usageMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ColdprobeError);
    expect((err as ColdprobeError).kind).toBe('usage');
    return (err as Error).message;
  }
  throw new Error('expected a usage error, nothing was thrown');
}

describe('readPayload', () => {
  it('defaults to {}', () => {
    expect(text(readPayload(undefined, dir))).toBe('{}');
  });

  it('passes inline JSON through byte for byte', () => {
    expect(text(readPayload('{"a": [1, 2], "é": "ü"}', dir))).toBe('{"a": [1, 2], "é": "ü"}');
    expect(text(readPayload('42', dir))).toBe('42');
  });

  it('reads @file relative to cwd', () => {
    mkdirSync(join(dir, 'events'));
    writeFileSync(join(dir, 'events', 'e.json'), '{"from":"file"}\n');
    const bytes = readPayload('@events/e.json', dir);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(text(bytes))).toEqual({ from: 'file' });
  });

  it.each([
    ['inline text that is not JSON', () => readPayload('{a:1}', dir), ['--payload is not valid JSON']],
    ['a missing file', () => readPayload('@nope.json', dir), ['Cannot read payload file', 'nope.json', 'does not exist']],
    ['a folder', () => (mkdirSync(join(dir, 'd')), readPayload('@d', dir)), ['is a folder']],
    ['a file that is not JSON', () => (writeFileSync(join(dir, 'bad.json'), 'hello'), readPayload('@bad.json', dir)), ['bad.json', 'not valid JSON']],
    ['an empty file', () => (writeFileSync(join(dir, 'empty.json'), ''), readPayload('@empty.json', dir)), ['empty.json', 'not valid JSON']],
    ['a bare @', () => readPayload('@', dir), ['needs a file name']],
  ])('%s is a usage error', (_name, fn, phrases) => {
    const message = usageMessage(fn);
    for (const p of phrases) expect(message).toContain(p);
  });
});
