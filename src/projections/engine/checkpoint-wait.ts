import { setTimeout as sleep } from 'node:timers/promises';
import { type Position, comparePositions, encodePosition } from '../../event-store/position.js';
import { type CheckpointsRepository } from './checkpoints.repository.js';

/**
 * Waits (polling, bounded by timeoutMs) until a live projector's checkpoint has reached
 * `position`: a rebuild's shadows are aligned with their live copy only once it has.
 */
export async function waitForCheckpoint(
  checkpoints: CheckpointsRepository,
  name: string,
  position: Position,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (comparePositions((await checkpoints.ensure(name)).position, position) < 0) {
    if (Date.now() > deadline)
      throw new Error(`live projection ${name} did not reach ${encodePosition(position)}`);
    await sleep(50);
  }
}

/** Bounds on a rebuild's wait for the live projectors (see LiveProjectors). */
export interface GiveWayBounds {
  /** The longest wait. */
  readonly maxMs: number;
  /** Checkpoints that have not moved for this long are not waited for: no projector may run. */
  readonly stillMs: number;
  readonly pollMs: number;
}

export const GIVE_WAY_BOUNDS: GiveWayBounds = { maxMs: 1_000, stillMs: 200, pollMs: 20 };

/**
 * The live projectors a rebuild gives way to: between pages it waits until their
 * checkpoints reach the log's head of a moment ago, for as long as they keep moving and
 * at most `maxMs`. When the machine is short of CPU the live projectors fall behind
 * first, and the rebuild then waits for them instead of taking more. Checkpoints that
 * have stood still for `stillMs` (no projector running, or one stopped) are not waited
 * for, this time or the next.
 */
export class LiveProjectors {
  private seen = '';
  private movedAt = Date.now();

  constructor(
    private readonly checkpoints: CheckpointsRepository,
    private readonly names: readonly string[],
    private readonly bounds: GiveWayBounds = GIVE_WAY_BOUNDS,
  ) {}

  async giveWay(head: Position): Promise<void> {
    const started = Date.now();
    for (;;) {
      const checkpoints = await this.checkpoints.readAll(this.names);
      const positions = [...checkpoints.values()].map((checkpoint) => checkpoint.position);
      if (positions.every((reached) => comparePositions(reached, head) >= 0)) return;
      const now = Date.now();
      const seen = positions.map(encodePosition).join();
      if (seen !== this.seen) [this.seen, this.movedAt] = [seen, now];
      if (now - this.movedAt >= this.bounds.stillMs || now - started >= this.bounds.maxMs) return;
      await sleep(this.bounds.pollMs);
    }
  }
}
