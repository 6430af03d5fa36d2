import { type Migration } from '../migrator.js';

/**
 * A reading horizon that only appenders can hold back.
 *
 * Until now readers read below pg_snapshot_xmin: the oldest transaction running anywhere
 * on the server, in any database. A rebuild's bulk load, a migration or another
 * application's long transaction therefore stopped every reader of the log. Now each
 * append announces itself and readers wait only for announced transactions:
 *
 * - ledger_append takes a shared, transaction-scoped advisory lock on LOG_APPENDERS
 *   before its transaction has an id (its first write assigns one), and holds it until
 *   commit or abort. Shared: appenders never wait for each other on it.
 * - ledger_read_horizon(snapshot) is the oldest transaction of the reader's snapshot that
 *   was still running and is an appender, or the snapshot's xmax when there is none. An
 *   event of a transaction below the horizon is committed (or will never be) as of the
 *   snapshot, so a reader that reads below it and moves on never skips a later commit.
 *
 * Why it cannot skip: the horizon's inputs are read in this order: the snapshot (the
 * reading statement's own), then pg_locks, then each running transaction's status. A
 * transaction x running at the snapshot is left out of the horizon only if, when pg_locks
 * was read, it was still running and held no appender lock. An appender holds the lock
 * from before it had an id until it ends, so such an x never appends. A transaction that
 * ended in between is kept in (it may have been an appender): that costs the reader one
 * more look, never an event. Transactions that start after the snapshot are at or above
 * its xmax, which bounds the horizon.
 *
 * Every write to ledger_events must come through ledger_append: a statement trigger
 * refuses any other insert (a bulk loader that knows no reader runs sets
 * ledger.appending for its transaction).
 */
export const LOG_APPENDERS_LOCK = { classid: 1_279_607_879, objid: 1 } as const;

const { classid, objid } = LOG_APPENDERS_LOCK;

export const appendersHorizonMigration: Migration = {
  version: 6,
  name: 'appenders-horizon',
  sql: `
    CREATE OR REPLACE FUNCTION ledger_append(
      p_stream_id text,
      p_expected_kind text,
      p_expected_revision bigint,
      p_event_ids uuid[],
      p_types text[],
      p_data jsonb[],
      p_metadata jsonb[]
    ) RETURNS TABLE (last_revision bigint, tx_id text, seq bigint)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_count integer := cardinality(p_event_ids);
      v_last bigint;
      v_actual bigint;
    BEGIN
      -- Announced before the transaction has an id: see the migration's comment.
      IF current_setting('ledger.appending', true) IS DISTINCT FROM 'on' THEN
        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
          RAISE EXCEPTION 'ledger_append must come before any other write of its transaction'
            USING ERRCODE = 'LG002';
        END IF;
        PERFORM pg_advisory_xact_lock_shared(${classid}, ${objid});
        PERFORM set_config('ledger.appending', 'on', true);
      END IF;

      IF p_expected_kind = 'no_stream' THEN
        INSERT INTO ledger_streams AS s (stream_id, revision) VALUES (p_stream_id, v_count - 1)
          ON CONFLICT (stream_id) DO NOTHING
          RETURNING s.revision INTO v_last;
      ELSIF p_expected_kind = 'exact' THEN
        UPDATE ledger_streams AS s SET revision = s.revision + v_count
          WHERE s.stream_id = p_stream_id AND s.revision = p_expected_revision
          RETURNING s.revision INTO v_last;
      ELSIF p_expected_kind = 'stream_exists' THEN
        UPDATE ledger_streams AS s SET revision = s.revision + v_count
          WHERE s.stream_id = p_stream_id
          RETURNING s.revision INTO v_last;
      ELSE
        INSERT INTO ledger_streams AS s (stream_id, revision) VALUES (p_stream_id, v_count - 1)
          ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + v_count
          RETURNING s.revision INTO v_last;
      END IF;

      IF v_last IS NULL THEN
        SELECT s.revision INTO v_actual FROM ledger_streams AS s WHERE s.stream_id = p_stream_id;
        RAISE EXCEPTION 'wrong expected revision on %', p_stream_id
          USING ERRCODE = 'LG001', DETAIL = coalesce(v_actual::text, 'no_stream');
      END IF;

      RETURN QUERY
        WITH inserted AS (
          INSERT INTO ledger_events AS e (event_id, stream_id, revision, type, data, metadata)
            SELECT u.event_id, p_stream_id, v_last - v_count + u.ordinal, u.type, u.data, u.metadata
            FROM unnest(p_event_ids, p_types, p_data, p_metadata)
              WITH ORDINALITY AS u(event_id, type, data, metadata, ordinal)
            ORDER BY u.ordinal
            RETURNING e.seq
        )
        SELECT v_last, pg_current_xact_id()::text, max(inserted.seq) FROM inserted;
    END;
    $$;

    CREATE FUNCTION ledger_refuse_unannounced_write() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF current_setting('ledger.appending', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'events are written through ledger_append only (readers would miss them)'
          USING ERRCODE = 'LG002';
      END IF;
      RETURN NULL;
    END;
    $$;

    CREATE TRIGGER ledger_events_written_by_appenders
      BEFORE INSERT ON ledger_events
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_unannounced_write();

    -- STABLE: it reads no table through the snapshot, only the lock table and the commit
    -- log, in the order the migration's comment needs.
    CREATE FUNCTION ledger_read_horizon(p_snapshot pg_snapshot) RETURNS xid8
    LANGUAGE plpgsql STABLE AS $$
    DECLARE
      v_horizon xid8 := pg_snapshot_xmax(p_snapshot);
      v_appenders xid[];
      v_running xid8;
    BEGIN
      IF pg_snapshot_xmin(p_snapshot) = v_horizon THEN
        RETURN v_horizon;
      END IF;
      SELECT coalesce(array_agg(own.transactionid), '{}') INTO v_appenders
        FROM pg_locks AS announced
        JOIN pg_locks AS own ON own.virtualtransaction = announced.virtualtransaction
         AND own.locktype = 'transactionid' AND own.granted
       WHERE announced.locktype = 'advisory' AND announced.granted
         AND announced.classid = ${classid} AND announced.objid = ${objid}
         AND announced.objsubid = 2
         AND announced.database = (SELECT oid FROM pg_database WHERE datname = current_database());
      FOR v_running IN SELECT pg_snapshot_xip(p_snapshot) LOOP
        IF v_running < v_horizon AND (
             v_running::xid = ANY (v_appenders)
             OR pg_xact_status(v_running) IS DISTINCT FROM 'in progress') THEN
          v_horizon := v_running;
        END IF;
      END LOOP;
      RETURN v_horizon;
    END;
    $$;
  `,
};
