import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { type EventStore } from '../../infrastructure/event-store/event-store.port.js';
import {
  type Position,
  START,
  comparePositions,
  encodePosition,
} from '../../infrastructure/event-store/position.js';
import { type CheckpointsRepository } from './checkpoints.repository.js';
import { type ParkedEventsRepository } from './parked-events.repository.js';
import { type Projection } from './projection.js';
import {
  type CatchUpProgress,
  DEFAULT_RETRY,
  PAUSE_SQL,
  ProjectionRunner,
  RESUME_SQL,
} from './projection-runner.js';
import { type TableFingerprint, ViewTablesRepository } from './view-tables.repository.js';

export interface RebuildProgress extends CatchUpProgress {
  readonly phase: 'catching-up' | 'aligning';
  readonly eventsPerSecond: number;
}

export interface TableParity {
  readonly table: string;
  readonly live: TableFingerprint;
  readonly shadow: TableFingerprint;
  readonly equal: boolean;
}

export interface RebuildReport {
  readonly projection: string;
  readonly swapped: boolean;
  /** The position both copies had reached when they were compared. */
  readonly position: string;
  readonly eventsApplied: number;
  readonly seconds: number;
  readonly parity: readonly TableParity[];
}

export interface RebuildOptions {
  readonly batchSize: number;
  /** Bound on waiting for the live projector to reach the shadow before the swap. */
  readonly alignTimeoutMs: number;
  readonly onProgress?: (progress: RebuildProgress) => void;
}

/** Catch-up rounds before the swap; each is shorter than the one before while writes continue. */
const MAX_CATCH_UP_ROUNDS = 5;

/**
 * Blue/green rebuild: builds shadow copies of a projection's tables from the start of
 * the log while the live tables keep serving and updating, then pauses the live
 * projector between two batches, brings both to the same position, compares them
 * (row counts and checksums) and swaps the copies in one transaction. A failed parity
 * check refuses the swap and reports the difference.
 */
export class ProjectionRebuilder {
  private readonly tables: ViewTablesRepository;

  constructor(
    private readonly store: EventStore,
    private readonly pool: pg.Pool,
    private readonly checkpoints: CheckpointsRepository,
    private readonly parked: ParkedEventsRepository,
  ) {
    this.tables = new ViewTablesRepository(pool);
  }

  async rebuild(projection: Projection, options: RebuildOptions): Promise<RebuildReport> {
    const started = Date.now();
    const shadowName = `${projection.name}#rebuild`;
    const pairs = projection.tables.map((live) => ({ live, shadow: `${live}__shadow` }));
    for (const { live, shadow } of pairs) await this.tables.createShadow(live, shadow);
    const resetClient = await this.pool.connect();
    try {
      await this.checkpoints.reset(resetClient, shadowName);
    } finally {
      resetClient.release();
    }
    const shadow = new ProjectionRunner(
      projection,
      this.store,
      this.pool,
      this.checkpoints,
      this.parked,
      {
        checkpointName: shadowName,
        tables: Object.fromEntries(pairs.map(({ live, shadow: copy }) => [live, copy])),
        batchSize: options.batchSize,
        retry: DEFAULT_RETRY,
        onFailure: 'stop',
      },
    );

    let applied = 0;
    const report =
      (phase: RebuildProgress['phase']) =>
      (progress: CatchUpProgress): void => {
        const total = applied + progress.applied;
        const seconds = Math.max((Date.now() - started) / 1000, 0.001);
        options.onProgress?.({
          ...progress,
          applied: total,
          phase,
          eventsPerSecond: total / seconds,
        });
      };
    let position: Position = START;
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      const head = await this.store.headPosition();
      if (comparePositions(position, head) >= 0) break;
      const caughtUp = await shadow.catchUpTo(head, report('catching-up'));
      position = caughtUp.position;
      applied += caughtUp.applied;
    }

    await this.waitForLive(projection.name, position, options.alignTimeoutMs);
    const pause = await this.pool.connect();
    try {
      await pause.query(PAUSE_SQL, [projection.name]);
      // The live projector is between batches now and stays there until RESUME.
      const live = (await this.checkpoints.ensure(projection.name)).position;
      const aligned = await shadow.catchUpTo(live, report('aligning'));
      position = aligned.position;
      applied += aligned.applied;
      if (comparePositions(position, live) !== 0) {
        throw new Error(
          `shadow stopped at ${encodePosition(position)}, live is at ${encodePosition(live)}`,
        );
      }
      const parity = await this.compare(pause, pairs);
      const swapped = parity.every((p) => p.equal);
      if (swapped) {
        await pause.query('BEGIN');
        try {
          await this.tables.swap(pause, pairs);
          await pause.query('DELETE FROM ledger_projection_checkpoints WHERE projection = $1', [
            shadowName,
          ]);
          await pause.query('COMMIT');
        } catch (error) {
          await pause.query('ROLLBACK');
          throw error;
        }
      }
      return {
        projection: projection.name,
        swapped,
        position: encodePosition(position),
        eventsApplied: applied,
        seconds: (Date.now() - started) / 1000,
        parity,
      };
    } finally {
      await pause.query(RESUME_SQL, [projection.name]).catch(() => undefined);
      pause.release();
      await this.cleanUp(pairs, shadowName);
    }
  }

  private async compare(
    client: pg.ClientBase,
    pairs: readonly { live: string; shadow: string }[],
  ): Promise<TableParity[]> {
    const parity: TableParity[] = [];
    for (const { live, shadow } of pairs) {
      const liveFingerprint = await this.tables.fingerprint(client, live);
      const shadowFingerprint = await this.tables.fingerprint(client, shadow);
      parity.push({
        table: live,
        live: liveFingerprint,
        shadow: shadowFingerprint,
        equal:
          liveFingerprint.rows === shadowFingerprint.rows &&
          liveFingerprint.checksum === shadowFingerprint.checksum,
      });
    }
    return parity;
  }

  /** The swap needs both copies at one position: let the live projector reach the shadow first. */
  private async waitForLive(name: string, position: Position, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (comparePositions((await this.checkpoints.ensure(name)).position, position) < 0) {
      if (Date.now() > deadline)
        throw new Error(`live projection ${name} did not reach ${encodePosition(position)}`);
      await sleep(50);
    }
  }

  /** Whatever was not swapped in is dropped (after a swap only the retired names are gone already). */
  private async cleanUp(
    pairs: readonly { live: string; shadow: string }[],
    shadowName: string,
  ): Promise<void> {
    for (const { shadow } of pairs) await this.tables.drop(shadow);
    await this.pool.query('DELETE FROM ledger_projection_checkpoints WHERE projection = $1', [
      shadowName,
    ]);
  }
}
