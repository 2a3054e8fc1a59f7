/**
 * The control plane's state: registered functions, their `$LATEST` configuration and config generation,
 * published versions (immutable snapshots), aliases, reserved concurrency and provisioned-concurrency configs,
 * with Lambda's validation rules (lambda-protocol.md §4.3/§4.4). No I/O except reading function folders and
 * hashing code at registration; the control API turns its results and errors into HTTP.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionDefinition } from './api.js';
import { readFunctionsDir } from './function-folder.js';
import { qualifiedArn, functionArn } from './function-ref.js';
import { lambdaTimestamp, lambdaTimestampSeconds } from './lambda-time.js';
import type { ControlPlane, FunctionRef, ResolvedInvoke, VersionConfig } from './model.js';
import {
  type AliasRecord,
  fail,
  type FunctionRecord,
  type ProvisionedChange,
  type ProvisionedRecord,
  type Snapshot,
} from './registry-types.js';

export interface RegistryOptions {
  region: string;
  accountId: string;
  /** Account concurrency limit (Lambda default 1,000). */
  accountConcurrency: number;
  /** Unreserved concurrency the account must keep; default 100, or a tenth of smaller accounts. */
  unreservedMinimum?: number;
  /** Injected clock for timestamps; defaults to `new Date()`. */
  now?: () => Date;
  /** Test aid: functions stay in State Pending this long after registration (ms). */
  pendingMs?: number;
}

/** Fields UpdateFunctionConfiguration may change (already validated by the control API). */
export interface ConfigPatch {
  memoryMb?: number;
  timeoutS?: number;
  /** Replaces the whole map, as Lambda does. */
  environment?: Record<string, string>;
  description?: string;
  handler?: string;
  /** Optimistic lock: must equal the current RevisionId when given. */
  revisionId?: string;
}

const VERSION_NUMBER = /^\d+$/;

/** In-memory Lambda control plane; implements the data plane's `ControlPlane` view. */
export class Registry implements ControlPlane {
  readonly region: string;
  readonly accountId: string;
  readonly accountConcurrency: number;
  readonly unreservedMinimum: number;
  private readonly functions = new Map<string, FunctionRecord>();
  /** What resolveInvoke hands out per snapshot (the invoke path builds no configuration objects). */
  private readonly invokeConfigs = new WeakMap<Snapshot, VersionConfig>();
  private readonly now: () => Date;
  private readonly pendingMs: number;
  /** Test aid: when each function leaves State Pending (ms since the epoch). */
  private readonly pendingUntil = new Map<string, number>();

  constructor(options: RegistryOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    this.accountConcurrency = options.accountConcurrency;
    this.unreservedMinimum = options.unreservedMinimum ?? Math.min(100, Math.ceil(options.accountConcurrency / 10));
    this.now = options.now ?? (() => new Date());
    this.pendingMs = options.pendingMs ?? 0;
  }

  /** `Pending` while a registered function is still within the test aid's pending time, else `Active`. */
  state(functionName: string): 'Pending' | 'Active' {
    const until = this.pendingUntil.get(functionName);
    if (until === undefined) return 'Active';
    if (this.now().getTime() < until) return 'Pending';
    this.pendingUntil.delete(functionName);
    return 'Active';
  }

  /** Register every function under a functions folder (see function-folder.ts); returns their names. */
  registerFolder(dir: string): string[] {
    const definitions = readFunctionsDir(dir);
    for (const definition of definitions) this.register(definition);
    return definitions.map((d) => d.name);
  }

