import type pg from 'pg';
import { decodeEvent } from '../../events/event-codec.js';
import {
  type EventStore,
  type RecordedEvent,
} from '../../infrastructure/event-store/event-store.port.js';
import {
  type Position,
  comparePositions,
  encodePosition,
} from '../../infrastructure/event-store/position.js';
import { type BackoffPolicy, backoffDelayMs, pause } from './backoff.js';
import { type CheckpointsRepository } from './checkpoints.repository.js';
import { type ParkedEventsRepository } from './parked-events.repository.js';
import { type ProjectedEvent, type Projection, type TableNames } from './projection.js';

/** What a projector does with an event it cannot apply after its retries: park it and stop, or park it and go on. */
export type FailurePolicy = 'stop' | 'skip';

export interface RunnerOptions {
  /** The checkpoint's name: the projection's own, or a rebuild's shadow. */
  readonly checkpointName: string;
  readonly tables: TableNames;
  readonly batchSize: number;
  readonly retry: BackoffPolicy;
  readonly onFailure: FailurePolicy;
  /** Told after each committed batch (in-process readers waiting for a position). */
  readonly onAdvanced?: (checkpointName: string, position: Position) => void;
  readonly log?: (message: string) => void;
}

export const DEFAULT_BATCH_SIZE = 1_000;
export const DEFAULT_RETRY: BackoffPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };
/** A caught-up projector looks at the log at least this often, whatever the wake-ups. */
const IDLE_RECHECK_MS = 1_000;
/** Between restarts after the store or database failed. */
const RESTART_BACKOFF: BackoffPolicy = {
  maxAttempts: Infinity,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
};

/** Taken per batch by a live projector; held by a rebuild's swap. Advisory: no transaction id. */
export const PAUSE_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('ledger-projection:' || $1))";
export const PAUSE_SQL = "SELECT pg_advisory_lock(hashtext('ledger-projection:' || $1))";
export const RESUME_SQL = "SELECT pg_advisory_unlock(hashtext('ledger-projection:' || $1))";

export interface CatchUpProgress {
  readonly applied: number;
  readonly position: Position;
  readonly target: Position;
}

/** Another runner moved the checkpoint: this one starts over from where it now stands. */
class CheckpointMovedError extends Error {}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Follows the global log from a projection's checkpoint, catch-up then live, and
 * applies it in bounded batches. Each batch's view writes and its checkpoint commit in
 * one transaction, under a lock on the checkpoint row that also proves no other runner
 * applied it first: a crash at any instant neither loses nor repeats an event.
 */
export class ProjectionRunner {
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private position: Position | undefined;

  constructor(
    readonly projection: Projection,
    private readonly store: EventStore,
    private readonly pool: pg.Pool,
    private readonly checkpoints: CheckpointsRepository,
    private readonly parked: ParkedEventsRepository,
    private readonly options: RunnerOptions,
  ) {}

  get name(): string {
    return this.options.checkpointName;
  }

