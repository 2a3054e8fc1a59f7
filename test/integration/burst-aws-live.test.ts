/**
 * Against real Lambda, only when asked: COLDPROBE_LIVE_FUNCTION=<name or ARN> (credentials and region from the
 * standard AWS chain; COLDPROBE_LIVE_REGION to override). Never changes the function unless
 * COLDPROBE_LIVE_ALLOW_MUTATIONS=1, in which case it also checks force-cold (it bumps COLDPROBE_COLD_NONCE).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { buildBurstPlan } from '../../src/core/plan.js';
import { executeRun } from '../../src/engine/run.js';
import { COLD_NONCE_VARIABLE, createAwsTarget } from '../../src/targets/aws.js';
import type { SdkTarget } from '../../src/targets/sdk-target.js';

const fn = process.env.COLDPROBE_LIVE_FUNCTION;
const mutate = process.env.COLDPROBE_LIVE_ALLOW_MUTATIONS === '1';
const n = Number(process.env.COLDPROBE_LIVE_N ?? 5);

describe.skipIf(!fn)('burst against real Lambda (COLDPROBE_LIVE_FUNCTION)', () => {
  let target: SdkTarget | undefined;
  afterAll(async () => {
    await target?.close();
  });

  const get = async (): Promise<SdkTarget> => {
    const region = process.env.COLDPROBE_LIVE_REGION;
    target ??= await createAwsTarget({ allowMutations: mutate, ...(region ? { region } : {}) });
    return target;
  };

  it(`a burst of ${n} gives one record each, with REPORT lines and no emulator truth`, async () => {
    const t = await get();
    const plan = buildBurstPlan({ functionName: fn ?? '', payload: new TextEncoder().encode('{}'), n, waves: 1, intervalMs: 0, forceCold: false });
    const outcome = await executeRun(plan, t, { emit: () => undefined });
    const records = outcome.cells[0]?.records ?? [];
    expect(records).toHaveLength(n);
    for (const r of records) {
      expect(r.env).toBeUndefined();
      if (r.outcome === 'ok' || r.outcome === 'function-error') expect(r.classification).not.toBe('unknown');
    }
    expect(outcome.cells[0]?.bursts[0]?.notSent).toBe(0);
  });

  it.skipIf(!mutate)('force-cold bumps the nonce, keeps the other variables, and the next burst is all cold', async () => {
    const t = await get();
    const before = await t.getFunction(fn ?? '');
    await t.forceCold(fn ?? '');
    const after = await t.getFunction(fn ?? '');
    for (const [k, v] of Object.entries(before.environment)) if (k !== COLD_NONCE_VARIABLE) expect(after.environment[k]).toBe(v);
    expect(after.environment[COLD_NONCE_VARIABLE]).not.toBe(before.environment[COLD_NONCE_VARIABLE]);
    const plan = buildBurstPlan({ functionName: fn ?? '', payload: new TextEncoder().encode('{}'), n, waves: 1, intervalMs: 0, forceCold: false });
    const records = (await executeRun(plan, t, { emit: () => undefined })).cells[0]?.records ?? [];
    expect(records.filter((r) => r.outcome === 'ok').every((r) => r.classification === 'cold')).toBe(true);
  });
});

describe('the aws target without credentials or region', () => {
  it('fails with one target-unavailable sentence, naming no secret', async () => {
    const saved = { ...process.env };
    try {
      for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
      process.env.AWS_CONFIG_FILE = '/nonexistent/coldprobe-config';
      process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/coldprobe-credentials';
      // No IMDS on a developer machine or CI runner: keep the chain from waiting on it.
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      const noRegion = await createAwsTarget({ allowMutations: false }).catch((e: unknown) => e);
      expect((noRegion as { kind?: string }).kind).toBe('target-unavailable');
      expect((noRegion as Error).message).toMatch(/no AWS region/);
      const noCredentials = await createAwsTarget({ region: 'eu-west-1', allowMutations: false }).catch((e: unknown) => e);
      expect((noCredentials as { kind?: string }).kind).toBe('target-unavailable');
      expect((noCredentials as Error).message).toMatch(/no usable AWS credentials/);
      expect((noCredentials as Error).message.split('\n')).toHaveLength(1);
    } finally {
      process.env = saved;
    }
  });
});
