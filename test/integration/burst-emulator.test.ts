/**
 * The burst engine end to end against the real emulator: real child processes, the real SDK, the gated handler.
 * Ground truth comes from the emulator's own environment headers, compared with what REPORT lines say.
 */
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/events.js';
import { ColdprobeError } from '../../src/core/errors.js';
import { buildBurstPlan, type BurstPlanOptions } from '../../src/core/plan.js';
import type { InvocationRecord } from '../../src/core/types.js';
import { executeRun } from '../../src/engine/run.js';
import { COLD_NONCE_VARIABLE, createAwsTarget } from '../../src/targets/aws.js';
import { createEmulatorTarget, type EmulatorTarget } from '../../src/targets/emulator.js';
import type { SdkTarget } from '../../src/targets/sdk-target.js';
import { SAMPLE_FUNCTIONS, useTargets } from './target-helpers.js';

const payload = new TextEncoder().encode('{}');

const { track, emulatorTarget } = useTargets();

async function burst(target: SdkTarget, options: Partial<BurstPlanOptions> & { n: number }, events: RunEvent[] = []) {
  const plan = buildBurstPlan({ functionName: 'node-hello', payload, waves: 1, intervalMs: 0, forceCold: false, ...options });
  return executeRun(plan, target, { emit: (e) => events.push(e) });
}

/**
 * Wait until no environment of `functionName` is busy or starting: an environment becomes idle only when its
 * runtime asks for the next event, which a loaded machine may delay past any fixed gap.
 */
async function waitIdle(target: EmulatorTarget, functionName = 'node-hello'): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    const envs = (await target.emulator.environments()).filter((e) => e.functionName === functionName);
    if (envs.every((e) => e.state === 'idle' || e.state === 'exited')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`environments of ${functionName} still busy after 10 s`);
}

const envIds = (records: InvocationRecord[]): string[] => records.map((r) => r.env?.envId ?? 'missing');

/** Emulator ground truth: an environment's first invocation (envSeq 1, on-demand) is the cold one. */
function expectClassificationMatchesTruth(records: InvocationRecord[]): void {
  for (const r of records) {
    expect(r.env, `record ${r.index} has no environment truth`).toBeDefined();
    const truth = r.env?.envSeq === 1 && r.env.initType === 'on-demand' ? 'cold' : 'warm';
    expect(r.classification, `record ${r.index} on ${r.env?.envId} seq ${r.env?.envSeq}`).toBe(truth);
  }
}

