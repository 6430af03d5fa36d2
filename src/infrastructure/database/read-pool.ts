import type pg from 'pg';
import { type BackoffPolicy } from '../resilience/backoff.js';
import { systemClock } from '../resilience/clock.js';
import { retry } from '../resilience/retry.js';
import { type NamedStatement, queryConfig } from './named-statement.js';

/**
 * SQLSTATEs a hot standby cancels a query with when replaying the primary's WAL would
 * otherwise wait on it past max_standby_streaming_delay ("canceling statement due to
 * conflict with recovery"): 40001 for a lock, snapshot or tablespace conflict, 40P01 for a
 * buffer-pin deadlock. A standby runs no serializable transactions and takes no row
 * locks, so on one these codes mean a recovery conflict and nothing else.
 */
const RECOVERY_CONFLICT_CODES = new Set(['40001', '40P01']);

/** Tries of a read cancelled by a recovery conflict, with short jittered pauses between. */
export const RECOVERY_CONFLICT_RETRY: BackoffPolicy = {
  maxAttempts: 4,
  baseDelayMs: 25,
  maxDelayMs: 250,
};

/** Whether a standby cancelled the statement so that replay could go on. */
export function isRecoveryConflict(error: unknown): boolean {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && RECOVERY_CONFLICT_CODES.has(code);
}

/** What a repository of the views needs of a pool (a ReadPool). */
export interface ReadQueries {
  query<R extends pg.QueryResultRow>(
    statement: string | NamedStatement,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * Where the views' queries run: the primary's own pool by default, or a pool on a
 * streaming replica (DATABASE_READ_URL). Only reads come here: a replica refuses writes.
 *
 * On a replica a read may be cancelled by a recovery conflict: the same statement run
 * again sees a newer snapshot and usually passes, so it is retried a bounded number of
 * times. Against the primary a query runs once, as it always did.
 */
export class ReadPool implements ReadQueries {
  constructor(
    readonly pool: pg.Pool,
    /**
     * A server of its own, fed by streaming replication: it hears no NOTIFY from the
     * primary, and its queries may be cancelled by replay.
     */
    readonly replica: boolean,
  ) {}

  query<R extends pg.QueryResultRow>(
    statement: string | NamedStatement,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const run = (): Promise<pg.QueryResult<R>> =>
      this.pool.query<R>(queryConfig(statement, values));
    if (!this.replica) return run();
    return retry(run, {
      backoff: RECOVERY_CONFLICT_RETRY,
      isRetryable: isRecoveryConflict,
      clock: systemClock,
    });
  }
}
