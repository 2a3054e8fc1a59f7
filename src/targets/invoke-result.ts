/**
 * Turns what the SDK returned (or threw) for one Invoke, plus what the transport saw, into a
 * RawInvocationResult. The SDK did the deserialising, so service errors arrive as its own exception classes.
 */
import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { TransportFacts } from './gated-handler.js';
import type { RawInvocationResult } from './target.js';

/** Build the raw result of an invocation whose SDK call resolved. */
export function fromOutput(output: InvokeCommandOutput, facts: TransportFacts): RawInvocationResult {
  const result = base(facts);
  result.statusCode = output.StatusCode ?? facts.statusCode;
  if (output.$metadata.requestId) result.requestId = output.$metadata.requestId;
  if (output.ExecutedVersion) result.executedVersion = output.ExecutedVersion;
  if (output.LogResult) result.logTail = Buffer.from(output.LogResult, 'base64').toString('utf8');
  if (output.FunctionError) {
    result.functionError = output.FunctionError;
    // Only error documents are kept: payloads of successful invocations can be megabytes.
    if (output.Payload) result.errorPayload = Buffer.from(output.Payload).toString('utf8');
  }
  return result;
}

/** Build the raw result of an invocation whose SDK call threw. */
export function fromError(error: unknown, facts: TransportFacts): RawInvocationResult {
  const result = base(facts);
  if (facts.clientTimeout) {
    result.clientTimeout = true;
    return result;
  }
  if (facts.transportError) {
    result.transportError = facts.transportError;
    return result;
  }
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown; requestId?: unknown }; Reason?: unknown };
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') {
    // A response arrived and the SDK turned it into a modeled (or generic) service exception.
    result.statusCode = status;
    result.serviceErrorName = typeof e.name === 'string' ? e.name : 'Unknown';
    if (typeof e.Reason === 'string') result.throttleReason = e.Reason;
    if (typeof e.$metadata?.requestId === 'string') result.requestId = e.$metadata.requestId;
    return result;
  }
  result.transportError = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  return result;
}

function base(facts: TransportFacts): RawInvocationResult {
  const sentAt = facts.sentAt ?? facts.finishedAt ?? 0;
  const result: RawInvocationResult = { sentAt, finishedAt: facts.finishedAt ?? sentAt };
  if (facts.statusCode !== undefined) result.statusCode = facts.statusCode;
  if (facts.env) result.env = facts.env;
  if (facts.envTimes) result.envTimes = facts.envTimes;
  return result;
}
