/**
 * Keeps the dependency direction of ARCHITECTURE.md true: core depends on nothing of ours and does no I/O;
 * the emulator stands alone; only the CLI wires layers together.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every module specifier a file imports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    if (spec) specs.push(spec);
  }
  return specs;
}

/** The top-level src folder a relative import lands in, or undefined for packages. */
function layerOf(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = relative(SRC, resolve(dirname(file), spec));
  return target.split('/')[0];
}

const layerFiles = (layer: string): string[] => sourceFiles(join(SRC, layer));

describe('architecture', () => {
  it('core imports nothing of ours outside core, and no I/O modules', () => {
    const offenders: string[] = [];
    for (const file of layerFiles('core')) {
      for (const spec of importsOf(file)) {
        const layer = layerOf(file, spec);
        if (layer !== undefined && layer !== 'core') offenders.push(`${relative(SRC, file)} → ${spec}`);
        if (/^(node:)?(fs|fs\/promises|http|https|net|child_process|dgram|tls)$/.test(spec)) {
          offenders.push(`${relative(SRC, file)} → ${spec}`);
        }
        if (/^(ink|react|@aws-sdk\/|@smithy\/)/.test(spec)) offenders.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the emulator imports nothing else of ours', () => {
    const offenders = layerFiles('emulator').flatMap((file) =>
      importsOf(file)
        .filter((spec) => {
          const layer = layerOf(file, spec);
          return layer !== undefined && layer !== 'emulator';
        })
        .map((spec) => `${relative(SRC, file)} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('only the CLI imports the CLI, and no layer but the CLI and targets imports the emulator', () => {
    const offenders: string[] = [];
    for (const layer of ['core', 'engine', 'targets', 'report', 'ui', 'io']) {
      for (const file of layerFiles(layer)) {
        for (const spec of importsOf(file)) {
          const target = layerOf(file, spec);
          if (target === 'cli') offenders.push(`${relative(SRC, file)} → ${spec}`);
          if (target === 'emulator' && layer !== 'targets') offenders.push(`${relative(SRC, file)} → ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('finds the files it checks (a guard against a checker that sees nothing)', () => {
    expect(layerFiles('core').length).toBeGreaterThan(3);
    expect(layerFiles('emulator').length).toBeGreaterThan(3);
    expect(importsOf(join(SRC, 'cli/main.ts'))).toContain('./commands/index.js');
  });
});
