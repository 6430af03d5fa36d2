import { type Position, encodePosition } from '../../../event-store/position.js';

/**
 * How soon a reader held back by an older append looks again: soon at first (an append
 * is over in milliseconds), then less often while the horizon stays held at the same
 * position (a stuck writer), so a held horizon costs each follower at most
 * 1000 / HELD_BACK_MAX_RECHECK_MS looks a second. The wait grows per position: a reader
 * that moved on since its last held look starts again from the first delay. (It used to
 * grow across positions: under a steady stream of appends, where some append is nearly
 * always in flight, every follower soon slept the full 50 ms on each held look, and that
 * sleep was most of the read side's p99 lag.)
 */
export const HELD_BACK_FIRST_RECHECK_MS = 2;
export const HELD_BACK_MAX_RECHECK_MS = 50;
/** Positions remembered at once: one per follower of this store is plenty. */
const MAX_POSITIONS = 32;

export function nextHeldBackDelay(delayMs: number): number {
  return Math.min(delayMs * 2, HELD_BACK_MAX_RECHECK_MS);
}

/** The held-back delays of the followers that share one store, keyed by their position. */
export class HeldBackRechecks {
  private readonly delays = new Map<string, number>();

  /** The delay before the next look past `after`, which a look just found held back. */
  held(after: Position): number {
    const key = encodePosition(after);
    const delayMs = this.delays.get(key) ?? HELD_BACK_FIRST_RECHECK_MS;
    this.delays.delete(key);
    if (this.delays.size >= MAX_POSITIONS) {
      // The least recently held position: its follower has moved on.
      this.delays.delete(this.delays.keys().next().value!);
    }
    this.delays.set(key, nextHeldBackDelay(delayMs));
    return delayMs;
  }

  /** A look past `after` found it held back no more. */
  released(after: Position): void {
    this.delays.delete(encodePosition(after));
  }
}
