import { type Clock } from './clock.js';

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
  }
}

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
    settled.abort();
  }
}
