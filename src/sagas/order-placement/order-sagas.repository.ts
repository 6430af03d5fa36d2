import type pg from 'pg';
import { type Position, START } from '../../event-store/position.js';

export interface ParkedSaga {
  readonly orderId: string;
  readonly action: string;
  readonly error: string;
  readonly failures: number;
  readonly parkedAt: Date;
}

export interface ClaimedSaga {
  readonly orderId: string;
  /** Failed turns in a row so far. */
  readonly failures: number;
  /** Looks at the market in a row that found nothing new (the next one backs off further). */
  readonly quietPolls: number;
}

/** One look at the table: the sagas leased, and when the next of the others can be claimed. */
export interface Claim {
  readonly claimed: readonly ClaimedSaga[];
  /**
   * Milliseconds until another active saga (not one just claimed) can be claimed (0: one
   * can now), or undefined when there is none. A leased saga counts from its lease's end.
   */
  readonly nextDueInMs: number | undefined;
}

export interface SagaCounts {
  readonly active: number;
  readonly parked: number;
  readonly finished: number;
}

/** The saga table's checkpoint row of the placement saga's log follower. */
export const ORDER_PLACEMENT_SAGA = 'order-placement';

/** Most parked sagas listed at once. */
export const MAX_PARKED_LISTED = 500;

/**
 * Milliseconds until the soonest of the selected sagas can be claimed (a leased one
 * counts from its lease's end), negative when overdue, NULL when none is selected. Not
 * clamped here: GREATEST ignores NULLs, so GREATEST(0, NULL) would read "no saga at all"
 * as "one is due now", and the scheduler would claim again and again on an empty table.
 */
const WAIT_MS = `(EXTRACT(EPOCH FROM (
    min(GREATEST(due_at, COALESCE(lease_until, due_at))) - now())) * 1000)::bigint::text AS wait_ms`;

function waitMsOf(text: string | null | undefined): number | undefined {
  return text === null || text === undefined ? undefined : Math.max(0, Number(text));
}

/**
 * Every SQL statement of the order placement saga: its log checkpoint, and one row per
 * order that schedules its turns (the durable timeouts), leases it to one worker at a
 * time, and parks it.
 */
export class OrderSagasRepository {
  constructor(private readonly pool: pg.Pool) {}

  async checkpoint(): Promise<Position> {
    await this.pool.query(
      'INSERT INTO ledger_saga_checkpoints (saga) VALUES ($1) ON CONFLICT (saga) DO NOTHING',
      [ORDER_PLACEMENT_SAGA],
    );
    const { rows } = await this.pool.query<{ commit: string; prepare: string }>(
      `SELECT commit_position::text AS commit, prepare_position::text AS prepare
         FROM ledger_saga_checkpoints WHERE saga = $1`,
      [ORDER_PLACEMENT_SAGA],
    );
    const row = rows[0];
    return row ? { commit: BigInt(row.commit), prepare: BigInt(row.prepare) } : START;
  }

  /**
   * Makes the orders' sagas due now and moves the checkpoint from `from` to `to`, in one
   * statement (so one transaction, one round trip) that only does either when the
   * checkpoint is still where this follower left it. False when another follower moved
   * it (this one then reloads it). New orders get a row; a finished or parked saga is
   * left as it is. Two followers on one `from` serialise on the checkpoint's row lock:
   * the second finds it moved and writes nothing.
   */
  async schedule(from: Position, to: Position, orderIds: readonly string[]): Promise<boolean> {
    const { rows } = await this.pool.query<{ moved: boolean }>(
      `WITH moved AS (
         UPDATE ledger_saga_checkpoints SET commit_position = $4, prepare_position = $5,
           updated_at = now()
          WHERE saga = $1 AND commit_position = $2 AND prepare_position = $3
          RETURNING 1),
       due AS (
         INSERT INTO ledger_order_sagas (order_id)
         SELECT DISTINCT order_id FROM unnest($6::text[]) AS ids (order_id), moved ORDER BY 1
         ON CONFLICT (order_id) DO UPDATE SET due_at = LEAST(ledger_order_sagas.due_at, now()),
           quiet_polls = 0, updated_at = now()
         WHERE ledger_order_sagas.status = 'active')
       SELECT EXISTS (SELECT 1 FROM moved) AS moved`,
      [
        ORDER_PLACEMENT_SAGA,
        from.commit.toString(),
        from.prepare.toString(),
        to.commit.toString(),
        to.prepare.toString(),
        orderIds,
      ],
    );
    return rows[0]?.moved === true;
  }

