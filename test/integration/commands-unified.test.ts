/**
 * `burst` and `run` are two adapters over one run pipeline (src/cli/execute.ts): the places where they used to
 * diverge, each checked on both commands, in process through main() against the real emulator.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ResultsFile } from '../../src/core/results.js';

const dir = mkdtempSync(join(tmpdir(), 'coldprobe-unified-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'one.yaml'),
  'name: one\nfunctions:\n  - name: node-hello\n    runtime: nodejs20.x\nmatrix:\n  memoryMb: [128]\nburst:\n  n: 2\n  forceCold: true\n',
);
writeFileSync(join(dir, 'a-file'), 'not a folder\n');
const pkgVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function harness(env: NodeJS.ProcessEnv = { NO_COLOR: '1' }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    io: { stdout, stderr, stdin: new PassThrough(), env, cwd: dir, signal: new AbortController().signal, requestInterrupt: () => undefined },
    out: () => out,
    err: () => err,
  };
}

const commands = {
  burst: ['burst', '--n', '2', '--no-tui', '--force-cold'],
  run: ['run', 'one.yaml', '--no-tui'],
} as const;

describe.each(Object.entries(commands))('coldprobe %s, one pipeline', (name, args) => {
  it('checks --out before anything runs: an unwritable path exits 2 at once, nothing invoked', async () => {
    const h = harness();
    const started = performance.now();
    const code = await main([...args, '--out', 'a-file/results.json'], h.io);
    expect(code).toBe(2);
    expect(h.err()).toMatch(/^coldprobe: --out .*a-file\/results\.json cannot be written/);
    // Nothing ran: no run-start line of the plain view, no burst line.
    expect(h.out()).not.toMatch(/burst 1/);
    expect(h.out()).toBe('');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('resolves --out against the working folder and writes one envelope (schema, tool version, command)', async () => {
    const h = harness();
    const code = await main([...args, '--out', `out-${name}.json`], h.io);
    expect(code, h.err()).toBe(0);
    const path = join(dir, `out-${name}.json`);
    expect(existsSync(path)).toBe(true);
    expect(h.out()).toContain(`results: ${path}`);
    const results = JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
    expect(results.schemaVersion).toBe(1);
    expect(results.tool).toEqual({ name: 'coldprobe', version: pkgVersion });
    expect(results.command).toBe(name);
    const notes = results.cells[0]?.notes ?? [];
    // CPU quotas default on for both commands: the cell says whether they applied here.
    expect(notes.some((n) => /CPU quota/.test(n))).toBe(true);
    // The force-cold note is kept by both.
    expect(notes.some((n) => /stopped \d+ idle environments? of 'node-hello'/.test(n))).toBe(true);
  });

  it('reads NO_COLOR the same way: set and non-empty means no colour, --no-color too', async () => {
    for (const [env, flag] of [[{ NO_COLOR: '1' }, []], [{}, ['--no-color']]] as const) {
      const h = harness({ ...env });
      const code = await main([...args, ...flag, '--out', `colour-${name}.json`], h.io);
      expect(code, h.err()).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(h.out() + h.err()).not.toMatch(/\u001b\[/);
    }
  });
});
