/**
 * Lazy loading: a command's modules are imported only when it runs, and ink/React only when the live view is
 * shown. Checked on the built CLI through node's own module log (NODE_DEBUG=esm names every ES module it loads).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import { writeResultsFile } from '../../src/io/results-file.js';
import { fakeCell } from '../fixtures/matrix-cells.js';
import { resultsFileOf } from '../fixtures/results-file.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'coldprobe-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The ES modules of ours (dist/…) and the packages (node_modules/<name>) one command line loads. */
function loaded(args: string[]): { ours: string[]; packages: Set<string>; status: number | null } {
  // Node 24's esm log also prints every module's source (7.6 MB for a burst), past spawnSync's 1 MB default.
  const env = { ...process.env, NODE_DEBUG: 'esm', NO_COLOR: '1', CI: '1' };
  const child = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
  const urls = new Set(child.stderr.match(/file:\/\/\/[^\s'",)]+/g) ?? []);
  const ours = [...urls].filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6));
  const packages = new Set([...urls].flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
  return { ours: ours.sort(), packages, status: child.status };
}

describe('lazy loading', () => {
  it('the registry lists each command by the name and summary its module carries', async () => {
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
    }
  });

  it('coldprobe --help loads no command and no package', () => {
    const run = loaded(['--help']);
    expect(run.status).toBe(0);
    expect(run.ours).toEqual(['cli/commands/index.js', 'cli/main.js', 'core/errors.js']);
    expect([...run.packages]).toEqual([]);
  });

  it('coldprobe check loads neither the SDK, the emulator, the YAML parser nor ink and React', () => {
    const path = join(dir, 'r.json');
    writeResultsFile(path, resultsFileOf([fakeCell({ functionName: 'node-hello', memoryMb: 128, coldMs: [300, 310], warmMs: [5, 6, 7] })]));
    const run = loaded(['check', path, '--threshold', 'errors == 0']);
    expect(run.status).toBe(0);
    for (const pkg of ['@aws-sdk/client-lambda', 'ink', 'react', 'yaml', 'chalk']) expect(run.packages.has(pkg), pkg).toBe(false);
    expect(run.ours.filter((m) => /^(emulator|targets|ui|engine\/run)/.test(m))).toEqual([]);
    expect(run.ours).not.toContain('cli/commands/burst.js');
  });

  it('a piped burst never loads ink or React', () => {
    const run = loaded(['burst', '--n', '2', '--no-tui', '--out', join(dir, 'b.json')]);
    expect(run.status).toBe(0);
    expect(run.packages.has('ink')).toBe(false);
    expect(run.packages.has('react')).toBe(false);
    expect(run.ours).not.toContain('ui/tui.js');
  });

  it("a shard's burst never loads the results reader's schema (zod) before its release", () => {
    // Start-up is the release's lead time (--start-in 2s): zod alone is about 80 ms of CPU (docs/scale.md).
    const run = loaded(['burst', '--n', '2', '--shard', '1/2', '--start-in', '20ms', '--no-tui', '--out', join(dir, 's.json')]);
    expect(run.status).toBe(0);
    expect(run.packages.has('zod')).toBe(false);
    expect(run.ours).not.toContain('io/results-schema.js');
    expect(run.ours).toContain('io/results-write.js');
  });
});
