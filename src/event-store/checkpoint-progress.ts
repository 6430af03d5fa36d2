import { Injectable } from '@nestjs/common';
import { type Position } from './position.js';

/** Told that a checkpoint moved: it has committed every event up to `position`. */
export type OnCheckpointAdvanced = (checkpointName: string, position: Position) => void;

/**
 * In-process news of projector checkpoints, published by whoever moves one and heard by
 * whoever waits for one (the read side's consistency wait), so neither has to know the
 * other. Other processes hear of the same moves by NOTIFY; this only saves in-process
 * waiters the round trip. Listeners run synchronously in the publisher's call: they
 * must be quick and must not throw.
 */
@Injectable()
export class CheckpointProgress {
  private readonly listeners = new Set<OnCheckpointAdvanced>();

  /** Tells every listener that `checkpointName` has committed up to `position`. */
  advanced(checkpointName: string, position: Position): void {
    for (const listener of this.listeners) listener(checkpointName, position);
  }

  /** Adds a listener; the function returned removes it. */
  subscribe(listener: OnCheckpointAdvanced): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
