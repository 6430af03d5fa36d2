import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointPoller } from './checkpoint-poller.js';

/** The instants (fake ms since start) at which the poller woke its waiters. */
function pollerAt(options: { minDelayMs: number; maxDelayMs: number }): {
  poller: CheckpointPoller;
  wakes: number[];
} {
  const started = Date.now();
  const wakes: number[] = [];
  return { poller: new CheckpointPoller(() => wakes.push(Date.now() - started), options), wakes };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CheckpointPoller', () => {
  it('polls after a short delay that doubles up to the ceiling', () => {
    const { poller, wakes } = pollerAt({ minDelayMs: 10, maxDelayMs: 80 });
    poller.start();
    vi.advanceTimersByTime(400);
    expect(wakes).toEqual([10, 30, 70, 150, 230, 310, 390]);
    poller.stop();
  });

  it('is a plain tick when the delays are equal', () => {
    const { poller, wakes } = pollerAt({ minDelayMs: 500, maxDelayMs: 500 });
    poller.start();
    poller.hurry();
    vi.advanceTimersByTime(1_600);
    expect(wakes).toEqual([500, 1_000, 1_500]);
    poller.stop();
  });

  it('comes back to the short delay when hurried', () => {
    const { poller, wakes } = pollerAt({ minDelayMs: 10, maxDelayMs: 200 });
    poller.start();
    vi.advanceTimersByTime(160); // polls at 10, 30, 70, 150; the next is due at 310
    poller.hurry();
    vi.advanceTimersByTime(40);
    expect(wakes).toEqual([10, 30, 70, 150, 170, 190]);
    poller.stop();
  });

  it('stops polling when stopped, and a hurry then starts nothing', () => {
    const { poller, wakes } = pollerAt({ minDelayMs: 10, maxDelayMs: 20 });
    poller.start();
    vi.advanceTimersByTime(10);
    poller.stop();
    poller.hurry();
    vi.advanceTimersByTime(1_000);
    expect(wakes).toEqual([10]);
  });
});
