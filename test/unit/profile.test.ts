import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_SAMPLES } from '../../src/core/noise.js';
import { ColdprobeError } from '../../src/core/errors.js';
import { formatFieldPath, loadProfile, parseProfileText } from '../../src/io/profile.js';

const good = `name: demo
description: node and python
target: emulator
functions:
  - name: node-hello
    runtime: nodejs20.x
  - name: python-hello
    runtime: python3.11
matrix:
  memoryMb: [128, 512]
  provisioned: [0, 5]
burst:
  n: 10
  waves: 2
  interval: 2s
thresholds:
  - "cold.p99 < 800ms"
baseline: baselines/demo.json
`;

function failure(text: string, file = '/tmp/p.yaml'): ColdprobeError {
  try {
    parseProfileText(text, file);
  } catch (error) {
    if (error instanceof ColdprobeError) return error;
    throw error;
  }
  throw new Error('expected the profile to be rejected');
}

describe('profile loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-profile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a valid YAML profile and applies defaults', () => {
    const loaded = parseProfileText(good, '/work/x/demo.yaml');
    expect(loaded.profile.target).toEqual({ kind: 'emulator' });
    expect(loaded.profile.matrix.memoryMb).toEqual([128, 512]);
    expect(loaded.profile.burst).toMatchObject({ n: 10, waves: 2, interval: 2000, forceCold: true });
    expect(loaded.profile.thresholds).toEqual(['cold.p99 < 800ms']);
    expect(loaded.baselinePath).toBe('/work/x/baselines/demo.json');
    expect(new TextDecoder().decode(loaded.payload)).toBe('{}');
  });

  it('accepts the same profile as JSON', () => {
    const json = JSON.stringify({
      name: 'j',
      target: { kind: 'aws', region: 'eu-west-1' },
      functions: [{ name: 'f', runtime: 'nodejs20.x' }],
      matrix: { memoryMb: [256] },
      burst: { n: 5, interval: 100 },
      payload: { hello: 'world' },
    });
    const loaded = parseProfileText(json, '/tmp/p.json');
    expect(loaded.profile.target).toEqual({ kind: 'aws', region: 'eu-west-1' });
    expect(loaded.profile.matrix.provisioned).toEqual([0]);
    expect(loaded.profile.burst?.interval).toBe(100);
    expect(JSON.parse(new TextDecoder().decode(loaded.payload))).toEqual({ hello: 'world' });
  });

  it('names the field path, the expectation and the YAML line of a wrong item', () => {
    const error = failure(good.replace('memoryMb: [128, 512]', 'memoryMb: [128, "big"]'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('/tmp/p.yaml:10');
    expect(error.message).toContain('matrix.memoryMb[1]');
    expect(error.message).toMatch(/memory size in MB/);
  });

  it('rejects out-of-range memory with the Lambda bound', () => {
    const error = failure(good.replace('memoryMb: [128, 512]', 'memoryMb: [64]'));
    expect(error.message).toContain('matrix.memoryMb[0]');
    expect(error.message).toContain('at least 128 MB');
  });

  it('rejects an unknown field by its path and line', () => {
    const error = failure(good.replace('  waves: 2', '  wavez: 2'));
    expect(error.message).toContain('burst.wavez');
    expect(error.message).toContain('unknown field');
    expect(error.message).toContain('/tmp/p.yaml:14');
  });

  it('points a missing field at its parent', () => {
    const error = failure(good.replace('  n: 10\n', ''));
    expect(error.message).toContain('burst.n');
    expect(error.message).toMatch(/p\.yaml:13/);
  });

  it('rejects a bad target and a bad duration', () => {
    expect(failure(good.replace('target: emulator', 'target: gcp')).message).toContain('target');
    expect(failure(good.replace('interval: 2s', 'interval: soon')).message).toMatch(/burst\.interval.*duration/);
  });

  it('rejects a bad runtime id, duplicate functions and non-string thresholds', () => {
    expect(failure(good.replace('runtime: python3.11', 'runtime: cobol')).message).toContain('functions[1].runtime');
    expect(failure(good.replace('python-hello', 'node-hello')).message).toContain('functions[1].name');
    expect(failure(good.replace('"cold.p99 < 800ms"', '12')).message).toContain('thresholds[0]');
  });

  it('reports broken YAML and broken JSON with the file', () => {
    expect(failure('name: [unclosed\n').message).toMatch(/p\.yaml(:\d+)?: not valid YAML/);
    expect(failure('{"name": ', '/tmp/p.json').message).toMatch(/p\.json: not valid JSON/);
    expect(failure('- a\n- b\n').message).toContain('expected a profile');
  });

  it('reads files, resolves @payload relative to the profile, and says when a file is missing', () => {
    writeFileSync(join(dir, 'event.json'), '{"k":1}');
    writeFileSync(join(dir, 'p.yaml'), good + 'payload: "@event.json"\n');
    const loaded = loadProfile('p.yaml', dir);
    expect(new TextDecoder().decode(loaded.payload)).toBe('{"k":1}');
    writeFileSync(join(dir, 'q.yaml'), good + 'payload: "@nope.json"\n');
    expect(() => loadProfile('q.yaml', dir)).toThrow(/cannot read payload file/);
    expect(() => loadProfile('missing.yaml', dir)).toThrow(/cannot read profile missing\.yaml/);
  });

  describe('load section', () => {
    const BURST = 'burst:\n  n: 10\n  waves: 2\n  interval: 2s\n';
    const withLoad = (load: string, burst = true): string => {
      const base = burst ? good : good.replace(BURST, '');
      return `${base}load:\n${load}`;
    };

    it('reads stages, or rate with duration, with defaults, beside a burst or alone', () => {
      const ramp = parseProfileText(withLoad('  stages: 2s:0-40,2s:40\n  maxInFlight: 50\n  window: 500ms\n'), '/tmp/p.yaml').profile;
      expect(ramp.load).toEqual({ stages: [{ durationMs: 2000, fromPerS: 0, toPerS: 40 }, { durationMs: 2000, fromPerS: 40, toPerS: 40 }], maxInFlight: 50, window: 500, forceCold: true });
      expect(ramp.burst?.n).toBe(10);
      const steady = parseProfileText(withLoad('  rate: 20\n  duration: 3s\n', false), '/tmp/p.yaml').profile;
      expect(steady.burst).toBeUndefined();
      expect(steady.load).toEqual({ stages: [{ durationMs: 3000, fromPerS: 20, toPerS: 20 }], maxInFlight: 1000, window: 1000, forceCold: true });
    });

    it.each([
      ['malformed stages, with the column', '  stages: 2s:0-40,2:40\n', /p\.yaml:\d+: load\.stages: has '2' at column 9 of '2s:0-40,2:40' where a duration like 500ms, 30s, 2m or 1h belongs\.$/],
      ['a rate of 0', '  rate: 0\n  duration: 2s\n', /load\.rate: must be a number of invocations per second greater than 0, got 0\.$/],
      ['a rate that is not a number', '  rate: fast\n', /load\.rate: expected invocations per second \(a number\)/],
      ['a duration without a unit', '  rate: 5\n  duration: 10\n', /load\.duration: expected a duration like 30s or 2m/],
      ['both stages and rate', '  stages: 1s:5\n  rate: 5\n', /load\.rate: give either stages or rate with duration, not both\.$/],
      ['neither stages nor rate', '  maxInFlight: 5\n', /load\.stages: expected stages \(like 30s:0-200,60s:200\), or rate with duration\.$/],
      ['a max in flight of 0', '  rate: 5\n  maxInFlight: 0\n', /load\.maxInFlight: expected a maximum of invocations in flight ≥ 1/],
      ['a window under 10ms', '  rate: 5\n  window: 5ms\n', /load\.window: expected a window of at least 10ms/],
      ['an unknown field', '  rate: 5\n  ramp: 3\n', /load\.ramp: unknown field/],
    ])('refuses %s at its field', (_what, load, message) => {
      const error = failure(withLoad(load));
      expect(error.exitCode).toBe(2);
      expect(error.message).toMatch(message);
    });

    it('needs a burst or a load', () => {
      expect(failure(good.replace(BURST, '')).message).toMatch(/burst: expected a burst or a load section \(or both\)\.$/);
    });
  });

  it('formats field paths', () => {
    expect(formatFieldPath(['matrix', 'memoryMb', 1])).toBe('matrix.memoryMb[1]');
    expect(formatFieldPath([])).toBe('(top level)');
  });
});

