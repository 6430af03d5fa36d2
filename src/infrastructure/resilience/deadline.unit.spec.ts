import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, withDeadline } from './deadline.js';
import { ManualClock } from '../../../test/support/manual-clock.js';

describe('withDeadline', () => {
  it('returns the answer that comes in time and leaves no timer behind', async () => {
    const clock = new ManualClock(0);
    const answer = withDeadline(() => clock.sleep(99).then(() => 'done'), 100, clock);
    await clock.advance(99);
    await expect(answer).resolves.toBe('done');
    expect(clock.pendingSleeps).toBe(0);
  });

  it('fails with DeadlineExceededError when the time is up first', async () => {
    const clock = new ManualClock(0);
    const answer = withDeadline(() => clock.sleep(500).then(() => 'late'), 100, clock);
    const outcome = answer.catch((error: unknown) => error);
    await clock.advance(100);
    const error = await outcome;
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).timeoutMs).toBe(100);
    expect(clock.nowMs()).toBe(100);
  });

  it('passes the operation’s own failure on', async () => {
    const clock = new ManualClock(0);
    const failure = new Error('boom');
    await expect(withDeadline(() => Promise.reject(failure), 100, clock)).rejects.toBe(failure);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('catches an operation that throws before it returns a promise', async () => {
    const clock = new ManualClock(0);
    const failure = new Error('sync');
    const operation = (): Promise<never> => {
      throw failure;
    };
    await expect(withDeadline(operation, 100, clock)).rejects.toBe(failure);
    expect(clock.pendingSleeps).toBe(0);
  });
});
