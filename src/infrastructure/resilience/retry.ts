import { type BackoffPolicy, backoffDelayMs } from './backoff.js';
import { type Clock } from './clock.js';

export interface RetryOptions {
  /** Attempts in all (the first included) and the jittered exponential delays between them. */
  readonly backoff: BackoffPolicy;
  /** Only errors this accepts are tried again; any other is thrown at once. */
  readonly isRetryable: (error: unknown) => boolean;
  readonly clock: Clock;
  /** Source of the jitter; seeded in tests. */
  readonly random?: () => number;
  /** No attempt starts after this instant, and no wait runs past it. */
  readonly deadlineAtMs?: number;
}

/**
 * Runs `operation` until it succeeds, fails with an error that is not retryable, or
 * runs out of attempts or time; then throws the last error. The operation must be safe
 * to repeat: an attempt that failed may still have had its effect.
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { backoff, isRetryable, clock, random = Math.random } = options;
  const deadlineAtMs = options.deadlineAtMs ?? Number.POSITIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt >= backoff.maxAttempts) throw error;
      const delayMs = backoffDelayMs(backoff, attempt, random);
      // Waking at the deadline only to give up would just add latency: give up now.
      if (clock.nowMs() + delayMs >= deadlineAtMs) throw error;
      await clock.sleep(delayMs);
    }
  }
}