  /** The last position this runner committed (undefined before its first batch). */
  get committedPosition(): Position | undefined {
    return this.position;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!(await this.follow(signal))) return;
        failures = 0;
      } catch (error) {
        // The store or the database went away: start over from the checkpoint, later.
        failures++;
        this.options.log?.(`${this.name}: ${describe(error)}; resuming from the checkpoint`);
        await pause(backoffDelayMs(RESTART_BACKOFF, Math.min(failures, 10)), signal);
      }
    }
  }

  /** One subscription from the stored checkpoint. False when the projector must stop. */
  private async follow(signal: AbortSignal): Promise<boolean> {
    const checkpoint = await this.checkpoints.ensure(this.name);
    if (checkpoint.status === 'stopped') {
      this.options.log?.(`${this.name} is stopped: ${checkpoint.lastError ?? 'by an admin'}`);
      return false;
    }
    this.position = checkpoint.position;
    try {
      while (!signal.aborted) {
        // Pages read from the store keep the log's order: a push channel that repeats or
        // reorders events only wakes the projector, it never feeds it.
        const page = await this.store.readAll({
          after: this.position,
          maxCount: this.options.batchSize,
        });
        if (page.length > 0 && !(await this.handle(page))) return false;
        if (page.length < this.options.batchSize) {
          await this.store.waitForEvents(this.position, IDLE_RECHECK_MS, signal);
        }
      }
      return false;
    } catch (error) {
      if (!(error instanceof CheckpointMovedError)) throw error;
      this.options.log?.(`${this.name}: ${describe(error)}; resuming from the checkpoint`);
      return true;
    }
  }

  /**
   * Applies the log up to and including `target`, then returns (a rebuild's shadow).
   * Not to be mixed with start() on the same runner.
   */
  async catchUpTo(
    target: Position,
    onProgress?: (progress: CatchUpProgress) => void,
  ): Promise<{ position: Position; applied: number }> {
    let position = (await this.checkpoints.ensure(this.name)).position;
    this.position = position;
    let applied = 0;
    while (comparePositions(position, target) < 0) {
      const page = await this.store.readAll({ after: position, maxCount: this.options.batchSize });
      const batch = page.filter((event) => comparePositions(event.position, target) <= 0);
      if (batch.length === 0) break;
      if (!(await this.handle(batch)))
        throw new Error(`${this.name} stopped at ${encodePosition(this.position!)}`);
      position = this.position!;
      applied += batch.length;
      onProgress?.({ applied, position, target });
    }
    return { position, applied };
  }

  /** Applies a batch with retries; a batch that keeps failing is applied event by event. */
  private async handle(batch: readonly RecordedEvent[]): Promise<boolean> {
    const error = await this.withRetries(batch);
    if (error === undefined) return true;
    if (batch.length === 1) return this.giveUp(batch[0]!, error);
    for (const event of batch) {
      const single = await this.withRetries([event]);
      if (single !== undefined && !(await this.giveUp(event, single))) return false;
    }
    return true;
  }

  /** Undefined on success, else the last error once the attempts are spent. */
  private async withRetries(events: readonly RecordedEvent[]): Promise<string | undefined> {
    const { retry } = this.options;
    let lastError = '';
    for (let attempt = 1; attempt <= retry.maxAttempts; attempt++) {
      if (this.abort.signal.aborted) return 'stopped';
      try {
        await this.applyAndAdvance(events);
        return undefined;
      } catch (error) {
        if (error instanceof CheckpointMovedError) throw error;
        lastError = describe(error);
        this.options.log?.(
          `${this.name}: attempt ${attempt} failed at ${encodePosition(events[0]!.position)}: ${lastError}`,
        );
        if (attempt < retry.maxAttempts)
          await pause(backoffDelayMs(retry, attempt), this.abort.signal);
      }
    }
    return lastError;
  }

  private async applyAndAdvance(events: readonly RecordedEvent[]): Promise<void> {
    const expected = this.position!;
    const last = events[events.length - 1]!;
    const projected: ProjectedEvent[] = events.map((recorded) => ({
      event: decodeEvent(recorded),
      recorded,
    }));
    await this.inTransaction(expected, async (client) => {
      await this.projection.apply(client, projected, this.options.tables);
      await this.checkpoints.advance(client, this.name, last.position, events.length);
    });
    this.committed(last.position);
  }

  /** Parks the event; with 'skip' the checkpoint moves past it, with 'stop' the projector stops. */
  private async giveUp(event: RecordedEvent, error: string): Promise<boolean> {
    if (this.abort.signal.aborted) return false;
    const attempts = this.options.retry.maxAttempts;
    const skip = this.options.onFailure === 'skip';
    await this.inTransaction(this.position!, async (client) => {
      await this.parked.park(client, this.projection.name, event, error, attempts);
      if (skip) await this.checkpoints.advance(client, this.name, event.position, 0);
    });
    if (skip) {
      this.committed(event.position);
      return true;
    }
    await this.checkpoints.setStatus(
      this.name,
      'stopped',
      `event ${event.id} at ${encodePosition(event.position)}: ${error}`,
    );
    this.options.log?.(
      `${this.name}: stopped at ${encodePosition(event.position)} after ${attempts} attempts`,
    );
    return false;
  }

  private async inTransaction(
    expected: Position,
    work: (client: pg.PoolClient) => Promise<void>,
  ): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // A blue/green swap holds this lock to pause the live projector between batches.
      if (this.name === this.projection.name) await client.query(PAUSE_LOCK_SQL, [this.name]);
      const current = await this.checkpoints.lock(client, this.name);
      if (!current || comparePositions(current.position, expected) !== 0) {
        throw new CheckpointMovedError();
      }
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private committed(position: Position): void {
    this.position = position;
    this.options.onAdvanced?.(this.name, position);
  }
}