  /**
   * Leases up to `limit` due sagas to `owner` (skipping those held by a live lease or
   * locked by another worker's claim), soonest due first, and in the same round trip
   * says when the next of the others is due.
   */
  async claimDue(owner: string, limit: number, leaseMs: number): Promise<Claim> {
    const { rows } = await this.pool.query<{
      order_id: string | null;
      failures: number | null;
      quiet_polls: number | null;
      wait_ms: string | null;
    }>(
      `WITH claimed AS (
         UPDATE ledger_order_sagas SET lease_owner = $1,
           lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
          WHERE order_id IN (
            SELECT order_id FROM ledger_order_sagas
             WHERE status = 'active' AND due_at <= now()
               AND (lease_until IS NULL OR lease_until < now())
             ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING order_id, failures, quiet_polls),
       next AS (
         SELECT ${WAIT_MS}
           FROM ledger_order_sagas
          WHERE status = 'active' AND order_id NOT IN (SELECT order_id FROM claimed))
       SELECT claimed.order_id, claimed.failures, claimed.quiet_polls, next.wait_ms
         FROM next LEFT JOIN claimed ON true`,
      [owner, limit, leaseMs],
    );
    return {
      claimed: rows.flatMap((row) =>
        row.order_id === null
          ? []
          : [
              {
                orderId: row.order_id,
                failures: row.failures ?? 0,
                quietPolls: row.quiet_polls ?? 0,
              },
            ],
      ),
      nextDueInMs: waitMsOf(rows[0]?.wait_ms),
    };
  }

  /** Keeps the lease while a turn goes on. False when `owner` no longer holds it. */
  async renew(orderId: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ledger_order_sagas SET lease_until = now() + $3 * interval '1 millisecond'
        WHERE order_id = $1 AND lease_owner = $2`,
      [orderId, owner, leaseMs],
    );
    return rowCount === 1;
  }

  /**
   * Milliseconds until an active saga can next be claimed (0: one can now), or undefined
   * when none is active. A leased saga counts from its lease's end.
   */
  async nextDueInMs(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ wait_ms: string | null }>(
      `SELECT ${WAIT_MS} FROM ledger_order_sagas WHERE status = 'active'`,
    );
    return waitMsOf(rows[0]?.wait_ms);
  }

  /**
   * The turn made progress (or is waiting): next turn after `delayMs`, failures
   * forgotten. `quietPolls`: looks at the market in a row that found nothing new.
   */
  async reschedule(orderId: string, owner: string, delayMs: number, quietPolls = 0): Promise<void> {
    await this.pool.query(
      `UPDATE ledger_order_sagas SET due_at = now() + $3 * interval '1 millisecond',
         failures = 0, last_error = NULL, quiet_polls = $4, lease_owner = NULL, lease_until = NULL,
         updated_at = now()
       WHERE order_id = $1 AND lease_owner = $2`,
      [orderId, owner, delayMs, quietPolls],
    );
  }

  async finish(orderId: string, owner: string): Promise<void> {
    await this.pool.query(
      `UPDATE ledger_order_sagas SET status = 'finished', failures = 0, last_error = NULL,
         lease_owner = NULL, lease_until = NULL, updated_at = now()
       WHERE order_id = $1 AND lease_owner = $2`,
      [orderId, owner],
    );
  }

  /**
   * A failed turn: tried again after `retryInMs`, or parked once `maxFailures` turns in a
   * row have failed. Answers whether it parked.
   */
  async failed(
    orderId: string,
    owner: string,
    failure: { action: string; error: string; retryInMs: number; maxFailures: number },
  ): Promise<boolean> {
    const { rows } = await this.pool.query<{ status: string }>(
      `UPDATE ledger_order_sagas SET failures = failures + 1, last_error = $3, parked_action = $4,
         status = CASE WHEN failures + 1 >= $6 THEN 'parked' ELSE status END,
         parked_at = CASE WHEN failures + 1 >= $6 THEN now() ELSE parked_at END,
         due_at = now() + $5 * interval '1 millisecond',
         lease_owner = NULL, lease_until = NULL, updated_at = now()
       WHERE order_id = $1 AND lease_owner = $2
       RETURNING status`,
      [orderId, owner, failure.error, failure.action, failure.retryInMs, failure.maxFailures],
    );
    return rows[0]?.status === 'parked';
  }

  /** Back to work now. False when the saga is not parked. */
  async unpark(orderId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE ledger_order_sagas SET status = 'active', due_at = now(), failures = 0,
         quiet_polls = 0, parked_at = NULL, updated_at = now()
       WHERE order_id = $1 AND status = 'parked'`,
      [orderId],
    );
    return rowCount === 1;
  }

  async status(orderId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ status: string }>(
      'SELECT status FROM ledger_order_sagas WHERE order_id = $1',
      [orderId],
    );
    return rows[0]?.status;
  }

  async listParked(limit: number): Promise<ParkedSaga[]> {
    const { rows } = await this.pool.query<{
      order_id: string;
      parked_action: string | null;
      last_error: string | null;
      failures: number;
      parked_at: Date;
    }>(
      `SELECT order_id, parked_action, last_error, failures, parked_at FROM ledger_order_sagas
        WHERE status = 'parked' ORDER BY parked_at, order_id LIMIT $1`,
      [Math.min(limit, MAX_PARKED_LISTED)],
    );
    return rows.map((row) => ({
      orderId: row.order_id,
      action: row.parked_action ?? '',
      error: row.last_error ?? '',
      failures: row.failures,
      parkedAt: row.parked_at,
    }));
  }

  async counts(): Promise<SagaCounts> {
    const { rows } = await this.pool.query<{ status: string; count: string }>(
      'SELECT status, count(*)::text AS count FROM ledger_order_sagas GROUP BY status',
    );
    const of = (status: string): number =>
      Number(rows.find((row) => row.status === status)?.count ?? 0);
    return { active: of('active'), parked: of('parked'), finished: of('finished') };
  }
}