  /** Register or replace a function; a replaced function keeps counting generations so old environments retire. */
  register(definition: FunctionDefinition): void {
    const previous = this.functions.get(definition.name);
    const code = hashCode(definition.codeDir);
    const snapshot: Snapshot = {
      version: '$LATEST',
      runtime: definition.runtime,
      handler: definition.handler,
      codeDir: definition.codeDir,
      memoryMb: definition.memoryMb,
      timeoutS: definition.timeoutS,
      environment: { ...definition.environment },
      description: definition.description,
      ...(definition.layers === undefined ? {} : { layers: [...definition.layers] }),
      ...(definition.logFormat === undefined ? {} : { logFormat: definition.logFormat }),
      ...(definition.systemLogLevel === undefined ? {} : { systemLogLevel: definition.systemLogLevel }),
      ...(definition.capacityProviderArn === undefined ? {} : { capacityProviderArn: definition.capacityProviderArn }),
      generation: previous === undefined ? 1 : previous.latest.generation + 1,
      revisionId: randomUUID(),
      lastModified: lambdaTimestamp(this.now()),
      codeSha256: code.sha256,
      codeSizeBytes: code.sizeBytes,
    };
    if (this.pendingMs > 0) this.pendingUntil.set(definition.name, this.now().getTime() + this.pendingMs);
    this.functions.set(definition.name, {
      name: definition.name,
      latest: snapshot,
      applied: snapshot,
      lastUpdateStatus: 'Successful',
      versions: new Map(),
      lastVersionNumber: 0,
      aliases: new Map(),
      provisioned: new Map(),
    });
  }

  functionNames(): string[] {
    return [...this.functions.keys()].sort();
  }

  totalReserved(): number {
    let sum = 0;
    for (const fn of this.functions.values()) sum += fn.reservedConcurrency ?? 0;
    return sum;
  }

  /** The function record, or a 404 naming the ARN as asked. */
  get(ref: FunctionRef): FunctionRecord {
    const fn = this.functions.get(ref.functionName);
    if (fn === undefined) fail(404, 'ResourceNotFoundException', `Function not found: ${this.arn(ref.functionName, ref.qualifier)}`);
    return fn;
  }

  arn(functionName: string, qualifier?: string): string {
    return qualifiedArn(this.region, this.accountId, functionName, qualifier);
  }

  /**
   * The snapshot a qualifier names: `$LATEST` (what GetFunctionConfiguration shows, or with `applied` what
   * invokes run), a published version, or the version an alias points at.
   */
  snapshot(ref: FunctionRef, which: 'shown' | 'applied' = 'shown'): Snapshot {
    const fn = this.get(ref);
    const qualifier = ref.qualifier ?? '$LATEST';
    if (qualifier === '$LATEST') return which === 'shown' ? fn.latest : fn.applied;
    const version = VERSION_NUMBER.test(qualifier) ? qualifier : fn.aliases.get(qualifier)?.functionVersion;
    const snap = version === undefined ? undefined : fn.versions.get(version);
    if (snap === undefined) fail(404, 'ResourceNotFoundException', `Function not found: ${this.arn(fn.name, qualifier)}`);
    return snap;
  }

  resolveInvoke(ref: FunctionRef): ResolvedInvoke | { notFound: string } | { pending: string } {
    const fn = this.functions.get(ref.functionName);
    const qualifier = ref.qualifier ?? '$LATEST';
    const notFound = (): { notFound: string } => ({ notFound: `Function not found: ${this.arn(ref.functionName, ref.qualifier)}` });
    if (fn === undefined) return notFound();
    // Lambda's answer to an invoke of a Pending function (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
    if (this.pendingUntil.size > 0 && this.state(fn.name) === 'Pending') {
      return { pending: 'The operation cannot be performed at this time. The function is currently in the following state: Pending' };
    }
    let snap: Snapshot | undefined;
    if (qualifier === '$LATEST') snap = fn.applied;
    else {
      const version = VERSION_NUMBER.test(qualifier) ? qualifier : fn.aliases.get(qualifier)?.functionVersion;
      snap = version === undefined ? undefined : fn.versions.get(version);
    }
    if (snap === undefined) return notFound();
    // Snapshots are replaced, never changed, so one configuration per snapshot serves every invoke of it.
    let config = this.invokeConfigs.get(snap);
    if (config === undefined) {
      config = this.versionConfig(fn.name, snap);
      this.invokeConfigs.set(snap, config);
    }
    const resolved: ResolvedInvoke = {
      config,
      invokedArn: this.arn(fn.name, ref.qualifier),
      executedVersion: snap.version,
    };
    if (fn.reservedConcurrency !== undefined) resolved.reservedConcurrency = fn.reservedConcurrency;
    if (fn.provisioned.has(qualifier)) resolved.provisionedKey = provisionedKey(fn.name, snap.version);
    return resolved;
  }

