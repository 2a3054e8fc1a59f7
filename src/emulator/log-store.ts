/**
 * The emulator's CloudWatch Logs: per function the log group `/aws/lambda/<name>`, one stream per execution
 * environment (`YYYY/MM/DD/[<version>]<envId>`, Lambda's naming), one event per log line. It holds the lines the
 * emulator already writes for an invocation's log tail (START, function output, END, REPORT), so a reader of the
 * logs sees the same REPORT records as a caller of `LogType: Tail`. Memory is bounded per group.
 */

/** One log event as CloudWatch Logs stores it. */
export interface LogEvent {
  logStreamName: string;
  /** ms since the epoch. */
  timestamp: number;
  ingestionTime: number;
  message: string;
  eventId: string;
}

/** Events kept per log group; older ones are dropped first (a long load must not grow the emulator without end). */
export const MAX_EVENTS_PER_GROUP = 200_000;

/** Lambda's log group for a function. */
export function logGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** Lambda's log stream name for an environment: `2024/01/31/[$LATEST]<id>`. */
export function logStreamName(at: Date, version: string, envId: string): string {
  const d = at.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${d}/[${version}]${envId.replaceAll(/[^A-Za-z0-9]/g, '')}`;
}

/** Log groups held in memory, in the order their events were written. */
export class LogStore {
  private readonly groups = new Map<string, LogEvent[]>();
  private seq = 0;

  constructor(private readonly maxEventsPerGroup: number = MAX_EVENTS_PER_GROUP) {}

  /** Appends each line of `text` (a log tail) to the function's group, in the environment's stream. */
  append(functionName: string, stream: string, text: string, now: number = Date.now()): void {
    const group = logGroupName(functionName);
    let events = this.groups.get(group);
    if (events === undefined) {
      events = [];
      this.groups.set(group, events);
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      events.push({ logStreamName: stream, timestamp: now, ingestionTime: now, message: `${line}\n`, eventId: String(++this.seq).padStart(20, '0') });
    }
    if (events.length > this.maxEventsPerGroup) events.splice(0, events.length - this.maxEventsPerGroup);
  }

  /** Events of a group in write order, or undefined when the group does not exist. */
  events(group: string): readonly LogEvent[] | undefined {
    return this.groups.get(group);
  }
}
