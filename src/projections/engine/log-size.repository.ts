import type pg from 'pg';

/** Counted exactly up to here; a longer log is estimated from the planner's statistics. */
const MAX_COUNTED_EVENTS = 1_000_000;

/**
 * About how many events the PostgreSQL log holds, for a rebuild's progress: exact up to a
 * million, then the larger of that and the table's statistics. Undefined when it cannot
 * tell (the events are in EventStoreDB, or the query failed): progress goes without a total.
 */
export async function estimateLogEvents(pool: pg.Pool): Promise<number | undefined> {
  try {
    const { rows } = await pool.query<{ counted: number; estimated: number | null }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM ledger_events LIMIT $1) AS e)::float8 AS counted,
              (SELECT reltuples FROM pg_class WHERE oid = 'ledger_events'::regclass)::float8 AS estimated`,
      [MAX_COUNTED_EVENTS],
    );
    const { counted, estimated } = rows[0]!;
    return counted < MAX_COUNTED_EVENTS ? counted : Math.max(counted, estimated ?? 0);
  } catch {
    // No ledger_events (the log is in EventStoreDB) or no answer: a total is only a nicety.
    return undefined;
  }
}
