import { type Clock } from './clock.js';

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
  }
}

/**
 * Why a deadline's timer is cut short once the operation settled: a plain value, since an
 * abort without a reason builds a DOMException (its stack captured) every time.
 */
const SETTLED = 'settled';

/**
 * The operation's result, or DeadlineExceededError once `timeoutMs` passed first. The
 * operation itself is not stopped (a promise cannot be): its late result is dropped, so
 * callers must treat a timed-out write as possibly done.
 */
export async function withDeadline<T>(
  operation: () => Promise<T>,
  timeoutMs: number,
  clock: Clock,
): Promise<T> {
  const settled = new AbortController();
  const expired = new Promise<never>((_, reject) => {
    void clock.sleep(timeoutMs, settled.signal).then(() => {
      if (!settled.signal.aborted) reject(new DeadlineExceededError(timeoutMs));
    });
  });
  try {
    return await Promise.race([operation(), expired]);
  } finally {
    // Frees the timer: a finished call leaves nothing pending behind it.
    settled.abort(SETTLED);
  }
}
