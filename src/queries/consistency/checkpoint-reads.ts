import { type CheckpointState } from '../repositories/view-checkpoints.repository.js';

/** The checkpoints as one read found them, and the wake generation when that read started. */
export interface CheckpointSnapshot {
  readonly generation: number;
  /** Date.now() when the read started: the snapshot is at least this recent. */
  readonly startedAtMs: number;
  readonly checkpoints: ReadonlyMap<string, CheckpointState>;
}

interface CheckpointRead {
  readonly generation: number;
  readonly result: Promise<CheckpointSnapshot>;
}

/**
 * Reads of the checkpoint table, shared by everybody who needs one, and the newest
 * snapshot kept for reuse.
 *
 * The generation is that of a WakeSignal bumped after every checkpoint change: a read that
 * started at generation g reflects every checkpoint whose wake bumped the generation to g
 * or below, because projectors notify only after their commit. So while the generation is
 * still g, the snapshot of that read is as good as a new one would be, provided the wakes
 * are complete (the caller knows whether they are).
 */
export class CheckpointReads {
  private inFlight: CheckpointRead | undefined;
  private queued: Promise<CheckpointSnapshot> | undefined;
  private newest: CheckpointSnapshot | undefined;

  constructor(
    private readonly load: () => Promise<ReadonlyMap<string, CheckpointState>>,
    private readonly generation: () => number,
  ) {}

  /**
   * A read that started at generation `minGeneration` or later. Callers share the read in
   * flight when it is recent enough, else one queued read behind it: however many ask, at
   * most two reads run back to back.
   */
  read(minGeneration: number): Promise<CheckpointSnapshot> {
    const current = this.inFlight;
    if (current !== undefined && current.generation >= minGeneration) return current.result;
    if (current === undefined) return this.startRead().result;
    this.queued ??= current.result
      // Only waits for it to end: its failure is its own callers' to see, not the queue's.
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        // Any read in flight now started after everyone queued here asked.
        return (this.inFlight ?? this.startRead()).result;
      });
    return this.queued;
  }

  /**
   * The newest snapshot when its read started at `generation` (no checkpoint change was
   * signalled since) and not before `notBeforeMs`; undefined when a new read is needed.
   */
  reusable(generation: number, notBeforeMs: number): CheckpointSnapshot | undefined {
    const newest = this.newest;
    return newest !== undefined &&
      newest.generation === generation &&
      newest.startedAtMs >= notBeforeMs
      ? newest
      : undefined;
  }

  private startRead(): CheckpointRead {
    const generation = this.generation();
    const startedAtMs = Date.now();
    const result = this.load()
      .then((checkpoints) => {
        const snapshot: CheckpointSnapshot = { generation, startedAtMs, checkpoints };
        // Reads run one after another, but a later start is the better copy regardless.
        if (this.newest === undefined || generation >= this.newest.generation) {
          this.newest = snapshot;
        }
        return snapshot;
      })
      .finally(() => {
        if (this.inFlight?.result === result) this.inFlight = undefined;
      });
    const read = { generation, result };
    this.inFlight = read;
    return read;
  }
}
