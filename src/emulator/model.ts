/**
 * The seam inside the emulator between the control plane (registry.ts + control-api.ts: what functions,
 * versions, aliases and concurrency settings exist) and the data plane (pool.ts + invoke-api.ts +
 * runtime-api.ts: environments, invocations, throttles). Types only.
 *
 * Notes from the control plane (additive, comments only):
 * - `new Registry({ region, accountId, accountConcurrency, unreservedMinimum? })` from registry.ts implements
 *   ControlPlane; `registry.registerFolder(dir)` reads function folders (throws FunctionDefinitionError naming the
 *   file and field). `handleControlRequest(req, res, { registry, dataPlane, region, accountId })` from
 *   control-api.ts serves every non-Invoke path and resolves false for paths it does not know.
 * - `parseFunctionRef(decodedLabel, qualifierQuery)` in function-ref.ts parses names/ARNs/qualifiers for the
 *   Invoke path too (400 InvalidParameterValueException message when `ok` is false).
 * - `generation` is per function. Published versions keep the generation `$LATEST` had when they were published,
 *   so `retireGeneration` must only retire `$LATEST` environments (version `$LATEST`) older than the generation.
 *
 * Notes from the data plane (additive, comments only; nothing in the types changed):
 * - `Pool` (pool.ts) implements DataPlane; startEmulator (index.ts) wires `new Registry(...)` + `Pool` +
 *   `handleControlRequest`. The only contract change is `EmulatorOptions.cpuQuota?: boolean` in api.ts.
 * - `retireGeneration` only retires `$LATEST` environments, as asked above; idle ones stop at once, busy and
 *   starting ones after their invocation.
 * - `setProvisioned(key, config, n)`: environments whose (name, version, generation) differ from `config` are
 *   replaced; `n = 0` releases all and `provisionedProgress(key)` then becomes undefined once they are gone.
 *   A provisioned environment whose init fails is not retried: `failureReason` is set (→ Status FAILED).
 * - `concurrencyInUse(fn)` counts in-flight on-demand invocations plus every live provisioned environment.
 * - The pool reads `reservedConcurrency` from each ResolvedInvoke and `totalReserved()` on each admission.
 */
import type { FunctionDefinition } from './api.js';

/** The configuration one environment is started with: a function version at one config generation. */
export interface VersionConfig {
  functionName: string;
  /** `$LATEST` or a published version number as a string. */
  version: string;
  /** Unqualified function ARN (`arn:aws:lambda:<region>:<account>:function:<name>`). */
  functionArn: string;
  runtime: string;
  handler: string;
  codeDir: string;
  memoryMb: number;
  timeoutS: number;
  environment: Record<string, string>;
  /**
   * Bumped on every applied configuration update of `$LATEST`. Environments of an older generation are
   * never routed to again (in-flight invocations finish), which is how an update forces cold starts.
   */
  generation: number;
}

/** What an Invoke resolved to. */
export interface ResolvedInvoke {
  config: VersionConfig;
  /** The ARN as invoked, including `:qualifier` when the caller gave one (Lambda-Runtime-Invoked-Function-Arn). */
  invokedArn: string;
  /** Version executed (X-Amz-Executed-Version): `$LATEST` or the version an alias points at. */
  executedVersion: string;
  /** Reserved concurrency of the function, when set (0 throttles everything). */
  reservedConcurrency?: number;
  /** Key of the provisioned-concurrency pool this invoke may use (`name:version`), when the qualifier has one. */
  provisionedKey?: string;
}

/** Parsed `{FunctionName}` path label + `Qualifier` query (names, `name:qual`, partial and full ARNs). */
export interface FunctionRef {
  functionName: string;
  qualifier?: string;
}

/** Progress of provisioned concurrency for one version, as the pool reports it. */
export interface ProvisionedProgress {
  requested: number;
  /** Environments initialised so far. */
  allocated: number;
  /** Initialised and not busy now. */
  available: number;
  /** Set when allocation failed (e.g. init error); status becomes FAILED. */
  failureReason?: string;
}

/** What the control plane asks of the data plane. Implemented by the pool. */
export interface DataPlane {
  /** A new generation of `functionName` was applied: stop routing to older environments; stop idle ones now. */
  retireGeneration(functionName: string, currentGeneration: number): void;
  /** Bring the provisioned environments of `key` (`name:version`) to `count` (0 releases them all). */
  setProvisioned(key: string, config: VersionConfig, count: number): void;
  provisionedProgress(key: string): ProvisionedProgress | undefined;
  /** Environments of a function currently counting against concurrency (busy + starting for an invoke). */
  concurrencyInUse(functionName?: string): number;
}

/** What the data plane asks of the control plane. Implemented by the registry. */
export interface ControlPlane {
  /** Resolve an Invoke target; returns a 404-style error message when it does not exist. */
  /** `pending`: the function is in State Pending (a test aid), invokes are refused with 409 until Active. */
  resolveInvoke(ref: FunctionRef): ResolvedInvoke | { notFound: string } | { pending: string };
  /** Sum of reserved concurrency over all functions (for the unreserved pool). */
  totalReserved(): number;
  register(definition: FunctionDefinition): void;
  functionNames(): string[];
}