describe('burst against the emulator', () => {
  it('a fresh burst of 20 is 20 cold on distinct environments; the next wave is 20 warm on those environments', async () => {
    const target = await emulatorTarget();
    const first = (await burst(target, { n: 20 })).cells[0]?.records ?? [];
    await waitIdle(target);
    const second = (await burst(target, { n: 20 })).cells[0]?.records ?? [];
    expect(first).toHaveLength(20);
    expect(second).toHaveLength(20);
    expect(first.every((r) => r.outcome === 'ok' && r.classification === 'cold')).toBe(true);
    expect(new Set(envIds(first)).size).toBe(20);
    expect(second.every((r) => r.outcome === 'ok' && r.classification === 'warm')).toBe(true);
    // Warm means one of the first wave's environments. Not necessarily each once: the emulator reads requests as
    // they arrive, and a ~1 ms warm invocation can free its environment before the last of 20 arrives (as on Lambda).
    const firstIds = new Set(envIds(first));
    for (const id of envIds(second)) expect(firstIds.has(id), id).toBe(true);
    expectClassificationMatchesTruth([...first, ...second]);
    // A cold invocation's client latency includes the init its REPORT states.
    for (const r of first) expect(r.latencyUs).toBeGreaterThan((r.report?.initDurationMs ?? 0) * 1000);
  });

  it('waves: one run, bursts separated by the idle gap, every record exactly once', async () => {
    const target = await emulatorTarget();
    const events: RunEvent[] = [];
    const outcome = await burst(target, { n: 5, waves: 3, intervalMs: 300 }, events);
    const cell = outcome.cells[0];
    expect(cell?.records.map((r) => r.index)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(cell?.records.map((r) => r.burst)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(cell?.records.every((r) => r.outcome === 'ok')).toBe(true);
    expectClassificationMatchesTruth(cell?.records ?? []);
    const bursts = cell?.bursts ?? [];
    expect(bursts.map((b) => b.notSent)).toEqual([0, 0, 0]);
    // Each wave starts after the previous one ended plus the idle gap.
    for (const k of [1, 2]) {
      const previousEnd = Math.max(...(cell?.records ?? []).filter((r) => r.burst === k - 1).map((r) => r.finishedUs));
      expect(bursts[k]?.startedUs ?? 0).toBeGreaterThanOrEqual(previousEnd + 300_000);
    }
    expect(events.filter((e) => e.type === 'record')).toHaveLength(15);
    expect(events.filter((e) => e.type === 'step' && e.step === 'idle-wait')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'burst-end')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', interrupted: false });
  });

  it('reserved concurrency 2 with a burst of 6 gives 4 throttles counted by reason', async () => {
    const target = await emulatorTarget();
    await target.putReservedConcurrency('node-hello', 2);
    expect(await target.getReservedConcurrency('node-hello')).toBe(2);
    const records = (await burst(target, { n: 6 })).cells[0]?.records ?? [];
    const throttled = records.filter((r) => r.outcome === 'throttled');
    expect(records.filter((r) => r.outcome === 'ok')).toHaveLength(2);
    expect(throttled).toHaveLength(4);
    for (const r of throttled) {
      expect(r.errorType).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
      expect(r.statusCode).toBe(429);
    }
    await target.deleteReservedConcurrency('node-hello');
    expect(await target.getReservedConcurrency('node-hello')).toBeUndefined();
  });

  it('a function that throws counts as function errors with their type', async () => {
    const target = await emulatorTarget();
    const records = (await burst(target, { n: 4, functionName: 'node-throws' })).cells[0]?.records ?? [];
    expect(records).toHaveLength(4);
    for (const r of records) {
      expect(r.outcome).toBe('function-error');
      expect(r.errorType).toBe('Error');
      expect(r.classification).toBe('cold');
    }
  });

  it('force-cold makes the next wave cold on new environments', async () => {
    const target = await emulatorTarget();
    const warmUp = (await burst(target, { n: 5 })).cells[0]?.records ?? [];
    await waitIdle(target);
    const warm = (await burst(target, { n: 5 })).cells[0]?.records ?? [];
    await waitIdle(target);
    expect(warm.every((r) => r.classification === 'warm')).toBe(true);
    const forced = await burst(target, { n: 5, forceCold: true });
    const cold = forced.cells[0]?.records ?? [];
    expect(cold.every((r) => r.classification === 'cold')).toBe(true);
    const before = new Set(envIds(warmUp));
    expect(envIds(cold).some((id) => before.has(id))).toBe(false);
    expect((forced.cells[0]?.notes ?? []).join(' ')).toMatch(/stopped 5 idle environments/);
    expectClassificationMatchesTruth([...warmUp, ...warm, ...cold]);
  });

  it('a closed loop never has more than --concurrency invocations in flight', async () => {
    const target = await emulatorTarget();
    const outcome = await burst(target, { n: 12, concurrency: 3 });
    const records = outcome.cells[0]?.records ?? [];
    expect(records).toHaveLength(12);
    expect(records.every((r) => r.outcome === 'ok')).toBe(true);
    for (const r of records) {
      const overlapping = records.filter((o) => o.sentUs <= r.sentUs && o.finishedUs > r.sentUs);
      expect(overlapping.length).toBeLessThanOrEqual(3);
    }
    expect(outcome.cells[0]?.bursts[0]?.n).toBe(12);
  });

  it('Ctrl-C during a burst: no more releases, in-flight ones end as interrupted (not errors) after the grace', async () => {
    const target = await emulatorTarget();
    const controller = new AbortController();
    const plan = buildBurstPlan({ functionName: 'node-sleep', payload: new TextEncoder().encode('{"sleepMs":5000}'), n: 3, waves: 3, intervalMs: 0, forceCold: false });
    const events: RunEvent[] = [];
    const running = executeRun(plan, target, {
      emit: (e) => {
        events.push(e);
        if (e.type === 'burst-released') controller.abort();
      },
      signal: controller.signal,
      maxGraceMs: 200,
    });
    const outcome = await running;
    const records = outcome.cells[0]?.records ?? [];
    expect(outcome.interrupted).toBe(true);
    // Only the first wave was released; each of its invocations ends in exactly one record.
    expect(records).toHaveLength(3);
    expect(records.every((r) => r.outcome === 'interrupted')).toBe(true);
    expect(outcome.cells[0]?.summary.errorsByType).toEqual({});
    // The two waves never started are not sent: every planned invocation is accounted for.
    expect(outcome.invocations).toEqual({ planned: 9, sent: 3, notSent: 6 });
    expect(outcome.cells[0]?.bursts).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', interrupted: true });
  });

  it('Ctrl-C in a closed loop counts the invocations never sent', async () => {
    const target = await emulatorTarget();
    const controller = new AbortController();
    const plan = buildBurstPlan({ functionName: 'node-sleep', payload: new TextEncoder().encode('{"sleepMs":300}'), n: 8, waves: 1, intervalMs: 0, concurrency: 2, forceCold: false });
    const outcome = await executeRun(plan, target, {
      emit: (e) => {
        if (e.type === 'burst-released') controller.abort();
      },
      signal: controller.signal,
      maxGraceMs: 20_000,
    });
    const records = outcome.cells[0]?.records ?? [];
    const info = outcome.cells[0]?.bursts[0];
    // The first two were in flight and finish within the grace; the other six never leave.
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.outcome === 'ok')).toBe(true);
    expect(info).toMatchObject({ n: 8, notSent: 6 });
    expect(outcome.interrupted).toBe(true);
  });

  it('publishVersion and provisioned concurrency: a burst on the version starts on the provisioned environments first', async () => {
    const target = await emulatorTarget();
    const { version, created } = await target.publishVersion('node-hello', 'coldprobe test');
    expect(version).toMatch(/^\d+$/);
    expect(created).toBe(true);
    await target.putProvisionedConcurrency('node-hello', version, 2);
    const records = (await burst(target, { n: 4, qualifier: version })).cells[0]?.records ?? [];
    expect(records.every((r) => r.outcome === 'ok' && r.executedVersion === version)).toBe(true);
    const provisioned = records.filter((r) => r.env?.initType === 'provisioned-concurrency');
    // Both provisioned environments serve; a fast one may serve twice before a spill-over cold start is needed.
    expect(new Set(envIds(provisioned)).size).toBe(2);
    expect(provisioned.every((r) => r.classification === 'warm' && r.report?.initDurationMs === undefined)).toBe(true);
    expect(records.filter((r) => r.classification === 'cold').every((r) => r.env?.initType === 'on-demand')).toBe(true);
    expectClassificationMatchesTruth(records);
    await target.deleteProvisionedConcurrency('node-hello', version);
    // Deleting twice is not an error (nothing left to release).
    await target.deleteProvisionedConcurrency('node-hello', version);
  });

  it("provisioned concurrency's first-invoke report (an Init Duration done at allocation) is pre-initialized, through the real SDK", async () => {
    const target = track(
      await createEmulatorTarget({ functionsDirs: [SAMPLE_FUNCTIONS], idleTtlMs: 120_000, log: () => undefined, testAids: { provisionedInitInReport: true } }),
    );
    const { version } = await target.publishVersion('node-heavy-init', 'coldprobe test');
    await target.putProvisionedConcurrency('node-heavy-init', version, 2);
    const records = (await burst(target, { n: 2, functionName: 'node-heavy-init', qualifier: version })).cells[0]?.records ?? [];
    expect(records.every((r) => r.outcome === 'ok')).toBe(true);
    for (const r of records) {
      // Ground truth: the emulator's environment header. The classification reads only the REPORT and the latency.
      const firstOnProvisioned = r.env?.initType === 'provisioned-concurrency' && r.env.envSeq === 1;
      const want = firstOnProvisioned ? 'pre-initialized' : r.env?.envSeq === 1 ? 'cold' : 'warm';
      expect(r.classification, `record ${r.index} on ${r.env?.envId} seq ${r.env?.envSeq}, latency ${r.latencyUs} µs, init ${r.report?.initDurationMs} ms`).toBe(want);
      if (firstOnProvisioned) expect(r.report?.initDurationMs).toBeGreaterThan(r.latencyUs / 1000);
    }
    expect(records.some((r) => r.classification === 'pre-initialized')).toBe(true);
    await target.deleteProvisionedConcurrency('node-heavy-init', version);
  });

  it('a missing function is target-unavailable before anything is sent', async () => {
    const target = await emulatorTarget();
    const error = await burst(target, { n: 1, functionName: 'no-such-function' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ColdprobeError);
    expect((error as ColdprobeError).kind).toBe('target-unavailable');
    expect((error as ColdprobeError).message).toMatch(/no-such-function/);
  });
});

describe('the aws target code path, against the emulator endpoint', () => {
  async function awsTarget(emulator: EmulatorTarget, allowMutations: boolean): Promise<SdkTarget> {
    const target = await createAwsTarget({
      region: 'us-east-1',
      endpoint: emulator.emulator.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      allowMutations,
    });
    track(target);
    return target;
  }

  it('invokes, and refuses to change the function without permission', async () => {
    const emulator = await emulatorTarget();
    const aws = await awsTarget(emulator, false);
    const records = (await burst(aws, { n: 3 })).cells[0]?.records ?? [];
    expect(records.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(records.every((r) => r.classification === 'cold')).toBe(true);
    for (const change of [
      () => aws.forceCold('node-hello'),
      () => aws.updateConfiguration('node-hello', { memoryMb: 256 }),
      () => aws.putReservedConcurrency('node-hello', 1),
    ]) {
      const error = await change().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ColdprobeError);
      expect((error as ColdprobeError).kind).toBe('usage');
      expect((error as ColdprobeError).message).toMatch(/--force-cold/);
    }
    const info = await aws.getFunction('node-hello');
    expect(info.environment[COLD_NONCE_VARIABLE]).toBeUndefined();
    expect(info.memoryMb).toBe(128);
  });

  it('with permission, force-cold read-merge-writes the variables and the next burst is cold', async () => {
    const emulator = await emulatorTarget();
    await emulator.updateConfiguration('node-hello', { environment: { KEEP_ME: 'yes' } });
    const aws = await awsTarget(emulator, true);
    await burst(aws, { n: 2 });
    await waitIdle(emulator);
    const warm = (await burst(aws, { n: 2 })).cells[0]?.records ?? [];
    expect(warm.every((r) => r.classification === 'warm')).toBe(true);

    const did = await aws.forceCold('node-hello');
    expect(did).toMatch(new RegExp(`set ${COLD_NONCE_VARIABLE}=`));
    const info = await aws.getFunction('node-hello');
    expect(info.environment.KEEP_ME).toBe('yes');
    expect(info.environment[COLD_NONCE_VARIABLE]).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.lastUpdateStatus).toBe('Successful');

    const cold = (await burst(aws, { n: 2 })).cells[0]?.records ?? [];
    expect(cold.every((r) => r.classification === 'cold')).toBe(true);
    expectClassificationMatchesTruth([...warm, ...cold]);

    // A second bump keeps the variable count: the nonce is replaced, not added again.
    await aws.forceCold('node-hello');
    const again = await aws.getFunction('node-hello');
    expect(Object.keys(again.environment).sort()).toEqual(Object.keys(info.environment).sort());
    expect(again.environment[COLD_NONCE_VARIABLE]).not.toBe(info.environment[COLD_NONCE_VARIABLE]);
  });

  it('puts the function back after a burst that changed it: memory restored, the force-cold variable removed', async () => {
    const emulator = await emulatorTarget();
    await emulator.updateConfiguration('node-hello', { environment: { KEEP_ME: 'yes' } });
    const aws = await awsTarget(emulator, true);
    const events: RunEvent[] = [];
    const outcome = await burst(aws, { n: 2, memoryMb: 512, forceCold: true }, events);
    const records = outcome.cells[0]?.records ?? [];
    // The burst really ran on the changed configuration...
    expect(records.map((r) => r.report?.memorySizeMb)).toEqual([512, 512]);
    expect(records.every((r) => r.classification === 'cold')).toBe(true);
    // ...and the function is as it was before, with the other variables untouched.
    const after = await aws.getFunction('node-hello');
    expect(after.memoryMb).toBe(128);
    expect(after.environment[COLD_NONCE_VARIABLE]).toBeUndefined();
    expect(after.environment.KEEP_ME).toBe('yes');
    expect(outcome.cleanup.failed).toEqual([]);
    expect(outcome.cleanup.done).toEqual([`remove ${COLD_NONCE_VARIABLE} from node-hello`, 'restore memory of node-hello to 128 MB']);
    expect(events.filter((e) => e.type === 'notice' && e.message.startsWith('cleanup:')).length).toBe(2);
  });

  it('puts the function back when the run is interrupted', async () => {
    const emulator = await emulatorTarget();
    const aws = await awsTarget(emulator, true);
    const controller = new AbortController();
    const plan = buildBurstPlan({ functionName: 'node-sleep', payload: new TextEncoder().encode('{"sleepMs":3000}'), n: 3, waves: 2, intervalMs: 60_000, forceCold: true, memoryMb: 256 });
    const run = executeRun(plan, aws, {
      emit: (e) => {
        if (e.type === 'burst-released') controller.abort();
      },
      signal: controller.signal,
      maxGraceMs: 200,
    });
    const outcome = await run;
    expect(outcome.interrupted).toBe(true);
    const after = await aws.getFunction('node-sleep');
    expect(after.memoryMb).toBe(128);
    expect(after.environment[COLD_NONCE_VARIABLE]).toBeUndefined();
  });
});
