/**
 * Starts the invocations of a load when the schedule says they are due, whatever the responses do (the open
 * model of k6's arrival-rate executors and vegeta). A driver that has no free socket (`--max-in-flight`) refuses
 * a start; the invocation then waits in a first-in-first-out backlog and starts as soon as a socket frees, so it
 * is late (its schedule lag shows it) but never silently dropped. Only an abort leaves invocations unsent, and
 * they are counted.
 */
import { dueUs, type LoadSchedule } from '../core/load-schedule.js';

/** What the dispatcher drives. */
export interface OpenModelDriver {
  /** µs since the load's origin (the schedule's zero). */
  nowUs(): number;
  /** Start invocation `index`, due at `dueUs`; false when no socket is free (then it is retried later). */
  start(index: number, dueUs: number): boolean;
}

export interface OpenModelResult {
  started: number;
  /** Never started: the load was aborted first. */
  notSent: number;
  /** Started only after waiting in the backlog for a free socket. */
  startedFromBacklog: number;
}

/**
 * Only a due time closer than this is waited for by spinning on setImmediate (µs); anything further sleeps on a
 * millisecond timer, rounded up, so an invocation starts up to about 1 ms late. A wider spin window made the
 * pacer spin without pause at 1,000/s and above (the next due time is always that close): a whole core of
 * turns that bought nothing on a loaded machine, where the process was descheduled for longer than the spin,
 * and took the CPU that preparing the invocations needed (measured: a pacer alone at 1,000/s used 0.5 core
 * with a 1.5 ms window and 0.04 core with timers).
 */
const SPIN_WINDOW_US = 100;

export class OpenModelDispatcher {
  private next = 0;
  private started = 0;
  private fromBacklog = 0;
  private readonly backlog: number[] = [];
  private backlogHead = 0;
  private timer: { kind: 'timeout'; handle: NodeJS.Timeout } | { kind: 'immediate'; handle: NodeJS.Immediate } | undefined;
  private finish: ((result: OpenModelResult) => void) | undefined;
  private done = false;

  constructor(
    private readonly schedule: LoadSchedule,
    private readonly driver: OpenModelDriver,
    private readonly signal?: AbortSignal,
  ) {}

  /** Runs the schedule; resolves once every invocation started, or at once after an abort. */
  run(): Promise<OpenModelResult> {
    return new Promise((resolve) => {
      this.finish = resolve;
      if (this.signal?.aborted) return this.end();
      this.signal?.addEventListener('abort', () => this.end(), { once: true });
      this.tick();
    });
  }

  /** A socket freed up: start what waits in the backlog. Drivers call this whenever an invocation ends. */
  capacityFreed(): void {
    if (this.done || this.backlogHead === this.backlog.length) return;
    this.drainBacklog();
    if (this.next >= this.schedule.count && this.backlogHead === this.backlog.length) this.end();
  }

  private tick = (): void => {
    this.timer = undefined;
    if (this.done) return;
    this.drainBacklog();
    const now = this.driver.nowUs();
    while (this.next < this.schedule.count) {
      const due = dueUs(this.schedule, this.next);
      if (due > now) break;
      // Older invocations go first: a new one may not overtake the backlog.
      if (this.backlogHead < this.backlog.length || !this.driver.start(this.next, due)) this.backlog.push(this.next);
      else this.started++;
      this.next++;
    }
    if (this.next >= this.schedule.count) {
      // Everything is due; what waits for a socket starts from capacityFreed.
      if (this.backlogHead === this.backlog.length) this.end();
      return;
    }
    const waitUs = dueUs(this.schedule, this.next) - this.driver.nowUs();
    this.timer = waitUs > SPIN_WINDOW_US ? { kind: 'timeout', handle: setTimeout(this.tick, Math.ceil(waitUs / 1000)) } : { kind: 'immediate', handle: setImmediate(this.tick) };
  };

  private drainBacklog(): void {
    while (this.backlogHead < this.backlog.length) {
      const index = this.backlog[this.backlogHead] as number;
      if (!this.driver.start(index, dueUs(this.schedule, index))) return;
      this.backlogHead++;
      this.started++;
      this.fromBacklog++;
    }
    // Keep the queue's memory bounded during a long overload.
    if (this.backlogHead > 4096 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog.splice(0, this.backlogHead);
      this.backlogHead = 0;
    }
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    if (this.timer?.kind === 'timeout') clearTimeout(this.timer.handle);
    else if (this.timer?.kind === 'immediate') clearImmediate(this.timer.handle);
    this.finish?.({ started: this.started, notSent: this.schedule.count - this.started, startedFromBacklog: this.fromBacklog });
  }
}
