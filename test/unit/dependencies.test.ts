/**
 * The AWS SDK and the @smithy packages it is built on move in lockstep: a second copy of a @smithy package
 * (pulled in by a caret range that floated) breaks type identity between our request handler and the SDK's,
 * and SDK releases after the first week of January 2027 require Node 22 while coldprobe supports Node >= 20.
 * So the direct SDK/@smithy dependencies are exact pins, and the lock file holds one copy of each.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Manifest {
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
interface Lock {
  packages: Record<string, { version?: string }>;
}

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as Manifest;
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as Lock;
const isSdk = (name: string): boolean => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/');

describe('dependencies', () => {
  it('supports Node 20 and later', () => {
    expect(manifest.engines?.['node']).toBe('>=20');
  });

  it('pins every direct @aws-sdk and @smithy dependency to an exact version that is the one installed', () => {
    const direct = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).filter(([name]) => isSdk(name));
    expect(direct.length).toBeGreaterThan(0);
    for (const [name, range] of direct) {
      expect(range, name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(range);
    }
  });

  it('locks exactly one copy of each @aws-sdk and @smithy package', () => {
    const copies = new Map<string, string[]>();
    for (const [path, entry] of Object.entries(lock.packages)) {
      const name = /node_modules\/(@(?:aws-sdk|smithy)\/[^/]+)$/.exec(path)?.[1];
      if (name !== undefined) copies.set(name, [...(copies.get(name) ?? []), `${path}@${entry.version ?? '?'}`]);
    }
    const duplicated = [...copies.entries()].filter(([, paths]) => paths.length > 1);
    expect(duplicated).toEqual([]);
  });
});
