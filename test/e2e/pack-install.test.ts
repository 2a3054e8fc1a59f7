/**
 * The published package, as a user gets it: `npm pack` of this repository (the dist/ that `npm test` built),
 * installed into an empty folder, then `npx coldprobe burst` on the bundled sample functions and
 * `coldprobe check` on the results file it wrote. The minimum that proves the package stands on its own: one
 * small burst, one check. npm resolves dependencies from its cache (--prefer-offline), so this needs the
 * registry only for what the cache lacks.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'coldprobe-pack-'));
// npm_* variables of the `npm test` around us (its prefix, its package) must not leak into the user's npm.
const env: NodeJS.ProcessEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_'))), NO_COLOR: '1', CI: '1' };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack → install into an empty folder → run', () => {
  it('installs, bursts on the bundled samples and checks the results file', async () => {
    if (!existsSync(join(root, 'dist/cli/main.js'))) throw new Error('run `npm run build` first');
    // --ignore-scripts: pack the dist/ the suite already built instead of building it again.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, env, maxBuffer: 16 * 1024 * 1024 });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string; mode: number }> }>;
    expect(info?.files.some((f) => f.path === 'dist/cli/main.js')).toBe(true);
    expect(info?.files.some((f) => f.path === 'profiles/functions/node-hello/index.mjs')).toBe(true);
    expect(info?.files.some((f) => f.path.includes('__pycache__') || f.path.startsWith('test/') || f.path.startsWith('src/'))).toBe(false);

    const project = join(dir, 'project');
    mkdirSync(project);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, info!.filename)], { cwd: project, env, timeout: 300_000 });

    const burst = await run('npx', ['--no-install', 'coldprobe', 'burst', '--n', '3', '--no-tui'], { cwd: project, env, timeout: 120_000 });
    expect(burst.stdout).toMatch(/burst 1\/1: 3 sent, 3 ok, 3 cold/);
    const [results] = readdirSync(join(project, 'results')).filter((f) => f.endsWith('.json'));
    expect(results).toMatch(/^node-hello-.*\.json$/);

    const check = await run('npx', ['--no-install', 'coldprobe', 'check', `results/${results}`, '--threshold', 'errors == 0'], { cwd: project, env, timeout: 60_000 });
    expect(check.stdout).toMatch(/check PASSED: 1 passed, 0 failed/);
  }, 480_000);
});
