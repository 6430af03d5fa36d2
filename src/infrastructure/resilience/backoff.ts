import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Exponential backoff with full jitter: retries spread out instead of arriving in step. */
export function backoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(random() * ceiling);
}

/** Waits, unless aborted (then it returns early without throwing). */
export async function pause(delayMs: number, signal?: AbortSignal): Promise<void> {
  // An abort is the only way a timer's sleep rejects, and it means "stop waiting": the
  // caller looks at its signal next, so there is nothing to report.
  await sleep(delayMs, undefined, { signal }).catch(() => undefined);
}
