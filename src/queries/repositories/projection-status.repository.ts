import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type Position } from '../../event-store/position.js';
import { MAX_CHECKPOINTS } from './view-checkpoints.repository.js';

/** Lag is counted only this far: an exact count of a long backlog would scan all of it. */
export const MAX_COUNTED_LAG_EVENTS = 1_000_000;
/** Parked events are counted only this far, for the same reason. */
export const MAX_COUNTED_PARKED = 1_000_000;

/**
 * The age in milliseconds of the oldest log event after checkpoint `c` (0 when caught up):
 * one index probe, no count. A fragment of the queries below, which name the checkpoint `c`.
 */
const OLDEST_UNAPPLIED_AGE_MS = `coalesce((
  SELECT greatest(0, extract(epoch FROM clock_timestamp() - e.created_at) * 1000)
  FROM ledger_events e
  WHERE (e.tx_id, e.seq) > (coalesce(c.commit_position, 0)::text::xid8,
                            coalesce(c.prepare_position, 0)::bigint)
  ORDER BY e.tx_id, e.seq LIMIT 1
), 0)::float8 AS lag_ms`;

export interface ProjectionStatusRow {
  readonly name: string;
  /** START when the projector has not checkpointed yet. */
  readonly position: Position;
  /** undefined when the projection has no checkpoint row yet. */
  readonly status: string | undefined;
  readonly lastError: string | null;
  readonly eventsApplied: bigint;
  readonly updatedAt: Date | null;
  readonly parked: number;
  /** Log events after the checkpoint, at most MAX_COUNTED_LAG_EVENTS; null when not counted. */
  readonly lagEvents: number | null;
  /** Age of the oldest event not applied yet, 0 when caught up; null when not counted. */
  readonly lagMs: number | null;
}

interface StatusRow {
  projection: string;
  commit_position: string | null;
  prepare_position: string | null;
  status: string | null;
  last_error: string | null;
  events_applied: string | null;
  updated_at: Date | null;
  parked: number;
  lag_events: number | null;
  lag_ms: number | null;
}

/**
 * The projections' status for operators (the projectors write it). Read on the primary,
 * where the log and the checkpoints are newest: lag is counted against the primary's log
 * (ViewCheckpointsRepository has the checkpoints the views are read at).
 */
@Injectable()
export class ProjectionStatusRepository {
  constructor(@Inject(DATABASE_POOL) private readonly pool: pg.Pool) {}

  /**
   * Each named projection's lag in milliseconds: the age of the oldest log event it has
   * not applied, 0 when caught up. One index probe each and no count, so cheap enough
   * for a readiness probe. On the PostgreSQL event log only.
   */
  async lagMs(known: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ projection: string; lag_ms: number }>(
      `SELECT n.projection,
              ${OLDEST_UNAPPLIED_AGE_MS}
       FROM unnest($1::text[]) AS n(projection)
       LEFT JOIN ledger_projection_checkpoints c USING (projection)
       LIMIT $2`,
      [[...known], MAX_CHECKPOINTS],
    );
    return new Map(rows.map((row) => [row.projection, row.lag_ms]));
  }

  /**
   * Each projection's state: the `known` ones even before their first checkpoint, and any
   * other that has one. Lag is measured against the PostgreSQL event log, so only
   * `countLag` when events live there: EventStoreDB positions do not index ledger_events.
   */
  async statuses(
    known: readonly string[],
    options: { countLag: boolean },
  ): Promise<ProjectionStatusRow[]> {
    const { rows } = await this.pool.query<StatusRow>(
      `WITH names AS (
         SELECT projection FROM ledger_projection_checkpoints
         UNION SELECT unnest($1::text[])
       )
       SELECT n.projection, c.commit_position::text AS commit_position,
              c.prepare_position::text AS prepare_position, c.status, c.last_error,
              c.events_applied::text AS events_applied, c.updated_at,
              (SELECT count(*) FROM (
                 SELECT 1 FROM ledger_projection_parked p
                 WHERE p.projection = n.projection AND p.replayed_at IS NULL LIMIT $2
               ) AS parked)::integer AS parked,
              lag.lag_events, lag.lag_ms
       FROM names n
       LEFT JOIN ledger_projection_checkpoints c USING (projection)
       LEFT JOIN LATERAL (
         SELECT
           (SELECT count(*) FROM (
              SELECT 1 FROM ledger_events e
              WHERE (e.tx_id, e.seq) > (coalesce(c.commit_position, 0)::text::xid8,
                                        coalesce(c.prepare_position, 0)::bigint)
              LIMIT $3
            ) AS behind)::integer AS lag_events,
           ${OLDEST_UNAPPLIED_AGE_MS}
         WHERE $4::boolean
       ) AS lag ON true
       ORDER BY n.projection
       LIMIT $5`,
      [[...known], MAX_COUNTED_PARKED, MAX_COUNTED_LAG_EVENTS, options.countLag, MAX_CHECKPOINTS],
    );
    return rows.map((row) => ({
      name: row.projection,
      position: {
        commit: BigInt(row.commit_position ?? 0),
        prepare: BigInt(row.prepare_position ?? 0),
      },
      status: row.status ?? undefined,
      lastError: row.last_error,
      eventsApplied: BigInt(row.events_applied ?? 0),
      updatedAt: row.updated_at,
      parked: row.parked,
      lagEvents: row.lag_events,
      lagMs: row.lag_ms === null ? null : Math.round(row.lag_ms),
    }));
  }
}
