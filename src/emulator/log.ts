/**
 * The bounded buffers the invocation log tail is cut from. The lines themselves (START, END, REPORT, …) are
 * Lambda's vocabulary: src/lambda/report.ts.
 */
import { LOG_TAIL_BYTES } from '../lambda/limits.js';

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
