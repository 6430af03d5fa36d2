import type pg from 'pg';
import { type AdvisoryLockKey } from '../../infrastructure/database/session-lock.js';
import { type Position } from '../../event-store/position.js';

export type ProjectionStatus = 'running' | 'stopped';

export interface Checkpoint {
  readonly position: Position;
  readonly status: ProjectionStatus;
  readonly lastError: string | null;
}

interface CheckpointRow {
  commit_position: string;
  prepare_position: string;
  status: ProjectionStatus;
  last_error: string | null;
}

function toCheckpoint(row: CheckpointRow): Checkpoint {
  return {
    position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
    status: row.status,
    lastError: row.last_error,
  };
}

export interface CheckpointMove {
  readonly projection: string;
  readonly position: Position;
  /** Events applied since the previous position. */
  readonly applied: number;
}

/**
 * A projection's pause lock: taken by each of its live batches and held by a blue/green
 * swap (a session lock) to keep the live projector between two batches. Advisory: no
 * transaction id.
 */
export function pauseLockKey(projection: string): AdvisoryLockKey {
  return `ledger-projection:${projection}`;
}

/** Projection checkpoints: where each projector has got to in the log. */
export class CheckpointsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** The checkpoint, created at START when the projector is new. */
  async ensure(projection: string): Promise<Checkpoint> {
    return (await this.ensureAll([projection])).get(projection)!;
  }

  /** The checkpoints by name, each created at START when its projector is new. */
  async ensureAll(projections: readonly string[]): Promise<Map<string, Checkpoint>> {
    await this.pool.query(
      `INSERT INTO ledger_projection_checkpoints (projection)
       SELECT unnest($1::text[]) ON CONFLICT (projection) DO NOTHING`,
      [projections],
    );
    return this.readAll(projections);
  }

  /** Where the named projections' checkpoints stand (those that have a row): a read only. */
  async readAll(projections: readonly string[]): Promise<Map<string, Checkpoint>> {
    const { rows } = await this.pool.query<CheckpointRow & { projection: string }>(
      `SELECT projection, commit_position, prepare_position, status, last_error
       FROM ledger_projection_checkpoints WHERE projection = ANY($1::text[])`,
      [projections],
    );
    return new Map(rows.map((row) => [row.projection, toCheckpoint(row)]));
  }

  /**
   * Locks the checkpoint rows for the batch's transaction and returns where they stand.
   * In name order, so that two runners sharing projections never wait on each other.
   * The `pausable` ones' pause locks (see pauseLockKey) are taken first, in the same
   * round trip: a blue/green swap holding one keeps the batch waiting here.
   */
  async lockAll(
    client: pg.ClientBase,
    projections: readonly string[],
    pausable: readonly string[],
  ): Promise<Map<string, Checkpoint>> {
    // The one-time filter runs the CTE, and so takes the pause locks, before any row is
    // read. Keys hashed as the session lock hashes a name, so both name the same lock.
    const { rows } = await client.query<CheckpointRow & { projection: string }>(
      `WITH paused AS MATERIALIZED (
         SELECT pg_advisory_xact_lock(hashtext(key))
         FROM (SELECT key FROM unnest($2::text[]) AS key ORDER BY key) AS sorted
       )
       SELECT projection, commit_position, prepare_position, status, last_error
       FROM ledger_projection_checkpoints
       WHERE projection = ANY($1::text[]) AND (SELECT count(*) FROM paused) >= 0
       ORDER BY projection FOR UPDATE`,
      [projections, pausable.map(pauseLockKey)],
    );
    return new Map(rows.map((row) => [row.projection, toCheckpoint(row)]));
  }

  /** Moves the checkpoints and tells waiting readers, both at the transaction's commit. */
  async advanceAll(client: pg.ClientBase, moves: readonly CheckpointMove[]): Promise<void> {
    await client.query(
      `WITH moved AS (
         UPDATE ledger_projection_checkpoints AS c
         SET commit_position = m.commit_position, prepare_position = m.prepare_position,
             events_applied = c.events_applied + m.applied, last_error = NULL, updated_at = now()
         FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::bigint[])
           AS m(projection, commit_position, prepare_position, applied)
         WHERE c.projection = m.projection
         RETURNING c.projection
       )
       SELECT pg_notify('ledger_checkpoints', projection) FROM moved`,
      [
        moves.map((move) => move.projection),
        moves.map((move) => move.position.commit.toString()),
        moves.map((move) => move.position.prepare.toString()),
        moves.map((move) => move.applied),
      ],
    );
  }

  /** Readers waiting on the projection are told: a stopped one will not reach them. */
  async setStatus(
    projection: string,
    status: ProjectionStatus,
    lastError: string | null,
  ): Promise<void> {
    await this.pool.query(
      `WITH changed AS (
         UPDATE ledger_projection_checkpoints SET status = $2, last_error = $3, updated_at = now()
         WHERE projection = $1 RETURNING projection
       )
       SELECT pg_notify('ledger_checkpoints', projection) FROM changed`,
      [projection, status, lastError],
    );
  }

  /** Those of the named checkpoints whose status is `stopped`. */
  async stopped(projections: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ projection: string }>(
      `SELECT projection FROM ledger_projection_checkpoints
       WHERE projection = ANY($1::text[]) AND status = 'stopped'`,
      [projections],
    );
    return rows.map((row) => row.projection);
  }

  /** Those of the named checkpoints that exist. */
  async existing(projections: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ projection: string }>(
      'SELECT projection FROM ledger_projection_checkpoints WHERE projection = ANY($1::text[])',
      [projections],
    );
    return rows.map((row) => row.projection);
  }

  /** Gone: a rebuild's shadow checkpoints once it has ended. */
  async deleteAll(projections: readonly string[]): Promise<void> {
    await this.pool.query('DELETE FROM ledger_projection_checkpoints WHERE projection = ANY($1)', [
      projections,
    ]);
  }

  /** Back to the start of the log (a rebuild's shadow, or a reset). */
  async reset(client: pg.ClientBase, projection: string): Promise<void> {
    await client.query(
      `INSERT INTO ledger_projection_checkpoints (projection) VALUES ($1)
       ON CONFLICT (projection) DO UPDATE SET commit_position = 0, prepare_position = 0,
         status = 'running', last_error = NULL, events_applied = 0, updated_at = now()`,
      [projection],
    );
  }
}
