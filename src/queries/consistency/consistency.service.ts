import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadPool } from '../../infrastructure/database/read-pool.js';
import { CheckpointProgress } from '../../event-store/checkpoint-progress.js';
import { type Position, START, comparePositions } from '../../event-store/position.js';
import { WakeSignal } from '../../event-store/wake-signal.js';
import { type ConsistencyReport } from './consistency-report.js';
import {
  type CheckpointState,
  ViewCheckpointsRepository,
} from '../repositories/view-checkpoints.repository.js';
import { CheckpointListener } from './checkpoint-listener.js';
import { CheckpointPoller } from './checkpoint-poller.js';
import { type CheckpointSnapshot, CheckpointReads } from './checkpoint-reads.js';

export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;
export const MAX_WAIT_TIMEOUT_MS = 30_000;
/** Beyond this many concurrent waits, new ones answer at once (stale if behind). */
const MAX_WAITERS = 10_000;

export interface ConsistencyOptions {
  /** How often waiters re-read the checkpoints without a notification, in case one was lost. */
  readonly fallbackRecheckMs?: number;
  /** First delay before the LISTEN connection is re-opened; doubles up to maxReconnectDelayMs. */
  readonly minReconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /**
   * Longest a checkpoint snapshot answers reads without a new read of the table. Bounds
   * how far a report can lag when notifications stop without the connection noticing.
   */
  readonly maxSnapshotAgeMs?: number;
  /**
   * On a read replica, which hears no NOTIFY: the first re-read of its checkpoints after a
   * wait starts (or a local batch commits), doubling up to replicaPollMaxMs.
   */
  readonly replicaPollMinMs?: number;
  readonly replicaPollMaxMs?: number;
}

export const CONSISTENCY_OPTIONS = Symbol('CONSISTENCY_OPTIONS');

/** A read that the views reflect `atLeast` before it runs, waiting at most timeoutMs. */
export interface ReadConsistency {
  readonly atLeast?: Position | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface Consistent<T> {
  readonly value: T;
  readonly consistency: ConsistencyReport;
}

/** Clamps a caller's timeout into [0, MAX_WAIT_TIMEOUT_MS]; undefined means the default. */
export function boundedTimeoutMs(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return DEFAULT_WAIT_TIMEOUT_MS;
  return Math.min(Math.max(0, Math.floor(timeoutMs)), MAX_WAIT_TIMEOUT_MS);
}

/**
 * The lowest checkpoint among the projections, and whether one of them short of
 * `atLeast` is stopped: then waiting is pointless until an admin restarts it.
 */
function standing(
  projections: readonly string[],
  checkpoints: ReadonlyMap<string, CheckpointState>,
  atLeast: Position | undefined,
): { position: Position; stuck: boolean } {
  let minimum: Position | undefined;
  let stuck = false;
  for (const name of projections) {
    // No row yet: the projector has applied nothing.
    const state = checkpoints.get(name);
    const position = state?.position ?? START;
    if (minimum === undefined || comparePositions(position, minimum) < 0) minimum = position;
    if (state?.stopped && atLeast !== undefined && comparePositions(position, atLeast) < 0) {
      stuck = true;
    }
  }
  return { position: minimum ?? START, stuck };
}

/**
 * Read-your-writes for the views. A query names the projections it reads and the
 * position it needs; this waits, bounded, until all of them have checkpointed at or past
 * it, and reports the lowest of their checkpoints. A stopped projection short of the
 * position answers stale at once: it will not move until an admin restarts it.
 *
 * Checkpoint changes bump one WakeSignal: a NOTIFY on `ledger_checkpoints` (one
 * dedicated LISTEN connection per process), an in-process projector's batch (heard on
 * CheckpointProgress), the LISTEN connection opening or being lost, and a shared
 * fallback tick while anybody waits (a notification can be lost while the connection is
 * down). Every wake leads to at most one shared re-read of the checkpoint table, however
 * many wait.
 *
 * Between wakes, reads need no round trip: while LISTEN is in effect, a snapshot whose
 * read started at the current generation still holds every checkpoint signalled so far
 * (see CheckpointReads), so it answers until the next wake or until it is
 * maxSnapshotAgeMs old. A live projection's checkpoint only moves forward (a rebuild
 * swaps its tables in at the same position), so a snapshot can lag behind the views, by
 * a notification in transit, but never report a position they have not reached. Without
 * the LISTEN connection (not open yet, or lost), every read reads the table.
 *
 * On a read replica (READ_DATABASE_POOL on a server of its own) the checkpoints are the
 * rows the replica has replayed, and so is every answer: a position is judged against
 * what the replica's views hold, never the primary's. NOTIFY does not reach a standby, so
 * there is no listener: every read reads the replica's table, and waiters are woken by a
 * poll that starts short and backs off (CheckpointPoller), hurried when a new waiter
 * arrives or an in-process projector commits on the primary.
 */
@Injectable()
export class ConsistencyService implements OnModuleDestroy {
  private readonly logger = new Logger(ConsistencyService.name);
  private readonly signal = new WakeSignal();
  private closed = false;
  private readonly maxSnapshotAgeMs: number;
  private readonly reads: CheckpointReads;
  /** Undefined on a replica, where LISTEN hears nothing. */
  private readonly listener: CheckpointListener | undefined;
  /** The fallback tick next to the listener; on a replica, the only wake-up. */
  private readonly poller: CheckpointPoller;
  private readonly unsubscribe: () => void;

