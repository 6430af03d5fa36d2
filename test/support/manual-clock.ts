import { type Clock } from '../../src/infrastructure/resilience/clock.js';

interface PendingSleep {
  readonly dueMs: number;
  readonly wake: () => void;
}

/** Lets every continuation queued so far run (and any they queue in turn). */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that moves only when told to: deterministic tests of timeouts, backoff and
 * simulated latency without real timers.
 */
export class ManualClock implements Clock {
  private currentMs: number;
  /** In the order the sleeps began: of those due together, the first to begin wakes first. */
  private pending: PendingSleep[] = [];

  constructor(startMs = Date.parse('2024-01-01T00:00:00.000Z')) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    if (delayMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const entry: PendingSleep = {
        dueMs: this.currentMs + delayMs,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.pending = this.pending.filter((other) => other !== entry);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.push(entry);
    });
  }

  /** Sleeps not yet woken: a test's check that nothing was left waiting. */
  get pendingSleeps(): number {
    return this.pending.length;
  }

  /**
   * Moves time forward by `ms`, waking due sleeps one at a time in time order and letting
   * what each one started run before the next, so sleeps begun on the way are honoured.
   */
  async advance(ms: number): Promise<void> {
    const targetMs = this.currentMs + ms;
    await settle();
    for (;;) {
      const next = this.earliestDueBy(targetMs);
      if (next === undefined) break;
      this.pending = this.pending.filter((other) => other !== next);
      this.currentMs = next.dueMs;
      next.wake();
      await settle();
    }
    this.currentMs = targetMs;
    await settle();
  }

  private earliestDueBy(targetMs: number): PendingSleep | undefined {
    let earliest: PendingSleep | undefined;
    for (const entry of this.pending) {
      if (entry.dueMs <= targetMs && (earliest === undefined || entry.dueMs < earliest.dueMs)) {
        earliest = entry;
      }
    }
    return earliest;
  }
}
