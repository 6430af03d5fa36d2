import { type Migration } from '../migrator.js';
import { LOG_APPENDERS_LOCK } from './006-appenders-horizon.migration.js';

/**
 * The reading horizon of migration 006 could let a reader skip an event (found under
 * load: a follower that never saw some events, a saga soak whose views ended with an
 * account's reserved cash negative). Its rule was: a running transaction of the
 * reader's snapshot holds the horizon if pg_locks shows it as an appender (its own
 * `transactionid` lock beside the appenders' advisory lock), or if it has ended since.
 * But PostgreSQL makes a new xid visible to snapshots (GetNewTransactionId) a moment
 * before it adds that xid's lock to the lock table (XactLockTableInsert). An appender
 * caught in that moment is running in the snapshot and announced in pg_locks, yet has no
 * xid there to match: it was taken for a non-appender that was still running, the
 * horizon passed it, and its events, committed a moment later below the reader's
 * position, were never read.
 *
 * The rule is now turned around, so that anything not proven harmless holds the horizon.
 * A transaction of the snapshot lets the horizon pass only when
 *   1. pg_locks shows its xid's lock held by a backend that holds no appender lock in
 *      this database, and
 *   2. after that read of pg_locks, it is still in progress.
 * (1) A backend with an xid and no appender lock is not appending, and ledger_append
 * refuses to start in a transaction that has an xid, so it never will, unless it is an
 * appender that has just ended and is releasing its locks one by one (its advisory lock
 * gone, its xid lock not yet): (2) catches that, since a transaction leaves the running
 * set before it releases any lock. A transaction whose xid lock is not (yet, or any more)
 * in pg_locks holds the horizon: that costs a reader one more look, never an event.
 *
 * pg_locks is read once (MATERIALIZED): each reference to the view is a separate read of
 * the lock table, and a proof drawn from two reads taken at different moments is none.
 * The inputs are read in the order snapshot (the reading statement's own), locks,
 * status; a transaction started after the snapshot is at or above its xmax, which bounds
 * the horizon anyway.
 *
 * The last step is a pure function of the snapshot and the proven xids
 * (ledger_horizon_of), so it is tested with snapshots written out by hand.
 */
const { classid, objid } = LOG_APPENDERS_LOCK;

export const horizonProvenWritersMigration: Migration = {
  version: 8,
  name: 'horizon-proven-writers',
  sql: `
    CREATE FUNCTION ledger_horizon_of(p_snapshot pg_snapshot, p_not_appending xid[])
    RETURNS xid8
    LANGUAGE sql IMMUTABLE AS $$
      SELECT coalesce(min(running), pg_snapshot_xmax(p_snapshot))
        FROM pg_snapshot_xip(p_snapshot) AS running
       WHERE NOT (running::xid = ANY (p_not_appending))
    $$;

    CREATE OR REPLACE FUNCTION ledger_read_horizon(p_snapshot pg_snapshot) RETURNS xid8
    LANGUAGE plpgsql STABLE AS $$
    DECLARE
      v_not_appending xid[];
      v_passing xid[];
    BEGIN
      IF pg_snapshot_xmin(p_snapshot) = pg_snapshot_xmax(p_snapshot) THEN
        RETURN pg_snapshot_xmax(p_snapshot);
      END IF;
      WITH locks AS MATERIALIZED (
        SELECT locktype, granted, mode, transactionid, virtualtransaction, database,
               classid, objid, objsubid
          FROM pg_locks
      )
      SELECT coalesce(array_agg(own.transactionid), '{}') INTO v_not_appending
        FROM locks AS own
       WHERE own.locktype = 'transactionid' AND own.granted AND own.mode = 'ExclusiveLock'
         AND NOT EXISTS (
           SELECT 1 FROM locks AS announced
            WHERE announced.virtualtransaction = own.virtualtransaction
              AND announced.locktype = 'advisory'
              AND announced.classid = ${classid} AND announced.objid = ${objid}
              AND announced.objsubid = 2
              AND announced.database =
                (SELECT oid FROM pg_database WHERE datname = current_database()));
      -- After the read of pg_locks, in its own statement: see (2) above.
      SELECT coalesce(array_agg(running::xid), '{}') INTO v_passing
        FROM pg_snapshot_xip(p_snapshot) AS running
       WHERE running::xid = ANY (v_not_appending)
         AND pg_xact_status(running) = 'in progress';
      RETURN ledger_horizon_of(p_snapshot, v_passing);
    END;
    $$;
  `,
};
