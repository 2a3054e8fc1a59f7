/**
 * The registry's own records: one function with its `$LATEST` configuration, published versions, aliases and
 * concurrency settings. Internal to the control plane; the data plane only sees `VersionConfig`s.
 */
import type { FunctionDefinition } from './api.js';
import { serviceError, type ServiceError } from './lambda-errors.js';

/** One configuration snapshot: `$LATEST` (shown or applied) or an immutable published version. */
export interface Snapshot extends Omit<FunctionDefinition, 'name'> {
  /** `$LATEST` or a version number as a string. */
  version: string;
  /** $LATEST generation this snapshot was taken at (see VersionConfig.generation). */
  generation: number;
  revisionId: string;
  /** Lambda string timestamp of the last change. */
  lastModified: string;
  codeSha256: string;
  codeSizeBytes: number;
}

export interface AliasRecord {
  name: string;
  functionVersion: string;
  description: string;
  /** Stored and returned; weighted routing is not applied by the emulator (the primary version always runs). */
  routingConfig?: { AdditionalVersionWeights: Record<string, number> };
  revisionId: string;
}

export interface ProvisionedRecord {
  /** The qualifier the config was put on (a version number or an alias name). */
  qualifier: string;
  requested: number;
  lastModified: string;
}

export interface FunctionRecord {
  name: string;
  /** What GetFunctionConfiguration shows: the newest requested configuration. */
  latest: Snapshot;
  /** What invokes run: equals `latest` once an update is applied (invokes keep the old config while InProgress). */
  applied: Snapshot;
  lastUpdateStatus: 'Successful' | 'InProgress' | 'Failed';
  versions: Map<string, Snapshot>;
  lastVersionNumber: number;
  aliases: Map<string, AliasRecord>;
  reservedConcurrency?: number;
  provisioned: Map<string, ProvisionedRecord>;
}

/** A control-plane failure carrying the Lambda-shaped error it becomes on the wire. */
export class LambdaApiError extends Error {
  constructor(readonly serviceError: ServiceError) {
    super(serviceError.message);
    this.name = serviceError.type;
  }
}

/** Throw a Lambda-shaped error. */
export function fail(status: number, type: string, message: string): never {
  throw new LambdaApiError(serviceError(status, type, message));
}

/** A change the data plane must apply: bring the provisioned pool `key` (`name:version`) to `count`. */
export interface ProvisionedChange {
  key: string;
  version: string;
  count: number;
}
