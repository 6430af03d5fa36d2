import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('starts where it is told and moves only when advanced', async () => {
    const clock = new ManualClock(1_000);
    expect(clock.nowMs()).toBe(1_000);
    await clock.advance(250);
    expect(clock.nowMs()).toBe(1_250);
  });

  it('wakes sleeps in time order, sleeps due together in the order they began', async () => {
    const clock = new ManualClock(0);
    const woken: string[] = [];
    const sleepAs = (name: string, ms: number): void => {
      void clock.sleep(ms).then(() => woken.push(`${name}@${clock.nowMs()}`));
    };
    sleepAs('c', 30);
    sleepAs('a', 10);
    sleepAs('b1', 20);
    sleepAs('b2', 20);
    await clock.advance(25);
    expect(woken).toEqual(['a@10', 'b1@20', 'b2@20']);
    expect(clock.pendingSleeps).toBe(1);
    await clock.advance(5);
    expect(woken).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
  });

  it('wakes, in the same advance, a sleep begun by a woken one when it falls due in time', async () => {
    const clock = new ManualClock(0);
    const woken: number[] = [];
    void clock
      .sleep(10)
      .then(() => clock.sleep(10))
      .then(() => woken.push(clock.nowMs()));
    await clock.advance(20);
    expect(woken).toEqual([20]);
  });

  it('lets an aborted sleep go at once and forgets it', async () => {
    const clock = new ManualClock(0);
    const abort = new AbortController();
    let done = false;
    const sleeping = clock.sleep(1_000, abort.signal).then(() => (done = true));
    expect(clock.pendingSleeps).toBe(1);
    abort.abort();
    await sleeping;
    expect(done).toBe(true);
    expect(clock.nowMs()).toBe(0);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('does not wait for a sleep of zero or an already aborted signal', async () => {
    const clock = new ManualClock(0);
    await clock.sleep(0);
    await clock.sleep(-5);
    await clock.sleep(10, AbortSignal.abort());
    expect(clock.pendingSleeps).toBe(0);
  });
});
