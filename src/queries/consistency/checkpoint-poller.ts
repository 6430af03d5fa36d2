export interface CheckpointPollerOptions {
  /** Delay before the first poll, and after a hurry(). */
  readonly minDelayMs: number;
  /** Each poll doubles the delay up to this. Equal to minDelayMs: a plain tick. */
  readonly maxDelayMs: number;
}

/**
 * Wakes the consistency waiters to re-read the checkpoints while anybody waits: after a
 * short first delay that doubles up to a ceiling, so that a replica a few milliseconds
 * behind is caught soon, and one that stays behind (replay paused, a long conflict) costs
 * a few reads a second, shared by all the waiters.
 */
export class CheckpointPoller {
  private timer: NodeJS.Timeout | undefined;
  private dueAtMs = 0;
  private delayMs: number;

  constructor(
    private readonly wake: () => void,
    private readonly options: CheckpointPollerOptions,
  ) {
    this.delayMs = options.minDelayMs;
  }

  /** Starts polling, the first poll after minDelayMs; a no-op while polling. */
  start(): void {
    if (this.timer !== undefined) return;
    this.delayMs = this.options.minDelayMs;
    this.schedule();
  }

  /**
   * Something is likely to move soon (a new waiter, a batch committed on the primary that
   * the replica is about to replay): the next poll comes after minDelayMs at the latest.
   */
  hurry(): void {
    if (this.timer === undefined) return;
    this.delayMs = this.options.minDelayMs;
    if (this.dueAtMs - Date.now() > this.delayMs) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const delayMs = this.delayMs;
    this.dueAtMs = Date.now() + delayMs;
    this.timer = setTimeout(() => {
      this.delayMs = Math.min(delayMs * 2, this.options.maxDelayMs);
      this.schedule();
      this.wake();
    }, delayMs);
    this.timer.unref();
  }
}
