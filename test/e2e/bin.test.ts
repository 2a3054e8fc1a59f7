/**
 * The package's bin as npm runs it: `dist/cli/main.js` executed directly (shebang + execute bit), after the
 * build that `npm test` itself ran. A build that drops the execute bit breaks `npx coldprobe` with
 * "Permission denied" (exit 127), which this catches.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };

describe('the coldprobe bin after a build', () => {
  const bin = pkg.bin['coldprobe'];

  it('is executable by its owner, group and others', () => {
    expect(bin).toBeDefined();
    expect(statSync(`${root}${bin}`).mode & 0o111).toBe(0o111);
  });

  it('runs directly through its shebang', () => {
    const out = execFileSync(`${root}${bin}`, ['--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(out).toContain('Usage: coldprobe');
  });
});
