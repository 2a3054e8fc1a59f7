/**
 * Keeps src/core pure (design.md): it imports nothing of ours outside src/core but Lambda's vocabulary (src/lambda,
 * itself a leaf), no Node built-ins, no SDK or UI
 * packages, and reads no clock. A new core file that breaks this fails here, named.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CORE = join(import.meta.dirname, '..', '..', 'src', 'core');
/** Pure computation packages core may use. */
const ALLOWED_PACKAGES = new Set(['hdr-histogram-js']);

const files = readdirSync(CORE).filter((f) => f.endsWith('.ts'));

/** Source without comments (block and line), so TSDoc that mentions `performance.now()` does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

describe('src/core purity', () => {
  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files)('%s imports only core files and allowed packages', (file) => {
    const source = code(readFileSync(join(CORE, file), 'utf8'));
    const specifiers = [...source.matchAll(/(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? '');
    specifiers.push(...[...source.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? ''));
    for (const spec of specifiers) {
      const ours = (spec.startsWith('./') || /^\.\.\/lambda\/[\w-]+\.js$/.test(spec)) && !spec.slice(2).includes('/..') && spec.endsWith('.js');
      const ok = ours || ALLOWED_PACKAGES.has(spec);
      expect(ok, `${file} imports '${spec}'`).toBe(true);
    }
  });

  it.each(files)('%s reads no clock', (file) => {
    const source = code(readFileSync(join(CORE, file), 'utf8'));
    expect(source, file).not.toMatch(/\bperformance\.now\s*\(|\bDate\.now\s*\(|new Date\(\s*\)|process\.hrtime/);
  });
});
