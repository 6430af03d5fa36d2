import type pg from 'pg';
import { type Position } from '../../infrastructure/event-store/position.js';

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

/** Projection checkpoints: where each projector has got to in the log. */
export class CheckpointsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** The checkpoint, created at START when the projector is new. */
  async ensure(projection: string): Promise<Checkpoint> {
    await this.pool.query(
      'INSERT INTO ledger_projection_checkpoints (projection) VALUES ($1) ON CONFLICT (projection) DO NOTHING',
      [projection],
    );
    const { rows } = await this.pool.query<CheckpointRow>(
      `SELECT commit_position, prepare_position, status, last_error
       FROM ledger_projection_checkpoints WHERE projection = $1`,
      [projection],
    );
    return toCheckpoint(rows[0]!);
  }

  /** Locks the checkpoint row for the batch's transaction and returns where it stands. */
  async lock(client: pg.ClientBase, projection: string): Promise<Checkpoint | undefined> {
    const { rows } = await client.query<CheckpointRow>(
      `SELECT commit_position, prepare_position, status, last_error
       FROM ledger_projection_checkpoints WHERE projection = $1 FOR UPDATE`,
      [projection],
    );
    return rows[0] && toCheckpoint(rows[0]);
  }

  /** Moves the checkpoint and tells waiting readers, both at the transaction's commit. */
  async advance(
    client: pg.ClientBase,
    projection: string,
    position: Position,
    applied: number,
  ): Promise<void> {
    await client.query(
      `UPDATE ledger_projection_checkpoints
       SET commit_position = $2, prepare_position = $3, events_applied = events_applied + $4,
           last_error = NULL, updated_at = now()
       WHERE projection = $1`,
      [projection, position.commit.toString(), position.prepare.toString(), applied],
    );
    await client.query("SELECT pg_notify('ledger_checkpoints', $1)", [projection]);
  }

  async setStatus(
    projection: string,
    status: ProjectionStatus,
    lastError: string | null,
  ): Promise<void> {
    await this.pool.query(
      'UPDATE ledger_projection_checkpoints SET status = $2, last_error = $3, updated_at = now() WHERE projection = $1',
      [projection, status, lastError],
    );
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
