import type pg from 'pg';
import { type Position, START } from '../../infrastructure/event-store/position.js';

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
   * Makes the orders' sagas due now and moves the checkpoint, in one transaction that
   * first checks the checkpoint is still where this follower left it. False when another
   * follower moved it (this one then reloads it). New orders get a row; a finished or
   * parked saga is left as it is.
   */
  async schedule(from: Position, to: Position, orderIds: readonly string[]): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ commit: string; prepare: string }>(
        `SELECT commit_position::text AS commit, prepare_position::text AS prepare
           FROM ledger_saga_checkpoints WHERE saga = $1 FOR UPDATE`,
        [ORDER_PLACEMENT_SAGA],
      );
      const stored = rows[0];
      if (
        !stored ||
        BigInt(stored.commit) !== from.commit ||
        BigInt(stored.prepare) !== from.prepare
      ) {
        await client.query('ROLLBACK');
        return false;
      }
      if (orderIds.length > 0) {
        await client.query(
          `INSERT INTO ledger_order_sagas (order_id)
           SELECT DISTINCT unnest($1::text[]) ORDER BY 1
           ON CONFLICT (order_id) DO UPDATE SET due_at = LEAST(ledger_order_sagas.due_at, now()),
             updated_at = now()
           WHERE ledger_order_sagas.status = 'active'`,
          [orderIds],
        );
      }
      await client.query(
        `UPDATE ledger_saga_checkpoints SET commit_position = $2, prepare_position = $3,
           updated_at = now() WHERE saga = $1`,
        [ORDER_PLACEMENT_SAGA, to.commit.toString(), to.prepare.toString()],
      );
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Leases up to `limit` due sagas to `owner` (skipping those held by a live lease or
   * locked by another worker's claim), soonest due first.
   */
  async claimDue(owner: string, limit: number, leaseMs: number): Promise<ClaimedSaga[]> {
    const { rows } = await this.pool.query<{ order_id: string; failures: number }>(
      `UPDATE ledger_order_sagas SET lease_owner = $1,
         lease_until = now() + $3 * interval '1 millisecond', updated_at = now()
       WHERE order_id IN (
         SELECT order_id FROM ledger_order_sagas
          WHERE status = 'active' AND due_at <= now()
            AND (lease_until IS NULL OR lease_until < now())
          ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING order_id, failures`,
      [owner, limit, leaseMs],
    );
    return rows.map((row) => ({ orderId: row.order_id, failures: row.failures }));
  }

  /** Keeps the lease while a turn goes on. */
  async renew(orderId: string, owner: string, leaseMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE ledger_order_sagas SET lease_until = now() + $3 * interval '1 millisecond'
        WHERE order_id = $1 AND lease_owner = $2`,
      [orderId, owner, leaseMs],
    );
  }

  /**
   * Milliseconds until an active saga can next be claimed (0: one can now), or undefined
   * when none is active. A leased saga counts from its lease's end.
   */
  async nextDueInMs(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ wait_ms: string | null }>(
      `SELECT GREATEST(0, EXTRACT(EPOCH FROM (
                min(GREATEST(due_at, COALESCE(lease_until, due_at))) - now())) * 1000)::bigint::text
                AS wait_ms
         FROM ledger_order_sagas WHERE status = 'active'`,
    );
    const waitMs = rows[0]?.wait_ms;
    return waitMs === null || waitMs === undefined ? undefined : Number(waitMs);
  }

  /** The turn made progress (or is waiting): next turn after `delayMs`, failures forgotten. */
  async reschedule(orderId: string, owner: string, delayMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE ledger_order_sagas SET due_at = now() + $3 * interval '1 millisecond',
         failures = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = now()
       WHERE order_id = $1 AND lease_owner = $2`,
      [orderId, owner, delayMs],
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
         parked_at = NULL, updated_at = now()
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
