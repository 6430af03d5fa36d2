import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { encodeEvent } from '../src/events/event-codec.js';
import { type EventMetadata, toJson } from '../src/events/event-metadata.js';
import { type HistoryGenerator, type HistoryTally } from './trading-history.generator.js';
import { chunked, copyFrom, copyText } from '../src/infrastructure/database/copy-from-stdin.js';
import { ORDER_PLACEMENT_SAGA } from '../src/sagas/order-placement/order-sagas.repository.js';

/**
 * Writes a generated history straight into `ledger_events` and `ledger_streams`, as the
 * store would have written it but at bulk speed: one COPY in one transaction. Every
 * event is what `encodeEvent` produces, so the projections decode it as they would a
 * real one.
 *
 * Positions are explicit: transaction ids of transactions that ended long ago (below the
 * server's oldest running one), so every row is readable and final at once (migration
 * 006); the log takes them from 1000 upwards, one per append
 * (several appends share one when the server has handed out too few transaction ids so
 * far: order within a tx_id is by seq, which is what the store guarantees too).
 */

export interface LoadedLog {
  readonly events: number;
  readonly appends: number;
  readonly streams: number;
  readonly transactionIds: number;
  readonly seconds: number;
  readonly tally: HistoryTally;
}

const FIRST_TX_ID = 1_000n;

const MIN_USABLE_TX_IDS = 1_000n;

