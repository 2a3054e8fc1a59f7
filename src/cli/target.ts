/**
 * The one place a command's target is built, from flags or a profile: AWS or the bundled emulator, with the
 * same defaults for `burst` and `run` (CPU quotas on, the same function folders). Each kind is imported only
 * when chosen, so an AWS run never loads the emulator.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { regionOfArn } from '../core/cost.js';
import { ColdprobeError, usageError } from '../core/errors.js';
import type { AliasOps } from '../engine/cleanup.js';
import { parseEndpointUrl } from '../targets/endpoint.js';
import type { Target } from '../targets/target.js';
import { durationMs, positiveInt } from './args.js';

/** The sample functions shipped with coldprobe (same relative place from src/ and dist/). */
export const BUNDLED_FUNCTIONS_DIR = fileURLToPath(new URL('../../profiles/functions', import.meta.url));

/** Which target, and its settings, as resolved from flags or a profile. */
export type TargetChoice =
  | {
      kind: 'aws';
      region?: string;
      profile?: string;
      /** --endpoint-url: another endpoint than AWS's (LocalStack, a standalone emulator). */
      endpoint?: string;
      /** --ca-bundle: a PEM file of certificates to trust (else AWS_CA_BUNDLE, read by the target). */
      caBundle?: string;
      /** The environment the SDK reads (AWS_ENDPOINT_URL_LAMBDA, credential variables), to record what applies. */
      env?: NodeJS.ProcessEnv;
      /** True when the user named what permits changing a function (--force-cold, --allow-memory-change, a profile). */
      allowMutations: boolean;
      timeoutMs?: number;
    }
  | {
      kind: 'emulator';
      functionsDirs: string[];
      /** CPU share proportional to memory, as on Lambda (default on, for both commands). */
      cpuQuota: boolean;
      idleTtlMs?: number;
      initConcurrency?: number;
      accountConcurrency?: number;
      timeoutMs?: number;
    };

/** An open target, what to say about it once (e.g. whether CPU quotas apply), and its alias calls when it has them. */
export interface OpenTarget {
  target: Target;
  notes: string[];
  aliases?: AliasOps;
}

/** The target flags `burst` and `load` share, as node's parseArgs returns them. */
export interface TargetFlags {
  target?: string | undefined;
  region?: string | undefined;
  'aws-profile'?: string | undefined;
  'endpoint-url'?: string | undefined;
  'ca-bundle'?: string | undefined;
  functions?: string[] | undefined;
  'idle-ttl'?: string | undefined;
  'init-concurrency'?: string | undefined;
  'no-cpu-quota'?: boolean | undefined;
}

/**
 * The target a command line names: `--target` (emulator by default) with the flags of that kind; a flag of the
 * other kind is a usage error. On AWS the region defaults to the one a function ARN names (Lambda refuses an
 * ARN from another region than the client's).
 */
export function targetFromFlags(
  values: TargetFlags,
  ctx: { functionName: string; allowMutations: boolean; cwd: string; env: NodeJS.ProcessEnv },
): TargetChoice {
  const kind = values.target ?? 'emulator';
  if (kind !== 'emulator' && kind !== 'aws') throw usageError(`--target must be 'emulator' or 'aws', got '${kind}'.`);
  const only = (flags: readonly (keyof TargetFlags)[], where: string): void => {
    for (const flag of flags) if (values[flag] !== undefined) throw usageError(`--${flag} only applies to --target ${where}.`);
  };
  if (kind === 'emulator') {
    only(['region', 'aws-profile', 'endpoint-url', 'ca-bundle'], 'aws');
    const target: TargetChoice = { kind, functionsDirs: functionsDirs(values.functions, ctx.cwd), cpuQuota: values['no-cpu-quota'] !== true };
    if (values['idle-ttl'] !== undefined) target.idleTtlMs = durationMs('idle-ttl', values['idle-ttl'], 0);
    if (values['init-concurrency'] !== undefined) target.initConcurrency = positiveInt('init-concurrency', values['init-concurrency'], 1);
    return target;
  }
  only(['functions', 'idle-ttl', 'init-concurrency', 'no-cpu-quota'], 'emulator');
  const target: TargetChoice = { kind, allowMutations: ctx.allowMutations, env: ctx.env };
  const region = values.region ?? regionOfArn(ctx.functionName);
  if (region !== undefined) target.region = region;
  if (values['aws-profile'] !== undefined) target.profile = values['aws-profile'];
  if (values['endpoint-url'] !== undefined) target.endpoint = parseEndpointUrl(values['endpoint-url']);
  if (values['ca-bundle'] !== undefined) target.caBundle = values['ca-bundle'];
  return target;
}

