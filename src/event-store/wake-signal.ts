/**
 * A level-triggered wake-up: waiters compare the generation they saw before reading
 * with the current one, so a wake that lands between a read and the wait is not lost.
 */
export class WakeSignal {
  private generation = 0;
  private waiters = new Set<() => void>();

  get current(): number {
    return this.generation;
  }

  wake(): void {
    this.generation++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const resolve of waiters) resolve();
  }

  /** Resolves when woken after `seenGeneration`, after `timeoutMs`, or when `abort` fires. */
  wait(seenGeneration: number, timeoutMs: number, abort?: AbortSignal): Promise<void> {
    if (this.generation !== seenGeneration || abort?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        abort?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      abort?.addEventListener('abort', done, { once: true });
    });
  }
}