  private waiters = 0;

  /** Without `progress` (built by hand, in tests) only `checkpointAdvanced` wakes waiters in-process. */
  constructor(
    checkpoints: ViewCheckpointsRepository,
    @Inject(READ_DATABASE_POOL) reads: ReadPool,
    @Optional() @Inject(CONSISTENCY_OPTIONS) options: ConsistencyOptions = {},
    progress: CheckpointProgress = new CheckpointProgress(),
  ) {
    const fallbackRecheckMs = options.fallbackRecheckMs ?? 500;
    this.maxSnapshotAgeMs = options.maxSnapshotAgeMs ?? 1_000;
    this.reads = new CheckpointReads(
      () => checkpoints.positions(),
      () => this.signal.current,
    );
    const wake = (): void => this.signal.wake();
    this.listener = reads.replica
      ? undefined
      : new CheckpointListener(reads.pool.options, {
          minReconnectDelayMs: options.minReconnectDelayMs ?? 100,
          maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5_000,
          // Waiters need the notifications back now; otherwise the next read reopens it.
          reconnectNow: () => this.waiters > 0,
          onChange: wake,
        });
    this.poller = new CheckpointPoller(
      wake,
      reads.replica
        ? {
            minDelayMs: options.replicaPollMinMs ?? 10,
            maxDelayMs: options.replicaPollMaxMs ?? 250,
          }
        : { minDelayMs: fallbackRecheckMs, maxDelayMs: fallbackRecheckMs },
    );
    this.unsubscribe = progress.subscribe((name) => this.checkpointAdvanced(name));
  }

  /**
   * An in-process projector committed a batch: waiters look again now, or on a replica
   * soon (the batch is on the primary; the replica replays it a moment later).
   */
  checkpointAdvanced(_projection: string): void {
    // Any projection's advance wakes everyone: the re-read is shared, and filtering by
    // name would need waiters registered before their first read to be safe.
    if (this.listener === undefined) this.poller.hurry();
    else this.signal.wake();
  }

  /**
   * Waits until every one of `projections` has applied `atLeast` (no wait without it), for
   * at most `timeoutMs` (clamped to MAX_WAIT_TIMEOUT_MS; undefined: the default). Answers
   * the lowest checkpoint among them, and `stale` when that is still short of `atLeast`.
   */
  async waitFor(
    projections: readonly string[],
    atLeast: Position | undefined,
    timeoutMs: number | undefined,
  ): Promise<ConsistencyReport> {
    if (projections.length === 0) throw new Error('waitFor needs at least one projection');
    const first = await this.latestCheckpoints();
    let { position, stuck } = standing(projections, first.checkpoints, atLeast);
    if (atLeast === undefined || comparePositions(position, atLeast) >= 0) {
      return { position, stale: false };
    }
    const waitMs = boundedTimeoutMs(timeoutMs);
    if (stuck || waitMs === 0 || this.waiters >= MAX_WAITERS || this.closed) {
      return { position, stale: true };
    }
    const deadline = Date.now() + waitMs;
    this.startWaiting();
    try {
      let seen = first.generation;
      for (;;) {
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0 || this.closed) return { position, stale: true };
        await this.signal.wait(seen, remainingMs);
        if (this.closed || this.signal.current === seen) continue; // answered above
        let next: CheckpointSnapshot;
        try {
          next = await this.reads.read(seen + 1);
        } catch (error) {
          // The view read would likely fail too, but the next wake (at worst the fallback
          // tick) may find the database back before the deadline.
          this.logger.warn(`Checkpoint re-read failed: ${String(error)}`);
          seen = this.signal.current;
          continue;
        }
        seen = next.generation;
        ({ position, stuck } = standing(projections, next.checkpoints, atLeast));
        if (comparePositions(position, atLeast) >= 0) return { position, stale: false };
        if (stuck) return { position, stale: true };
      }
    } finally {
      this.stopWaiting();
    }
  }

  /** Waits as `consistency` asks, then reads: the value reflects at least the reported position. */
  async read<T>(
    projections: readonly string[],
    consistency: ReadConsistency,
    read: () => Promise<T>,
  ): Promise<Consistent<T>> {
    const report = await this.waitFor(projections, consistency.atLeast, consistency.timeoutMs);
    return { value: await read(), consistency: report };
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    // Waiters see `closed` and answer with what they have.
    this.signal.wake();
    this.unsubscribe();
    this.poller.stop();
    await this.listener?.close();
  }

  /**
   * The checkpoints now: the kept snapshot when nothing has changed since its read
   * started, else a read of the table (shared with one in flight, as reads always were).
   */
  private latestCheckpoints(): CheckpointSnapshot | Promise<CheckpointSnapshot> {
    this.listener?.open();
    if (this.listener?.listening === true) {
      const kept = this.reads.reusable(this.signal.current, Date.now() - this.maxSnapshotAgeMs);
      if (kept !== undefined) return kept;
    }
    return this.reads.read(0);
  }

  private startWaiting(): void {
    this.waiters++;
    // A newcomer is behind now: on a replica that backed off, look again soon.
    if (this.waiters === 1) this.poller.start();
    else this.poller.hurry();
  }

  private stopWaiting(): void {
    this.waiters--;
    if (this.waiters === 0) this.poller.stop();
  }
}
