/**
 * Keeps the dependency direction of ARCHITECTURE.md true: lambda (Lambda's vocabulary) and core depend on
 * nothing but what the table below allows and do no I/O; the emulator stands alone (but for lambda); only the
 * CLI wires layers together. Static, dynamic and side-effect imports all count.
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

/** Every module specifier a file imports (static, dynamic and side-effect `import './x.js'`). */
function importsOf(file: string): string[] {
  return specifiersIn(readFileSync(file, 'utf8'));
}

function specifiersIn(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)) {
    const spec = m[1] ?? m[2] ?? m[3];
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

/** Which of our layers each layer may import (its own always). `cli` wires everything. */
const ALLOWED: Record<string, readonly string[]> = {
  lambda: [],
  core: ['lambda'],
  engine: ['core', 'lambda', 'targets'],
  targets: ['core', 'lambda', 'emulator'],
  report: ['core', 'lambda'],
  ui: ['core', 'lambda', 'report'],
  io: ['core', 'lambda'],
  emulator: ['lambda'],
  cli: ['core', 'lambda', 'engine', 'targets', 'report', 'ui', 'io', 'emulator'],
};

/** Files outside targets/ and cli/ allowed to import the emulator (the rest go through targets/emulator.ts). */
const EMULATOR_IMPORTERS = ['targets/emulator.ts', 'cli/target.ts', 'cli/commands/emulator.ts'];

describe('architecture', () => {
  it('every layer imports only the layers the table allows; every folder of src is in the table', () => {
    const layers = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    expect(layers.filter((l) => ALLOWED[l] === undefined)).toEqual([]);
    const offenders: string[] = [];
    for (const layer of layers) {
      for (const file of layerFiles(layer)) {
        for (const spec of importsOf(file)) {
          const target = layerOf(file, spec);
          if (target === undefined || target === layer) continue;
          if (!(ALLOWED[layer] ?? []).includes(target)) offenders.push(`${relative(SRC, file)} → ${spec}`);
          if (target === 'emulator' && !EMULATOR_IMPORTERS.includes(relative(SRC, file))) offenders.push(`${relative(SRC, file)} → ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("lambda is a leaf without I/O: Lambda's vocabulary as data and pure functions", () => {
    const offenders = layerFiles('lambda').flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec.startsWith('.') || /^(node:)?(fs|fs\/promises|http|https|net|child_process|dgram|tls)$/.test(spec))
        .map((spec) => `${relative(SRC, file)} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('sees static, dynamic, re-export and side-effect imports', () => {
    const text = "import { a } from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nimport './side.js';\nconst d = await import('./d.js');\n";
    expect(specifiersIn(text).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './side.js']);
    expect(importsOf(join(SRC, 'ui/view.ts'))).toContain('./react-production.js');
  });

  it('core imports nothing of ours outside core, and no I/O modules', () => {
    const offenders: string[] = [];
    for (const file of layerFiles('core')) {
      for (const spec of importsOf(file)) {
        const layer = layerOf(file, spec);
        if (layer !== undefined && layer !== 'core' && layer !== 'lambda') offenders.push(`${relative(SRC, file)} → ${spec}`);
        if (/^(node:)?(fs|fs\/promises|http|https|net|child_process|dgram|tls)$/.test(spec)) {
          offenders.push(`${relative(SRC, file)} → ${spec}`);
        }
        if (/^(ink|react|@aws-sdk\/|@smithy\/)/.test(spec)) offenders.push(`${relative(SRC, file)} → ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the emulator imports nothing else of ours but Lambda's vocabulary", () => {
    const offenders = layerFiles('emulator').flatMap((file) =>
      importsOf(file)
        .filter((spec) => {
          const layer = layerOf(file, spec);
          return layer !== undefined && layer !== 'emulator' && layer !== 'lambda';
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
