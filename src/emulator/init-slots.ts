/**
 * A counting semaphore for environment initialisation: at most `limit` runtimes start at once, so each Init
 * Duration is the environment's own and the queueing shows in the caller's latency instead (FIFO, no timers).
 */
export class InitSlots {
  private inUse = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  /** Resolves once a slot is held; pair every acquire with one release. */
  acquire(): Promise<void> {
    if (this.inUse < this.limit) {
      this.inUse += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives a slot back (to the longest waiter, if any). */
  release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.inUse = Math.max(0, this.inUse - 1);
  }

  /** Slots held now. */
  get held(): number {
    return this.inUse;
  }

  /** Starts waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
