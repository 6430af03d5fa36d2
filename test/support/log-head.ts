import type pg from 'pg';
import { type Position } from '../../src/event-store/position.js';

/**
 * The position of the last event in the PostgreSQL log, committed or not yet readable.
 * Not store.headPosition(): that answers below the reading horizon, which a transaction
 * on the server that is just taking its id or just ending holds back for a moment (see
 * migration 008), so right after an append it may be behind it.
 */
export async function lastLoggedPosition(pool: pg.Pool): Promise<Position> {
  const { rows } = await pool.query<{ commit: string; seq: string }>(
    `SELECT tx_id::text AS commit, seq::text FROM ledger_events ORDER BY tx_id DESC, seq DESC LIMIT 1`,
  );
  const row = rows[0];
  if (!row) throw new Error('The log is empty');
  return { commit: BigInt(row.commit), prepare: BigInt(row.seq) };
}
