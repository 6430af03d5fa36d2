import { describe, expect, it } from 'vitest';
import { restAfterPageMs } from './shadow-bulk-load.js';

describe("a rebuild's rest after each page", () => {
  it.each([
    [120, 0, 0],
    [120, 1, 120],
    [120, 0.5, 60],
    [120, 3, 360],
    // A page that took long (a busy server) does not stall the load for longer than a second.
    [4_000, 1, 1_000],
  ])('after a page of %i ms at pace %f: %i ms', (pageMs, pace, restMs) => {
    expect(restAfterPageMs(pageMs, pace)).toBe(restMs);
  });
});