describe('shipped profiles', () => {
  const dir = join(__dirname, '../../profiles');
  for (const name of ['demo', 'provisioned', 'throttle', 'aws-example', 'load-ramp']) {
    it(`profiles/${name}.yaml validates`, () => {
      const loaded = loadProfile(join(dir, `${name}.yaml`));
      expect(loaded.profile.name).toBe(name);
      expect(loaded.profile.functions.length).toBeGreaterThan(0);
    });
  }
  it('the shipped profiles answer the questions they are named for', () => {
    expect(loadProfile(join(dir, 'demo.yaml')).profile.matrix.memoryMb).toEqual([128, 512, 1024]);
    const provisioned = loadProfile(join(dir, 'provisioned.yaml')).profile;
    expect(provisioned.matrix.provisioned).toEqual([0, 25, 50]);
    expect(provisioned.burst?.n).toBe(100);
    expect(loadProfile(join(dir, 'throttle.yaml')).profile.matrix.reservedConcurrency?.length).toBeGreaterThan(0);
    expect(loadProfile(join(dir, 'aws-example.yaml')).profile.target.kind).toBe('aws');
  });

  it('the shipped profiles give every cell the samples the gate needs to judge a median', () => {
    // Cold starts come from the first wave (forced cold); warm from the second. Reserved concurrency caps the
    // environments, and so the cold starts, of a wave; provisioned environments serve warm, the rest spill cold.
    const demo = loadProfile(join(dir, 'demo.yaml')).profile;
    expect(demo.burst?.n).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(demo.burst?.waves).toBeGreaterThanOrEqual(2);
    expect(loadProfile(join(dir, 'demo.yaml')).baselinePath).toMatch(/results\/baselines\/demo\.json$/);
    const throttle = loadProfile(join(dir, 'throttle.yaml')).profile;
    expect(Math.min(...(throttle.matrix.reservedConcurrency ?? []).map((rc) => rc ?? Infinity))).toBeGreaterThanOrEqual(MIN_SAMPLES);
    expect(throttle.burst?.waves).toBeGreaterThanOrEqual(2);
    const provisioned = loadProfile(join(dir, 'provisioned.yaml')).profile;
    for (const pc of provisioned.matrix.provisioned) {
      if (pc > 0) expect(pc).toBeGreaterThanOrEqual(MIN_SAMPLES);
      expect((provisioned.burst?.n ?? 0) - pc).toBeGreaterThanOrEqual(MIN_SAMPLES);
    }
    const aws = loadProfile(join(dir, 'aws-example.yaml')).profile;
    expect(aws.burst?.n).toBeGreaterThanOrEqual(MIN_SAMPLES);
  });
});
