/**
 * Reads a function's REPORT records from CloudWatch Logs (`/aws/lambda/<name>`, FilterLogEvents over the run's
 * time window) until every wanted request id is in or the timeout passes. Lambda delivers logs to CloudWatch
 * asynchronously, typically seconds after the invocation, so one read right after a run finds only part.
 */
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { reportsByRequestId } from '../core/log-join.js';
import type { ReportFields } from '../core/types.js';

/** Matches both log formats' REPORT events (text `REPORT RequestId: …`, JSON `"type":"platform.report"`). */
export const REPORT_FILTER_PATTERN = '?"REPORT RequestId" ?"platform.report"';

export interface ReadReportsOptions {
  client: CloudWatchLogsClient;
  functionName: string;
  /** The run's window, ms since the epoch (widened by a minute each side for clock skew). */
  startTimeMs: number;
  endTimeMs: number;
  /** Request ids to find. */
  wanted: ReadonlySet<string>;
  /** Give up after this long, ms. */
  timeoutMs: number;
  /** Between polls, ms. */
  pollMs: number;
  signal?: AbortSignal;
}

export type ReadReportsResult =
  | { ok: true; reports: Map<string, ReportFields>; missing: number; polls: number }
  /** No log access (no group, access denied, no credentials): latency only, and why. */
  | { ok: false; reason: string };

/** Polls FilterLogEvents until every wanted REPORT is found or `timeoutMs` passes. */
export async function readReports(options: ReadReportsOptions): Promise<ReadReportsResult> {
  const group = `/aws/lambda/${options.functionName}`;
  const reports = new Map<string, ReportFields>();
  const deadline = Date.now() + options.timeoutMs;
  let polls = 0;
  for (;;) {
    polls++;
    try {
      let nextToken: string | undefined;
      do {
        const page = await options.client.send(
          new FilterLogEventsCommand({
            logGroupName: group,
            startTime: options.startTimeMs - 60_000,
            endTime: options.endTimeMs + 60_000,
            filterPattern: REPORT_FILTER_PATTERN,
            nextToken,
          }),
          { abortSignal: options.signal },
        );
        for (const [id, fields] of reportsByRequestId((page.events ?? []).map((e) => e.message ?? ''))) reports.set(id, fields);
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
    } catch (error) {
      return { ok: false, reason: noAccessReason(error, group) };
    }
    let missing = 0;
    for (const id of options.wanted) if (!reports.has(id)) missing++;
    if (missing === 0 || Date.now() + options.pollMs > deadline || options.signal?.aborted) return { ok: true, reports, missing, polls };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

function noAccessReason(error: unknown, group: string): string {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') return `the log group ${group} does not exist`;
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') return `reading ${group} was refused (${name}: needs logs:FilterLogEvents)`;
  if (name === 'CredentialsProviderError') return `no AWS credentials to read ${group}`;
  return `reading ${group} failed (${name}: ${message})`;
}
