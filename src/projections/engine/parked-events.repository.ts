import type pg from 'pg';
import { type RecordedEvent } from '../../event-store/event-store.port.js';
import { type Position } from '../../event-store/position.js';

export interface ParkedEvent {
  readonly id: string;
  readonly projection: string;
  readonly position: Position;
  readonly eventId: string;
  readonly eventType: string;
  readonly streamId: string;
  readonly error: string;
  readonly attempts: number;
  readonly parkedAt: Date;
}

interface ParkedRow {
  id: string;
  projection: string;
  commit_position: string;
  prepare_position: string;
  event_id: string;
  event_type: string;
  stream_id: string;
  error: string;
  attempts: number;
  parked_at: Date;
}

/** Bound on one listing of parked events. */
export const MAX_PARKED_PAGE = 500;

/** The dead-letter table: events a projector could not apply, with the error. */
export class ParkedEventsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async park(
    client: pg.ClientBase,
    projection: string,
    event: RecordedEvent,
    error: string,
    attempts: number,
  ) {
    await client.query(
      `INSERT INTO ledger_projection_parked
         (projection, commit_position, prepare_position, event_id, event_type, stream_id, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (projection, event_id) DO UPDATE
         SET error = excluded.error, attempts = excluded.attempts, parked_at = now(), replayed_at = NULL`,
      [
        projection,
        event.position.commit.toString(),
        event.position.prepare.toString(),
        event.id,
        event.type,
        event.streamId,
        error,
        attempts,
      ],
    );
  }

  /** Parked and not yet replayed, oldest first (in log order; then by projection, for one order). */
  async list(projection?: string, limit = MAX_PARKED_PAGE): Promise<ParkedEvent[]> {
    const { rows } = await this.pool.query<ParkedRow>(
      `SELECT id, projection, commit_position, prepare_position, event_id, event_type, stream_id, error, attempts, parked_at
       FROM ledger_projection_parked
       WHERE replayed_at IS NULL AND ($1::text IS NULL OR projection = $1)
       ORDER BY commit_position, prepare_position, projection LIMIT $2`,
      [projection ?? null, Math.min(Math.max(limit, 1), MAX_PARKED_PAGE)],
    );
    return rows.map((row) => ({
      id: row.id,
      projection: row.projection,
      position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
      eventId: row.event_id,
      eventType: row.event_type,
      streamId: row.stream_id,
      error: row.error,
      attempts: row.attempts,
      parkedAt: row.parked_at,
    }));
  }

  async markReplayed(client: pg.ClientBase, id: string): Promise<void> {
    await client.query('UPDATE ledger_projection_parked SET replayed_at = now() WHERE id = $1', [
      id,
    ]);
  }
}
