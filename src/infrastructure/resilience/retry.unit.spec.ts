import { describe, expect, it } from 'vitest';
import { type BackoffPolicy } from './backoff.js';
import { type Clock } from './clock.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { retry } from './retry.js';

class Transient extends Error {}
class Permanent extends Error {}

const POLICY: BackoffPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
const isRetryable = (error: unknown): boolean => error instanceof Transient;

/** A clock that records every wait and lets it pass at once. */
function recordingClock(): { clock: Clock; waits: number[] } {
  let nowMs = 0;
  const waits: number[] = [];
  const clock: Clock = {
    nowMs: () => nowMs,
    sleep: async (delayMs) => {
      waits.push(delayMs);
      nowMs += delayMs;
    },
  };
  return { clock, waits };
}

/** Fails with `error` for the first `failures` attempts, then answers the attempt number. */
function failing(failures: number, error: () => Error = () => new Transient()) {
  const attempts: number[] = [];
  const operation = async (attempt: number): Promise<number> => {
    attempts.push(attempt);
    if (attempts.length <= failures) throw error();
    return attempt;
  };
  return { operation, attempts };
}

describe('retry', () => {
  it('answers at once when the first attempt succeeds', async () => {
    const { clock, waits } = recordingClock();
    const { operation, attempts } = failing(0);
    await expect(retry(operation, { backoff: POLICY, isRetryable, clock })).resolves.toBe(1);
    expect(attempts).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it('tries again after retryable failures and answers with the first success', async () => {
    const { clock, waits } = recordingClock();
    const { operation, attempts } = failing(2);
    const answer = retry(operation, { backoff: POLICY, isRetryable, clock, random: () => 0.5 });
    await expect(answer).resolves.toBe(3);
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toEqual([50, 100]);
  });

  it('makes at most maxAttempts attempts, then throws the last error', async () => {
    const { clock, waits } = recordingClock();
    let count = 0;
    const { operation, attempts } = failing(99, () => new Transient(`failure ${++count}`));
    const answer = retry(operation, { backoff: POLICY, isRetryable, clock });
    await expect(answer).rejects.toThrow('failure 5');
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect(waits).toHaveLength(4);
  });

  it('does not retry an error that is not retryable', async () => {
    const { clock, waits } = recordingClock();
    const { operation, attempts } = failing(99, () => new Permanent('refused'));
    const answer = retry(operation, { backoff: POLICY, isRetryable, clock });
    await expect(answer).rejects.toBeInstanceOf(Permanent);
    expect(attempts).toEqual([1]);
    expect(waits).toEqual([]);
  });

  it('waits at most the exponential ceiling, capped at maxDelayMs (full jitter at its top)', async () => {
    const { clock, waits } = recordingClock();
    const policy: BackoffPolicy = { maxAttempts: 7, baseDelayMs: 100, maxDelayMs: 1_000 };
    const { operation } = failing(99);
    await expect(
      retry(operation, { backoff: policy, isRetryable, clock, random: () => 0.999_999 }),
    ).rejects.toBeInstanceOf(Transient);
    expect(waits).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('keeps every jittered wait between 0 and its ceiling', async () => {
    const ceilings = [100, 200, 400, 800, 1_000, 1_000];
    let seed = 7;
    // A small LCG: many different jitter draws, the same on every run.
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const seen = new Set<number>();
    for (let run = 0; run < 200; run++) {
      const { clock, waits } = recordingClock();
      const policy: BackoffPolicy = { maxAttempts: 7, baseDelayMs: 100, maxDelayMs: 1_000 };
      await retry(failing(99).operation, { backoff: policy, isRetryable, clock, random }).catch(
        () => undefined,
      );
      waits.forEach((waitMs, index) => {
        expect(waitMs).toBeGreaterThanOrEqual(0);
        expect(waitMs).toBeLessThanOrEqual(ceilings[index]!);
        seen.add(waitMs);
      });
    }
    // Jittered, not fixed: the waits spread over the range.
    expect(seen.size).toBeGreaterThan(50);
  });

  it('gives up instead of waiting past the deadline, and starts no attempt after it', async () => {
    const { clock, waits } = recordingClock();
    const { operation, attempts } = failing(99);
    const answer = retry(operation, {
      backoff: POLICY,
      isRetryable,
      clock,
      random: () => 0.999_999,
      deadlineAtMs: 350,
    });
    await expect(answer).rejects.toBeInstanceOf(Transient);
    // Waits of 100 and 200 fit before 350; the next (400) would not.
    expect(waits).toEqual([100, 200]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.nowMs()).toBeLessThan(350);
  });

  it('waits on the clock it is given', async () => {
    const clock = new ManualClock(0);
    const { operation, attempts } = failing(1);
    const answer = retry(operation, { backoff: POLICY, isRetryable, clock, random: () => 0.5 });
    await clock.advance(49);
    expect(attempts).toEqual([1]);
    await clock.advance(1);
    await expect(answer).resolves.toBe(2);
  });
});
