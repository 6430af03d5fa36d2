import { type Migration } from '../migrator.js';

/**
 * The PostgreSQL event store.
 *
 * Global order is (tx_id, seq): the writing transaction's 64-bit id, then a sequence
 * within it. A plain sequence alone would let a follower skip events: with concurrent
 * writers, seq 11 can commit and be read before seq 10 commits. Readers therefore only
 * read rows whose transaction is older than the oldest transaction still running
 * (pg_snapshot_xmin); every such row is final, and every row that becomes visible
 * later has a tx_id at or above that horizon, so it sorts after anything read.
 */
export const eventStoreMigration: Migration = {
  version: 1,
  name: 'event-store',
  sql: `
    CREATE TABLE ledger_streams (
      stream_id text PRIMARY KEY,
      revision bigint NOT NULL
    );

    CREATE SEQUENCE ledger_event_seq AS bigint;

    CREATE TABLE ledger_events (
      tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
      seq bigint NOT NULL DEFAULT nextval('ledger_event_seq'),
      event_id uuid NOT NULL,
      stream_id text NOT NULL,
      revision bigint NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      CONSTRAINT ledger_events_pkey PRIMARY KEY (tx_id, seq),
      CONSTRAINT ledger_events_stream_revision_key UNIQUE (stream_id, revision),
      CONSTRAINT ledger_events_event_id_key UNIQUE (event_id)
    );

    -- One round trip per append. The stream row is written first so that the
    -- transaction's id is assigned only once it holds the stream: a later revision of a
    -- stream therefore always has a larger tx_id, and the global order keeps each
    -- stream's order.
    CREATE FUNCTION ledger_append(
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
  `,
};