  /** What environments of `snap` are started with. */
  versionConfig(functionName: string, snap: Snapshot): VersionConfig {
    return {
      functionName,
      version: snap.version,
      functionArn: functionArn(this.region, this.accountId, functionName),
      runtime: snap.runtime,
      handler: snap.handler,
      codeDir: snap.codeDir,
      memoryMb: snap.memoryMb,
      timeoutS: snap.timeoutS,
      environment: { ...snap.environment },
      generation: snap.generation,
    };
  }

  // ---- UpdateFunctionConfiguration -------------------------------------------------------------------------

  /** Record a configuration update of `$LATEST` as InProgress; `applyUpdate` makes invokes see it. */
  beginUpdate(functionName: string, patch: ConfigPatch): Snapshot {
    const fn = this.get({ functionName });
    this.refuseWhileUpdating(fn);
    if (patch.revisionId !== undefined && patch.revisionId !== fn.latest.revisionId) {
      fail(412, 'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    fn.latest = {
      ...fn.latest,
      memoryMb: patch.memoryMb ?? fn.latest.memoryMb,
      timeoutS: patch.timeoutS ?? fn.latest.timeoutS,
      environment: patch.environment === undefined ? fn.latest.environment : { ...patch.environment },
      description: patch.description ?? fn.latest.description,
      handler: patch.handler ?? fn.latest.handler,
      revisionId: randomUUID(),
      lastModified: lambdaTimestamp(this.now()),
    };
    fn.lastUpdateStatus = 'InProgress';
    return fn.latest;
  }

  /** Apply the pending update: a new generation that invokes now run; returns it (0 if nothing was pending). */
  applyUpdate(functionName: string): number {
    const fn = this.functions.get(functionName);
    if (fn === undefined || fn.lastUpdateStatus !== 'InProgress') return 0;
    fn.latest = { ...fn.latest, generation: fn.applied.generation + 1, revisionId: randomUUID() };
    fn.applied = fn.latest;
    fn.lastUpdateStatus = 'Successful';
    return fn.latest.generation;
  }

  // ---- Versions --------------------------------------------------------------------------------------------

  /** PublishVersion: snapshot `$LATEST`, or return the newest version when nothing changed since it. */
  publishVersion(functionName: string, options: { description?: string; codeSha256?: string; revisionId?: string }): Snapshot {
    const fn = this.get({ functionName });
    this.refuseWhileUpdating(fn);
    if (options.revisionId !== undefined && options.revisionId !== fn.latest.revisionId) {
      fail(412, 'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    if (options.codeSha256 !== undefined && options.codeSha256 !== fn.latest.codeSha256) {
      fail(400, 'InvalidParameterValueException',
        `CodeSHA256 (${options.codeSha256}) is different from current CodeSHA256 in $LATEST (${fn.latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`);
    }
    const newest = fn.versions.get(String(fn.lastVersionNumber));
    if (newest !== undefined && sameCodeAndConfig(newest, fn.latest)) return newest;
    fn.lastVersionNumber += 1;
    const version: Snapshot = {
      ...fn.latest,
      environment: { ...fn.latest.environment },
      version: String(fn.lastVersionNumber),
      description: options.description ?? fn.latest.description,
      revisionId: randomUUID(),
      lastModified: lambdaTimestamp(this.now()),
    };
    fn.versions.set(version.version, version);
    return version;
  }

  /** `$LATEST` first, then published versions in order (ListVersionsByFunction). */
  listVersions(functionName: string): Snapshot[] {
    const fn = this.get({ functionName });
    return [fn.latest, ...[...fn.versions.values()].sort((a, b) => Number(a.version) - Number(b.version))];
  }

  /**
   * DeleteFunction with a version Qualifier (https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html):
   * only a published version can be deleted this way, and not while an alias references it (its target or a
   * routing weight). A provisioned-concurrency config on the version itself goes with it. The messages of
   * these refusals are not documented by AWS; ours name the problem the way the API reference does.
   */
  deleteVersion(functionName: string, qualifier: string): Array<ProvisionedChange & { config: VersionConfig }> {
    const fn = this.get({ functionName });
    if (qualifier === '$LATEST') {
      fail(400, 'InvalidParameterValueException', '$LATEST version cannot be deleted without deleting the function.');
    }
    if (!VERSION_NUMBER.test(qualifier)) {
      fail(400, 'InvalidParameterValueException', `Deletion of aliases is not supported by DeleteFunction; use DeleteAlias for ${this.arn(fn.name, qualifier)}.`);
    }
    if (!fn.versions.has(qualifier)) fail(404, 'ResourceNotFoundException', `Function not found: ${this.arn(fn.name, qualifier)}`);
    const referencing = [...fn.aliases.values()]
      .filter((a) => a.functionVersion === qualifier || a.routingConfig?.AdditionalVersionWeights[qualifier] !== undefined)
      .map((a) => a.name)
      .sort();
    if (referencing.length > 0) {
      fail(409, 'ResourceConflictException', `Unable to delete version because the following aliases reference it: [${referencing.join(', ')}]`);
    }
    const snap = fn.versions.get(qualifier) as Snapshot;
    fn.versions.delete(qualifier);
    const pc = fn.provisioned.get(qualifier);
    if (pc === undefined) return [];
    fn.provisioned.delete(qualifier);
    return [{ key: provisionedKey(fn.name, qualifier), version: qualifier, count: 0, config: this.versionConfig(fn.name, snap) }];
  }

  // ---- Aliases ---------------------------------------------------------------------------------------------

  createAlias(functionName: string, input: { name: string; functionVersion: string; description?: string; routingConfig?: AliasRecord['routingConfig'] }): AliasRecord {
    const fn = this.get({ functionName });
    checkAliasName(input.name);
    if (fn.aliases.has(input.name)) fail(409, 'ResourceConflictException', `Alias already exists: ${this.arn(fn.name, input.name)}`);
    this.requireVersion(fn, input.functionVersion);
    const alias: AliasRecord = {
      name: input.name,
      functionVersion: input.functionVersion,
      description: input.description ?? '',
      revisionId: randomUUID(),
    };
    if (input.routingConfig !== undefined) alias.routingConfig = input.routingConfig;
    fn.aliases.set(alias.name, alias);
    return alias;
  }

  getAlias(functionName: string, name: string): AliasRecord {
    const fn = this.get({ functionName });
    const alias = fn.aliases.get(name);
    if (alias === undefined) fail(404, 'ResourceNotFoundException', `Cannot find alias arn: ${this.arn(fn.name, name)}`);
    return alias;
  }

  listAliases(functionName: string, functionVersion?: string): AliasRecord[] {
    const fn = this.get({ functionName });
    return [...fn.aliases.values()]
      .filter((a) => functionVersion === undefined || a.functionVersion === functionVersion)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** UpdateAlias; when the alias carries provisioned concurrency and its version changes, the PC moves with it. */
  updateAlias(
    functionName: string,
    name: string,
    input: { functionVersion?: string; description?: string; routingConfig?: AliasRecord['routingConfig']; revisionId?: string },
  ): { alias: AliasRecord; changes: ProvisionedChange[] } {
    const fn = this.get({ functionName });
    const alias = this.getAlias(functionName, name);
    if (input.revisionId !== undefined && input.revisionId !== alias.revisionId) {
      fail(412, 'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    }
    const changes: ProvisionedChange[] = [];
    if (input.functionVersion !== undefined && input.functionVersion !== alias.functionVersion) {
      this.requireVersion(fn, input.functionVersion);
      const pc = fn.provisioned.get(name);
      if (pc !== undefined) {
        this.refuseSecondProvisioned(fn, input.functionVersion, name);
        changes.push({ key: provisionedKey(fn.name, alias.functionVersion), version: alias.functionVersion, count: 0 });
        changes.push({ key: provisionedKey(fn.name, input.functionVersion), version: input.functionVersion, count: pc.requested });
      }
      alias.functionVersion = input.functionVersion;
    }
    if (input.description !== undefined) alias.description = input.description;
    if (input.routingConfig !== undefined) alias.routingConfig = input.routingConfig;
    alias.revisionId = randomUUID();
    return { alias, changes };
  }

  /** DeleteAlias (and its provisioned-concurrency config, as Lambda does). */
  deleteAlias(functionName: string, name: string): ProvisionedChange[] {
    const fn = this.get({ functionName });
    const alias = fn.aliases.get(name);
    if (alias === undefined) return []; // Lambda's DeleteAlias is idempotent
    fn.aliases.delete(name);
    const pc = fn.provisioned.get(name);
    if (pc === undefined) return [];
    fn.provisioned.delete(name);
    return [{ key: provisionedKey(fn.name, alias.functionVersion), version: alias.functionVersion, count: 0 }];
  }

  // ---- Reserved concurrency --------------------------------------------------------------------------------

  putReservedConcurrency(functionName: string, reserved: number): number {
    const fn = this.get({ functionName });
    const others = this.totalReserved() - (fn.reservedConcurrency ?? 0);
    if (this.accountConcurrency - (others + reserved) < this.unreservedMinimum) {
      fail(400, 'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.unreservedMinimum}].`);
    }
    const provisioned = totalProvisioned(fn);
    if (reserved < provisioned) {
      fail(400, 'InvalidParameterValueException',
        `ReservedConcurrentExecutions ${reserved} should not be lower than function's total provisioned concurrency [${provisioned}].`);
    }
    fn.reservedConcurrency = reserved;
    return reserved;
  }

  getReservedConcurrency(functionName: string): number | undefined {
    return this.get({ functionName }).reservedConcurrency;
  }

  deleteReservedConcurrency(functionName: string): void {
    delete this.get({ functionName }).reservedConcurrency;
  }

  // ---- Provisioned concurrency -----------------------------------------------------------------------------

  /** PutProvisionedConcurrencyConfig: validates, stores and says what the data plane must (re)allocate. */
  putProvisioned(functionName: string, qualifier: string | undefined, requested: number): { record: ProvisionedRecord; changes: ProvisionedChange[] } {
    const fn = this.get({ functionName });
    const version = this.provisionableVersion(fn, qualifier);
    const q = qualifier as string;
    this.refuseSecondProvisioned(fn, version, q);
    const previous = fn.provisioned.get(q);
    if (fn.reservedConcurrency !== undefined && totalProvisioned(fn) - (previous?.requested ?? 0) + requested > fn.reservedConcurrency) {
      fail(400, 'InvalidParameterValueException',
        'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');
    }
    const record: ProvisionedRecord = { qualifier: q, requested, lastModified: lambdaTimestampSeconds(this.now()) };
    fn.provisioned.set(q, record);
    return { record, changes: [{ key: provisionedKey(fn.name, version), version, count: requested }] };
  }

  /** The stored config for a qualifier and the pool key its progress is read from. */
  getProvisioned(functionName: string, qualifier: string | undefined): { record: ProvisionedRecord; key: string } {
    const fn = this.get({ functionName });
    this.provisionableVersion(fn, qualifier);
    const record = fn.provisioned.get(qualifier as string);
    if (record === undefined) {
      fail(404, 'ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');
    }
    return { record, key: provisionedKey(fn.name, this.versionOf(fn, record.qualifier)) };
  }

  listProvisioned(functionName: string): Array<{ record: ProvisionedRecord; key: string }> {
    const fn = this.get({ functionName });
    return [...fn.provisioned.values()].map((record) => ({ record, key: provisionedKey(fn.name, this.versionOf(fn, record.qualifier)) }));
  }

  deleteProvisioned(functionName: string, qualifier: string | undefined): ProvisionedChange[] {
    const { record, key } = this.getProvisioned(functionName, qualifier);
    const fn = this.get({ functionName });
    fn.provisioned.delete(record.qualifier);
    const version = this.versionOf(fn, record.qualifier);
    return [{ key, version, count: 0 }];
  }

  /** The VersionConfig a provisioned change allocates environments of. */
  configForVersion(functionName: string, version: string): VersionConfig {
    return this.versionConfig(functionName, this.snapshot({ functionName, qualifier: version }));
  }

  /** Totals for GetAccountSettings. */
  accountUsage(): { functionCount: number; totalCodeSizeBytes: number } {
    let totalCodeSizeBytes = 0;
    for (const fn of this.functions.values()) totalCodeSizeBytes += fn.latest.codeSizeBytes * (1 + fn.versions.size);
    return { functionCount: this.functions.size, totalCodeSizeBytes };
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  private refuseWhileUpdating(fn: FunctionRecord): void {
    if (fn.lastUpdateStatus === 'InProgress') {
      fail(409, 'ResourceConflictException',
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn(fn.name)}`);
    }
  }

  private requireVersion(fn: FunctionRecord, version: string): void {
    if (version !== '$LATEST' && !fn.versions.has(version)) {
      fail(404, 'ResourceNotFoundException', `Function not found: ${this.arn(fn.name, version)}`);
    }
  }

  /** PC needs a published version or an alias (never `$LATEST`); returns the version it lands on. */
  private provisionableVersion(fn: FunctionRecord, qualifier: string | undefined): string {
    if (qualifier === undefined) {
      fail(400, 'InvalidParameterValueException', 'The function resource provided must be an alias or a published version.');
    }
    if (qualifier === '$LATEST') {
      fail(400, 'InvalidParameterValueException', 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    }
    const version = this.versionOf(fn, qualifier);
    if (!fn.versions.has(version)) fail(404, 'ResourceNotFoundException', `Function not found: ${this.arn(fn.name, qualifier)}`);
    return version;
  }

  /** The version a version-or-alias qualifier stands for (the qualifier itself when it is no alias). */
  private versionOf(fn: FunctionRecord, qualifier: string): string {
    return VERSION_NUMBER.test(qualifier) ? qualifier : (fn.aliases.get(qualifier)?.functionVersion ?? qualifier);
  }

  /** One PC config per version: another qualifier already provisioning `version` is a conflict. */
  private refuseSecondProvisioned(fn: FunctionRecord, version: string, qualifier: string): void {
    for (const other of fn.provisioned.values()) {
      if (other.qualifier !== qualifier && this.versionOf(fn, other.qualifier) === version) {
        fail(409, 'ResourceConflictException', "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
      }
    }
  }
}

/** Pool key of a version's provisioned environments (`name:version`), as model.ts defines it. */
export function provisionedKey(functionName: string, version: string): string {
  return `${functionName}:${version}`;
}

function totalProvisioned(fn: FunctionRecord): number {
  let sum = 0;
  for (const pc of fn.provisioned.values()) sum += pc.requested;
  return sum;
}

function sameCodeAndConfig(a: Snapshot, b: Snapshot): boolean {
  return a.codeSha256 === b.codeSha256 && a.runtime === b.runtime && a.handler === b.handler && a.memoryMb === b.memoryMb
    && a.timeoutS === b.timeoutS && JSON.stringify(sortedEntries(a.environment)) === JSON.stringify(sortedEntries(b.environment));
}

function sortedEntries(env: Record<string, string>): Array<[string, string]> {
  return Object.entries(env).sort(([x], [y]) => x.localeCompare(y));
}

/** Alias names: letters, digits, - and _, not purely numeric (that would be a version), not `$LATEST`. */
function checkAliasName(name: string): void {
  if (!/^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/.test(name) || name.length > 128) {
    fail(400, 'ValidationException',
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`);
  }
}

/**
 * CodeSha256/CodeSize from the folder's top-level files (sub-folders such as node_modules are left out to keep
 * registration fast); deterministic, so an unchanged folder publishes no new version.
 */
function hashCode(codeDir: string): { sha256: string; sizeBytes: number } {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  try {
    for (const name of readdirSync(codeDir).sort()) {
      const path = join(codeDir, name);
      const stat = statSync(path);
      if (!stat.isFile()) continue;
      const bytes = readFileSync(path);
      hash.update(name).update('\0').update(bytes);
      sizeBytes += bytes.length;
    }
  } catch {
    // A missing code folder is the data plane's failure to report at spawn time; hash what we have.
  }
  return { sha256: hash.digest('base64'), sizeBytes };
}
