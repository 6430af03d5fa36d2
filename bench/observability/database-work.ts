import type pg from 'pg';

/**
 * What the run's database did, from PostgreSQL's cumulative statistics: transactions and
 * rows touched, in all and per table. CPU time says that the database worked harder; these
 * say at what (more transactions per request means smaller projector batches or more
 * retried appends; more rows read means a plan or a scan changed).
 *
 * Backends publish their counts when they go idle, at most once a second, so a snapshot
 * misses up to about a second of each backend's latest work: read over a run of tens of
 * seconds, the error is a few percent.
 */
export type DatabaseWork = Readonly<Record<string, number>>;

const DATABASE_COUNTS = `
  SELECT xact_commit AS commits, xact_rollback AS rollbacks, tup_returned AS rows_returned,
         tup_fetched AS rows_fetched, tup_inserted AS rows_inserted,
         tup_updated AS rows_updated, tup_deleted AS rows_deleted, blks_hit AS blocks_hit
    FROM pg_stat_database WHERE datname = current_database()`;

// The server's WAL, all databases' (the bench's run is the only writer): a commit that
// finds no other to share its flush with syncs on its own, so fewer commits at once cost
// more syncs, and more of the committing backends' time, for the same work.
const WAL_COUNTS = `
  SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_buffers_full FROM pg_stat_wal`;

// Per table: rows written (a batch moves its checkpoint rows, an append inserts event
// rows) and rows read by sequential scans (a scan where an index was meant shows here).
const TABLE_COUNTS = `
  SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS writes, seq_tup_read AS scanned
    FROM pg_stat_user_tables`;

export async function snapshotDatabaseWork(client: pg.Client): Promise<DatabaseWork> {
  const { rows: database } = await client.query<Record<string, string>>(DATABASE_COUNTS);
  const { rows: tables } = await client.query<{
    relname: string;
    writes: string;
    scanned: string;
  }>(TABLE_COUNTS);
  const { rows: wal } = await client.query<Record<string, string>>(WAL_COUNTS);
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries({ ...database[0], ...wal[0] })) {
    counts[name] = Number(value);
  }
  for (const table of tables) {
    counts[`writes.${table.relname}`] = Number(table.writes);
    counts[`scanned.${table.relname}`] = Number(table.scanned);
  }
  return counts;
}

/** The counts that moved between two snapshots, each divided by `requests`. */
export function workPerRequest(
  before: DatabaseWork,
  after: DatabaseWork,
  requests: number,
): DatabaseWork {
  const moved: Record<string, number> = {};
  for (const [name, value] of Object.entries(after)) {
    const delta = value - (before[name] ?? 0);
    if (delta !== 0) moved[name] = Number((delta / requests).toFixed(3));
  }
  return moved;
}
