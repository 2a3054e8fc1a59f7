/**
 * Cold/warm for HTTP traffic: an HTTP response carries no log tail, so its classification comes from the
 * function's REPORT records read from CloudWatch Logs afterwards, joined by Lambda request id. Pure.
 *
 * The join reads REPORT records only, so it classifies with the REPORT and the HTTP client's own latency, by
 * the rule of core/classify.ts: cold (Init Duration the client waited for), pre-initialized (an Init Duration
 * longer than the whole HTTP latency), warm. It cannot see a suppressed init: that INIT_REPORT is a separate
 * log event without a request id, so such an invocation (its REPORT has no Init Duration) counts warm here,
 * where a burst's log tail would count it cold. A REPORT always names the request it belongs to, so the
 * join by request id is also the request-id match a burst makes.
 */
import { classify } from './classify.js';
import { parseReportLine } from '../lambda/report.js';
import type { InvocationRecord, ReportFields } from './types.js';

/** How a join went, for the summary's note. */
export interface JoinStats {
  /** Records that reached the function (not throttled, not failed in transport) and carry a request id. */
  expected: number;
  joined: number;
  /** Expected records whose REPORT was not found. */
  missing: number;
  /** Records that reached the function but whose response named no request id (cannot be joined). */
  withoutRequestId: number;
}

/** REPORT fields by request id, from CloudWatch log event messages (text `REPORT …` or JSON `platform.report`). */
export function reportsByRequestId(messages: Iterable<string>): Map<string, ReportFields> {
  const out = new Map<string, ReportFields>();
  for (const message of messages) {
    const fields = parseReportLine(message);
    if (fields?.requestId !== undefined) out.set(fields.requestId, fields);
  }
  return out;
}

/** Whether a record stands for an invocation that ran (so a REPORT exists for it somewhere). */
export function reachedFunction(record: InvocationRecord): boolean {
  return record.outcome !== 'throttled' && record.outcome !== 'transport-error' && record.statusCode !== undefined;
}

/** Sets `report` and `classification` on every record whose request id has a REPORT; returns the counts. */
export function joinReports(records: InvocationRecord[], reports: ReadonlyMap<string, ReportFields>): JoinStats {
  const stats: JoinStats = { expected: 0, joined: 0, missing: 0, withoutRequestId: 0 };
  for (const record of records) {
    if (!reachedFunction(record)) continue;
    if (record.requestId === undefined) {
      stats.withoutRequestId++;
      continue;
    }
    stats.expected++;
    const report = reports.get(record.requestId);
    if (report === undefined) {
      stats.missing++;
      continue;
    }
    record.report = report;
    record.classification = classify(report, false, record.latencyUs);
    stats.joined++;
  }
  return stats;
}