/**
 * Folders of emulator functions: the ones given (relative to `cwd`, each must exist), else ./profiles/functions
 * when it exists, else the copy shipped with coldprobe.
 */
export function functionsDirs(given: readonly string[] | undefined, cwd: string): string[] {
  if (given && given.length > 0) {
    return given.map((dir) => {
      const path = isAbsolute(dir) ? dir : resolve(cwd, dir);
      if (!existsSync(path)) throw usageError(`--functions folder ${path} does not exist.`);
      return path;
    });
  }
  const local = resolve(cwd, 'profiles', 'functions');
  return [existsSync(local) ? local : BUNDLED_FUNCTIONS_DIR];
}

/** Open the chosen target; throws target-unavailable (exit 3) when it cannot be reached. */
export async function openTarget(choice: TargetChoice): Promise<OpenTarget> {
  if (choice.kind === 'aws') {
    const [{ createAwsTarget }, { sdkAliasOps }] = await Promise.all([import('../targets/aws.js'), import('./commands/run-aliases.js')]);
    const target = await createAwsTarget({
      allowMutations: choice.allowMutations,
      ...(choice.region !== undefined ? { region: choice.region } : {}),
      ...(choice.profile !== undefined ? { profile: choice.profile } : {}),
      ...(choice.endpoint !== undefined ? { endpoint: choice.endpoint } : {}),
      ...(choice.caBundle !== undefined ? { caBundle: choice.caBundle } : {}),
      ...(choice.env !== undefined ? { env: choice.env } : {}),
      ...(choice.timeoutMs !== undefined ? { requestTimeoutOverrideMs: choice.timeoutMs } : {}),
    });
    return { target, notes: [], aliases: sdkAliasOps(target.client) };
  }
  const [{ createEmulatorTarget }, { createCpuQuota }] = await Promise.all([import('../targets/emulator.js'), import('../emulator/cpu-quota.js')]);
  const notes: string[] = [];
  if (choice.cpuQuota) {
    // Probe once so the run can say (once) whether memory sizes really get proportional CPU here.
    const probe = createCpuQuota(true);
    notes.push(probe.active ? 'CPU quota proportional to memory (1,769 MB = 1 vCPU) applied through cgroups' : (probe.unavailableReason ?? 'CPU quotas unavailable'));
    probe.close();
  } else notes.push('CPU quotas off: every memory size gets the same CPU');
  const target = await createEmulatorTarget({
    functionsDirs: choice.functionsDirs,
    cpuQuota: choice.cpuQuota,
    log: () => undefined,
    ...(choice.accountConcurrency !== undefined ? { accountConcurrency: choice.accountConcurrency } : {}),
    ...(choice.idleTtlMs !== undefined ? { idleTtlMs: choice.idleTtlMs } : {}),
    ...(choice.initConcurrency !== undefined ? { initConcurrency: choice.initConcurrency } : {}),
    ...(choice.timeoutMs !== undefined ? { requestTimeoutOverrideMs: choice.timeoutMs } : {}),
  });
  const { sdkAliasOps } = await import('./commands/run-aliases.js');
  return { target, notes, aliases: sdkAliasOps(target.client) };
}

/** The emulator functions in `dirs`: sub-folders with a function.json, sorted. */
export function emulatorFunctionNames(dirs: readonly string[]): string[] {
  const names = dirs.flatMap((dir) =>
    existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'function.json'))).map((e) => e.name) : [],
  );
  return [...new Set(names)].sort();
}

/** A function the emulator does not have: the same error, naming the functions it does have and where they live. */
export function withKnownFunctions(error: unknown, choice: TargetChoice): unknown {
  if (choice.kind !== 'emulator' || !(error instanceof ColdprobeError) || error.kind !== 'target-unavailable' || !/: not found on /.test(error.message)) return error;
  const names = emulatorFunctionNames(choice.functionsDirs);
  const there = names.length > 0 ? `the functions there are ${names.join(', ')}` : 'there are no functions there';
  return new ColdprobeError(error.kind, `${error.message.replace(/\.$/, '')}; ${there} (${choice.functionsDirs.join(', ')}).`, { cause: error });
}
