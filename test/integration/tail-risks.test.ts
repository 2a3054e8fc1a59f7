/**
 * The warning before a burst where log tails may not carry REPORT, end to end: function folders that declare
 * layers, a JSON log format with system log level WARN, and a Lambda Managed Instances capacity provider; the
 * emulator reports them through GetFunctionConfiguration, the real SDK reads them, and the run warns before it
 * sends anything and keeps the warnings in the cell's notes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/events.js';
import { buildBurstPlan } from '../../src/core/plan.js';
import { executeRun } from '../../src/engine/run.js';
import { createEmulatorTarget } from '../../src/targets/emulator.js';
import { useTargets } from './target-helpers.js';

const { track } = useTargets();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'coldprobe-tail-risks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fn(name: string, extra: Record<string, unknown>): void {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, 'index.mjs'), 'export const handler = async () => ({ ok: true });\n');
  writeFileSync(join(dir, name, 'function.json'), JSON.stringify({ runtime: 'nodejs20.x', handler: 'index.handler', ...extra }));
}

async function burstEvents(functionName: string): Promise<{ events: RunEvent[]; notes: string[] }> {
  const target = track(await createEmulatorTarget({ functionsDirs: [dir], log: () => undefined }));
  const events: RunEvent[] = [];
  const plan = buildBurstPlan({ functionName, payload: new TextEncoder().encode('{}'), n: 2, waves: 1, intervalMs: 0, forceCold: false });
  const outcome = await executeRun(plan, target, { emit: (e) => events.push(e) });
  return { events, notes: outcome.cells[0]?.notes ?? [] };
}

describe('warning before a burst where log tails may not carry REPORT', () => {
  it('names layers, a system log level above INFO and Lambda Managed Instances, before the first invocation is sent', async () => {
    fn('with-layers', { layers: ['arn:aws:lambda:us-east-1:123456789012:layer:datadog-extension:42'] });
    fn('json-warn', { logFormat: 'JSON', systemLogLevel: 'WARN' });
    fn('managed', { capacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:my-provider' });
    fn('plain', { logFormat: 'JSON', systemLogLevel: 'INFO' });

    const expected: Array<[string, RegExp]> = [
      ['with-layers', /'with-layers' has 1 layer: an extension in a layer runs on after the response/],
      ['json-warn', /'json-warn' logs in JSON with system log level WARN: Lambda then drops platform.report/],
      ['managed', /'managed' runs on Lambda Managed Instances \(arn:aws:lambda:us-east-1:123456789012:capacity-provider:my-provider\)/],
    ];
    for (const [name, pattern] of expected) {
      const { events, notes } = await burstEvents(name);
      const warnings = events.filter((e) => e.type === 'notice' && e.level === 'warn');
      expect(warnings.map((e) => (e.type === 'notice' ? e.message : ''))).toEqual([expect.stringMatching(pattern)]);
      // Said before anything was sent: the warning comes before the first record.
      const firstRecord = events.findIndex((e) => e.type === 'record');
      expect(events.indexOf(warnings[0] as RunEvent)).toBeLessThan(firstRecord);
      expect(notes.some((n) => pattern.test(n))).toBe(true);
    }
    const quiet = await burstEvents('plain');
    expect(quiet.events.filter((e) => e.type === 'notice' && e.level === 'warn')).toEqual([]);
  });

  it('reads the configuration through the SDK as Lambda returns it', async () => {
    fn('all-three', {
      layers: ['arn:aws:lambda:us-east-1:123456789012:layer:a:1', 'arn:aws:lambda:us-east-1:123456789012:layer:b:2'],
      logFormat: 'JSON',
      systemLogLevel: 'WARN',
      capacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:p',
    });
    const target = track(await createEmulatorTarget({ functionsDirs: [dir], log: () => undefined }));
    expect(await target.getFunction('all-three')).toMatchObject({
      layers: 2,
      logFormat: 'JSON',
      systemLogLevel: 'WARN',
      capacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:p',
    });
  });
});