function horizonOf(pool: pg.Pool): Promise<bigint> {
  return pool
    .query<{ horizon: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon')
    .then(({ rows }) => BigInt(rows[0]!.horizon));
}

/**
 * Free transaction ids below the horizon, leaving a margin for ids the server hands out
 * meanwhile. A freshly initialised server has handed out too few: it is made to hand out
 * more, one short transaction each.
 */
async function usableTransactionIds(pool: pg.Pool): Promise<bigint> {
  const needed = FIRST_TX_ID + 100n + MIN_USABLE_TX_IDS;
  const shortfall = needed - (await horizonOf(pool));
  for (let i = 0n; i < shortfall; i++) await pool.query('SELECT pg_current_xact_id()');
  return (await horizonOf(pool)) - FIRST_TX_ID - 100n;
}

export async function loadHistory(
  pool: pg.Pool,
  generator: HistoryGenerator,
  minEvents: number,
): Promise<LoadedLog> {
  // The generator ends running processes past minEvents: a generous bound on appends.
  const maxAppends = BigInt(Math.ceil(minEvents * 1.2) + 100_000);
  const usable = await usableTransactionIds(pool);
  const appendsPerTx = maxAppends <= usable ? 1n : (maxAppends + usable - 1n) / usable;

  const revisions = new Map<string, number>();
  let appendIndex = 0n;
  let seq = 0;
  function* lines(): Generator<string> {
    for (const append of generator.appends(minEvents)) {
      const txId = FIRST_TX_ID + appendIndex / appendsPerTx;
      appendIndex += 1n;
      const metadata: EventMetadata = {
        correlationId: `bench-${appendIndex}`,
        causationId: `bench-${appendIndex}`,
        commandId: `bench-${appendIndex}`,
        userId: 'bench',
        occurredAt: append.occurredAt,
      };
      const metadataText = copyText(JSON.stringify(toJson(metadata)));
      for (const event of append.events) {
        const revision = revisions.get(append.streamId) ?? 0;
        revisions.set(append.streamId, revision + 1);
        seq += 1;
        const { type, data } = encodeEvent(event);
        yield `${txId}\t${seq}\t${generator.uuid()}\t${copyText(append.streamId)}\t${revision}\t${type}\t${copyText(JSON.stringify(data))}\t${metadataText}\t${append.occurredAt}\n`;
      }
    }
  }

  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Written before anything reads the log, with past transaction ids: nothing to announce.
    await client.query("SET LOCAL ledger.appending = 'on'");
    const copied = await copyFrom(
      client,
      `COPY ledger_events (tx_id, seq, event_id, stream_id, revision, type, data, metadata, created_at)
       FROM STDIN`,
      chunked(lines()),
    );
    if (copied !== seq) throw new Error(`COPY wrote ${copied} events, ${seq} were sent`);
    await client.query(
      `INSERT INTO ledger_streams (stream_id, revision)
       SELECT stream_id, max(revision) FROM ledger_events GROUP BY stream_id`,
    );
    // Appends made through the store after this must take positions after the log.
    await client.query("SELECT setval('ledger_event_seq', $1)", [seq]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const seconds = (performance.now() - started) / 1_000;
  await pool.query('VACUUM ANALYZE ledger_events');
  await pool.query('VACUUM ANALYZE ledger_streams');
  return {
    events: seq,
    appends: Number(appendIndex),
    streams: revisions.size,
    transactionIds: Number((appendIndex + appendsPerTx - 1n) / appendsPerTx),
    seconds,
    tally: generator.tally,
  };
}

// --- ceilings ------------------------------------------------------------------------

/** Rows for the ceilings: as wide as a log event (a stream id and the event's JSON). */
export interface CeilingRow {
  readonly id: number;
  readonly streamId: string;
  readonly data: string;
}

/** Takes the first `count` events of a loaded log as plain rows (untimed). */
export async function ceilingRows(pool: pg.Pool, count: number): Promise<CeilingRow[]> {
  const { rows } = await pool.query<{ stream_id: string; data: string }>(
    `SELECT stream_id, data::text AS data FROM ledger_events ORDER BY tx_id, seq LIMIT $1`,
    [count],
  );
  return rows.map((row, index) => ({ id: index + 1, streamId: row.stream_id, data: row.data }));
}

export type CeilingMethod = 'insert-1000' | 'insert-5000' | 'copy';

const CEILING_TABLE = 'bench_ceiling';

/**
 * Rows per second into a plain table (a bigint key, text and jsonb, no other index) on
 * one connection: what the server can take in at best, by multi-row INSERT (the
 * `unnest` form the projections write with, one statement per batch, autocommitted) and
 * by COPY (one statement). A rebuild writes at least a row per event it applies, so
 * these bound what any projector can reach on this server.
 */
export async function measureCeiling(
  pool: pg.Pool,
  rows: readonly CeilingRow[],
  method: CeilingMethod,
): Promise<{ rows: number; seconds: number; perSecond: number }> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${CEILING_TABLE} (id bigint PRIMARY KEY, stream_id text NOT NULL, data jsonb NOT NULL)`,
  );
  await pool.query(`TRUNCATE ${CEILING_TABLE}`);
  await pool.query('CHECKPOINT').catch(() => undefined);
  const client = await pool.connect();
  try {
    const started = performance.now();
    if (method === 'copy') {
      const copied = await copyFrom(
        client,
        `COPY ${CEILING_TABLE} (id, stream_id, data) FROM STDIN`,
        chunked(rows.map((row) => `${row.id}\t${copyText(row.streamId)}\t${copyText(row.data)}\n`)),
      );
      if (copied !== rows.length) throw new Error(`COPY wrote ${copied} of ${rows.length} rows`);
    } else {
      const batch = method === 'insert-1000' ? 1_000 : 5_000;
      for (let from = 0; from < rows.length; from += batch) {
        const slice = rows.slice(from, from + batch);
        await client.query(
          `INSERT INTO ${CEILING_TABLE} (id, stream_id, data)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[])`,
          [
            slice.map((row) => row.id),
            slice.map((row) => row.streamId),
            slice.map((row) => row.data),
          ],
        );
      }
    }
    const seconds = (performance.now() - started) / 1_000;
    const { rows: counted } = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${CEILING_TABLE}`,
    );
    if (Number(counted[0]!.n) !== rows.length) {
      throw new Error(`${method}: ${counted[0]!.n} rows in the table, ${rows.length} were written`);
    }
    return { rows: rows.length, seconds, perSecond: rows.length / seconds };
  } finally {
    client.release();
  }
}

/**
 * Marks a loaded history's orders as settled history: the order saga's follower starts
 * after the log, as on a ledger whose sagas have all finished. From the start it would
 * place every open order of the generated history at the market.
 */
export async function startSagasAfterLog(pool: pg.Pool): Promise<void> {
  await pool.query(
    `INSERT INTO ledger_saga_checkpoints (saga, commit_position, prepare_position)
     SELECT $1, tx_id::text::numeric, seq FROM ledger_events ORDER BY tx_id DESC, seq DESC LIMIT 1`,
    [ORDER_PLACEMENT_SAGA],
  );
}
