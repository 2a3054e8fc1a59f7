/**
 * Platform log lines exactly as real Lambda writes them in Text format (lambda-protocol.md §2.1), the one
 * coldprobe line real Lambda never sends, and the bounded buffers the invocation log tail is cut from.
 */

/** Bytes of log returned in `X-Amz-Log-Result` (Lambda: the last 4 KB). */
export const LOG_TAIL_BYTES = 4096;

/** `START RequestId: <id> Version: <version>` */
export function startLine(requestId: string, version: string): string {
  return `START RequestId: ${requestId} Version: ${version}\n`;
}

/** `END RequestId: <id>` */
export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

/** coldprobe's own line (written right before END): which environment served the invocation. */
export function coldprobeLine(envId: string, envSeq: number, initType: string): string {
  return `COLDPROBE EnvId: ${envId}\tEnvSeq: ${envSeq}\tInitType: ${initType}\n`;
}

/** Fields of one REPORT line; durations in ms, memory in MB. */
export interface ReportFields {
  requestId: string;
  durationMs: number;
  /** Defaults to billedDurationMs(durationMs, initDurationMs). */
  billedDurationMs?: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Only on the first invocation of an on-demand environment. */
  initDurationMs?: number;
  status?: 'timeout' | 'error';
  /** With status `error`. */
  errorType?: string;
}

/** Billed Duration in whole ms: ceil(Duration + Init Duration), since Lambda bills on-demand INIT (2025-08-01). */
export function billedDurationMs(durationMs: number, initDurationMs?: number): number {
  return Math.max(1, Math.ceil(durationMs + (initDurationMs ?? 0)));
}

/** The REPORT line in Lambda's field order (Init Duration after Max Memory Used, Status last). */
export function reportLine(f: ReportFields): string {
  let line =
    `REPORT RequestId: ${f.requestId}\tDuration: ${f.durationMs.toFixed(2)} ms` +
    `\tBilled Duration: ${f.billedDurationMs ?? billedDurationMs(f.durationMs, f.initDurationMs)} ms` +
    `\tMemory Size: ${f.memorySizeMb} MB\tMax Memory Used: ${f.maxMemoryUsedMb} MB`;
  if (f.initDurationMs !== undefined) line += `\tInit Duration: ${f.initDurationMs.toFixed(2)} ms`;
  if (f.status === 'timeout') line += '\tStatus: timeout';
  else if (f.status === 'error') line += `\tStatus: error${f.errorType === undefined ? '' : `\tError Type: ${f.errorType}`}`;
  return `${line}\n`;
}

/** Fields of an INIT_REPORT line; duration in ms. */
export interface InitReportFields {
  initDurationMs: number;
  /** `init`, or `invoke` for an init retried inside the first invocation (suppressed init). */
  phase: 'init' | 'invoke';
  /** `success` only for a retried init that worked (its duration is in no REPORT line). */
  status: 'success' | 'timeout' | 'error';
  errorType?: string;
}

/** `INIT_REPORT Init Duration: … ms\tPhase: init|invoke\tStatus: success|timeout|error[\tError Type: …]` */
export function initReportLine(f: InitReportFields): string {
  let line = `INIT_REPORT Init Duration: ${f.initDurationMs.toFixed(2)} ms\tPhase: ${f.phase}\tStatus: ${f.status}`;
  if (f.status === 'error' && f.errorType !== undefined) line += `\tError Type: ${f.errorType}`;
  return `${line}\n`;
}

/** The platform's timeout line: `<ISO time> <id> Task timed out after 3.02 seconds` (measured elapsed seconds). */
export function timeoutLine(at: Date, requestId: string, elapsedS: number): string {
  return `${at.toISOString()} ${requestId} Task timed out after ${elapsedS.toFixed(2)} seconds\n`;
}

/** The platform's crash lines for a runtime that exited mid-invoke (`reason`: `exit status 1`, `signal: killed`). */
export function crashLines(requestId: string, reason: string, errorType = 'Runtime.ExitError'): string {
  return `RequestId: ${requestId} Error: Runtime exited with error: ${reason}\n${errorType}\n`;
}

/** The platform's lines for an init whose runtime reported an error through `/init/error` (Runtime.Unknown). */
export function unknownErrorLines(): string {
  return 'Unknown application error occurred\nRuntime.Unknown\n';
}

/** `exit status N` or `signal: SIGKILL`, as the platform words a runtime exit. */
export function exitReason(code: number | null, signal: string | null): string {
  return signal !== null ? `signal: ${signal}` : `exit status ${code ?? 0}`;
}

/** The last `maxBytes` of `head` followed by `last` (REPORT goes in `last`, so it always survives). */
export function logTail(head: Buffer, last: string, maxBytes: number = LOG_TAIL_BYTES): Buffer {
  const lastBytes = Buffer.from(last, 'utf8');
  if (lastBytes.length >= maxBytes) return lastBytes.subarray(lastBytes.length - maxBytes);
  const room = maxBytes - lastBytes.length;
  const kept = head.length > room ? head.subarray(head.length - room) : head;
  return Buffer.concat([kept, lastBytes]);
}

/**
 * Keeps the last `limit` bytes written to it, so a chatty function costs bounded memory per environment.
 * Chunks are kept as they come and trimmed only when the total exceeds twice the limit (amortised O(1)).
 */
export class BoundedLog {
  private chunks: Buffer[] = [];
  private total = 0;

  constructor(private readonly limit: number = LOG_TAIL_BYTES) {}

  /** Appends output. */
  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.chunks.push(buf);
    this.total += buf.length;
    if (this.total > this.limit * 2) {
      const all = this.bytes();
      this.chunks = [all];
      this.total = all.length;
    }
  }

  /** The last `limit` bytes written. */
  bytes(): Buffer {
    if (this.chunks.length === 0) return EMPTY;
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.total);
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }

  /** Number of bytes held (≤ 2 × limit). */
  get size(): number {
    return this.total;
  }

  clear(): void {
    this.chunks = [];
    this.total = 0;
  }
}

const EMPTY = Buffer.alloc(0);
