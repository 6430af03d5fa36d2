import { describe, expect, it } from 'vitest';
import { type Position } from '../../../event-store/position.js';
import {
  HELD_BACK_FIRST_RECHECK_MS,
  HELD_BACK_MAX_RECHECK_MS,
  HeldBackRechecks,
} from './held-back-rechecks.js';

const at = (commit: number, prepare = 0): Position => ({
  commit: BigInt(commit),
  prepare: BigInt(prepare),
});

describe('held-back rechecks', () => {
  it('doubles the wait while the same position stays held, up to the cap', () => {
    const rechecks = new HeldBackRechecks();
    const delays = Array.from({ length: 8 }, () => rechecks.held(at(7)));
    expect(delays).toEqual([2, 4, 8, 16, 32, 50, 50, 50]);
    expect(HELD_BACK_MAX_RECHECK_MS).toBe(50);
  });

  // Regression: the wait grew across positions, so under a steady stream of appends a
  // follower that read on between held looks soon slept the full cap on every one.
  it('starts again from the first delay once the reader has moved on', () => {
    const rechecks = new HeldBackRechecks();
    for (let commit = 1; commit <= 10; commit++) {
      expect(rechecks.held(at(commit))).toBe(HELD_BACK_FIRST_RECHECK_MS);
    }
  });

  it('keeps each follower its own wait, and forgets a released position', () => {
    const rechecks = new HeldBackRechecks();
    rechecks.held(at(1));
    rechecks.held(at(1));
    expect(rechecks.held(at(2))).toBe(2);
    expect(rechecks.held(at(1))).toBe(8);
    rechecks.released(at(1));
    expect(rechecks.held(at(1))).toBe(2);
  });

  it('remembers a bounded number of positions, dropping the least recently held', () => {
    const rechecks = new HeldBackRechecks();
    rechecks.held(at(0));
    for (let commit = 1; commit <= 40; commit++) rechecks.held(at(commit));
    expect(rechecks.held(at(40))).toBe(4);
    expect(rechecks.held(at(0))).toBe(2);
  });
});
