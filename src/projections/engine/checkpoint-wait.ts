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
