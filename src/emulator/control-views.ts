/**
 * Wire shapes of the control-plane responses (lambda-protocol.md §4.2): registry records in, Lambda's JSON
 * members out. Pure.
 */
import type { ProvisionedProgress } from './model.js';
import type { AliasRecord, ProvisionedRecord, Snapshot } from './registry-types.js';

/** Lambda's FunctionConfiguration for a snapshot; `functionArn` is already qualified as the caller should see it. */
export function functionConfigurationView(
  functionName: string,
  functionArn: string,
  snap: Snapshot,
  lastUpdateStatus: 'Successful' | 'InProgress' | 'Failed',
  accountId: string,
  extra: { state?: 'Pending' | 'Active'; environmentUnreadable?: boolean } = {},
): Record<string, unknown> {
  return {
    FunctionName: functionName,
    FunctionArn: functionArn,
    Runtime: snap.runtime,
    Role: `arn:aws:iam::${accountId}:role/coldprobe-emulator`,
    Handler: snap.handler,
    CodeSize: snap.codeSizeBytes,
    Description: snap.description,
    Timeout: snap.timeoutS,
    MemorySize: snap.memoryMb,
    LastModified: snap.lastModified,
    CodeSha256: snap.codeSha256,
    Version: snap.version,
    Environment: extra.environmentUnreadable
      ? { Error: { ErrorCode: 'KMSAccessDeniedException', Message: 'Lambda was unable to decrypt the environment variables because KMS access was denied.' } }
      : { Variables: { ...snap.environment } },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: snap.revisionId,
    State: extra.state ?? 'Active',
    ...(extra.state === 'Pending' ? { StateReason: 'The function is being created.', StateReasonCode: 'Creating' } : {}),
    LastUpdateStatus: lastUpdateStatus,
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: {
      LogFormat: snap.logFormat ?? 'Text',
      LogGroup: `/aws/lambda/${functionName}`,
      // Log levels exist only with the JSON format; Lambda's defaults there are INFO.
      ...(snap.logFormat === 'JSON' ? { ApplicationLogLevel: 'INFO', SystemLogLevel: snap.systemLogLevel ?? 'INFO' } : {}),
    },
    ...(snap.layers !== undefined && snap.layers.length > 0 ? { Layers: snap.layers.map((Arn) => ({ Arn, CodeSize: 0 })) } : {}),
    ...(snap.capacityProviderArn === undefined
      ? {}
      : { CapacityProviderConfig: { LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: snap.capacityProviderArn } } }),
  };
}

/** Lambda's AliasConfiguration. */
export function aliasView(aliasArn: string, alias: AliasRecord): Record<string, unknown> {
  return {
    AliasArn: aliasArn,
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    Description: alias.description,
    ...(alias.routingConfig === undefined ? {} : { RoutingConfig: alias.routingConfig }),
    RevisionId: alias.revisionId,
  };
}

/** Status of a provisioned-concurrency config from the pool's progress: FAILED, READY or IN_PROGRESS. */
export function provisionedView(record: ProvisionedRecord, progress: ProvisionedProgress | undefined): Record<string, unknown> {
  const allocated = Math.min(progress?.allocated ?? 0, record.requested);
  const available = Math.min(progress?.available ?? 0, allocated);
  const status = progress?.failureReason !== undefined ? 'FAILED' : allocated >= record.requested ? 'READY' : 'IN_PROGRESS';
  return {
    RequestedProvisionedConcurrentExecutions: record.requested,
    AvailableProvisionedConcurrentExecutions: available,
    AllocatedProvisionedConcurrentExecutions: allocated,
    Status: status,
    ...(progress?.failureReason === undefined ? {} : { StatusReason: progress.failureReason }),
    LastModified: record.lastModified,
  };
}
