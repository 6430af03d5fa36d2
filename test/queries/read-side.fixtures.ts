import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type Position } from '../../src/event-store/position.js';
import { ConsistencyService } from '../../src/queries/consistency/consistency.service.js';
import { ViewCheckpointsRepository } from '../../src/queries/repositories/view-checkpoints.repository.js';
import { ReadPool } from '../../src/infrastructure/database/read-pool.js';
import { inTransaction } from '../support/in-transaction.js';
import { openMigratedDatabase } from '../support/test-database.js';
import { useFixture } from '../support/vitest-fixture.js';

/**
 * Rows written straight into the views and the checkpoint table: the read side is tested
 * without projectors, whose rows these stand in for.
 */

/** What the query handlers read through: the views' pool and the consistency wait. */
export interface ReadSide {
  readonly pool: pg.Pool;
  readonly consistency: ConsistencyService;
}

/** The read side over a migrated database of the spec file's own. */
export function useReadSide(poolSize: number): ReadSide {
  const current = useFixture(
    'file',
    async () => {
      const database = await openMigratedDatabase(poolSize);
      const { pool } = database;
      const reads = new ReadPool(pool, false);
      const consistency = new ConsistencyService(new ViewCheckpointsRepository(reads), reads);
      return { database, consistency };
    },
    async ({ database, consistency }) => {
      await consistency.onModuleDestroy();
      await database.close();
    },
  );
  return {
    get pool() {
      return current().database.pool;
    },
    get consistency() {
      return current().consistency;
    },
  };
}

export async function setCheckpoint(
  pool: pg.Pool,
  projection: string,
  position: Position,
  options: { notify: boolean } = { notify: true },
): Promise<void> {
  // As a projector does: the checkpoint and its NOTIFY in one transaction.
  await inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO ledger_projection_checkpoints (projection, commit_position, prepare_position)
       VALUES ($1, $2, $3)
       ON CONFLICT (projection) DO UPDATE
         SET commit_position = $2, prepare_position = $3, updated_at = now()`,
      [projection, position.commit.toString(), position.prepare.toString()],
    );
    if (options.notify)
      await client.query(`SELECT pg_notify('ledger_checkpoints', $1)`, [projection]);
  });
}

export function at(commit: number | bigint, prepare: number | bigint = 0): Position {
  return { commit: BigInt(commit), prepare: BigInt(prepare) };
}

export interface AccountRow {
  accountId: string;
  customerId: string;
  name: string;
  currency: string;
  status: string;
  balanceMinor: bigint;
  reservedMinor: bigint;
}

export async function insertAccount(
  pool: pg.Pool,
  row: Partial<AccountRow> = {},
): Promise<AccountRow> {
  const account: AccountRow = {
    accountId: randomUUID(),
    customerId: 'customer-1',
    name: 'Main',
    currency: 'USD',
    status: 'OPEN',
    balanceMinor: 0n,
    reservedMinor: 0n,
    ...row,
  };
  await pool.query(
    `INSERT INTO view_accounts (account_id, customer_id, name, currency, status, balance_minor,
       reserved_minor, opened_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())`,
    [
      account.accountId,
      account.customerId,
      account.name,
      account.currency,
      account.status,
      account.balanceMinor.toString(),
      account.reservedMinor.toString(),
    ],
  );
  return account;
}

export interface OrderRow {
  orderId: string;
  accountId: string;
  side: string;
  orderType: string;
  instrument: string;
  currency: string;
  quantity: bigint;
  limitPriceMinor: bigint | null;
  filledQuantity: bigint;
  filledNotionalMinor: bigint;
  feeMinor: bigint;
  status: string;
  reason: string | null;
  /** Any timestamptz literal; microseconds are kept. */
  placedAt: string;
}

export async function insertOrder(pool: pg.Pool, row: Partial<OrderRow> = {}): Promise<OrderRow> {
  const order: OrderRow = {
    orderId: randomUUID(),
    accountId: randomUUID(),
    side: 'BUY',
    orderType: 'MARKET',
    instrument: 'AAPL',
    currency: 'USD',
    quantity: 10n,
    limitPriceMinor: null,
    filledQuantity: 0n,
    filledNotionalMinor: 0n,
    feeMinor: 0n,
    status: 'PLACED',
    reason: null,
    placedAt: '2024-05-01T10:00:00.000000Z',
    ...row,
  };
  await pool.query(
    `INSERT INTO view_orders (order_id, account_id, side, order_type, instrument, currency, quantity,
       limit_price_minor, filled_quantity, filled_notional_minor, fee_minor, status, reason,
       placed_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())`,
    [
      order.orderId,
      order.accountId,
      order.side,
      order.orderType,
      order.instrument,
      order.currency,
      order.quantity.toString(),
      order.limitPriceMinor?.toString() ?? null,
      order.filledQuantity.toString(),
      order.filledNotionalMinor.toString(),
      order.feeMinor.toString(),
      order.status,
      order.reason,
      order.placedAt,
    ],
  );
  return order;
}

export async function insertHolding(
  pool: pg.Pool,
  row: {
    accountId: string;
    instrument: string;
    quantity: bigint;
    reservedQuantity?: bigint;
    costBasisMinor: bigint;
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO view_holdings (account_id, instrument, quantity, reserved_quantity,
       cost_basis_minor, updated_at)
     VALUES ($1, $2, $3, $4, $5, now())`,
    [
      row.accountId,
      row.instrument,
      row.quantity.toString(),
      (row.reservedQuantity ?? 0n).toString(),
      row.costBasisMinor.toString(),
    ],
  );
}

export async function insertLedgerEntry(
  pool: pg.Pool,
  row: {
    position: Position;
    postingIndex: number;
    ledgerAccount: string;
    accountId: string | null;
    amountMinor: bigint;
    currency?: string;
    eventType?: string;
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO view_ledger_entries (commit_position, prepare_position, posting_index,
       ledger_account, account_id, amount_minor, currency, event_type, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
    [
      row.position.commit.toString(),
      row.position.prepare.toString(),
      row.postingIndex,
      row.ledgerAccount,
      row.accountId,
      row.amountMinor.toString(),
      row.currency ?? 'USD',
      row.eventType ?? 'FundsDeposited.v2',
    ],
  );
}

export async function insertStatementLine(
  pool: pg.Pool,
  row: {
    accountId: string;
    position: Position;
    amountMinor: bigint;
    balanceAfterMinor: bigint;
    entryType?: string;
  },
): Promise<void> {
  await pool.query(
    `INSERT INTO view_account_statements (account_id, commit_position, prepare_position,
       entry_type, description, amount_minor, balance_after_minor, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
    [
      row.accountId,
      row.position.commit.toString(),
      row.position.prepare.toString(),
      row.entryType ?? 'DEPOSIT',
      'top-up',
      row.amountMinor.toString(),
      row.balanceAfterMinor.toString(),
    ],
  );
}

export async function insertParkedEvent(
  pool: pg.Pool,
  row: { projection: string; position: Position; replayed?: boolean },
): Promise<void> {
  await pool.query(
    `INSERT INTO ledger_projection_parked (projection, commit_position, prepare_position, event_id,
       event_type, stream_id, error, attempts, replayed_at)
     VALUES ($1, $2, $3, $4, 'X.v1', 'account-x', 'boom', 3, CASE WHEN $5 THEN now() END)`,
    [
      row.projection,
      row.position.commit.toString(),
      row.position.prepare.toString(),
      randomUUID(),
      row.replayed ?? false,
    ],
  );
}

/** A saga row as the saga's repository keeps it; `parkedAt` only for a parked one. */
export async function insertOrderSaga(
  pool: pg.Pool,
  row: { orderId: string; status: 'active' | 'parked' | 'finished'; parkedAt?: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO ledger_order_sagas (order_id, status, failures, last_error, parked_action, parked_at)
     VALUES ($1, $2, 8, 'boom', 'poll', $3)`,
    [row.orderId, row.status, row.parkedAt ?? null],
  );
}

/** The backend pid of the consistency LISTEN connection once it is up (bounded wait). */
export async function listenerPid(pool: pg.Pool, other?: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'ledger-consistency-listener'
         AND query ILIKE 'LISTEN%' AND ($1::integer IS NULL OR pid <> $1)`,
      [other ?? null],
    );
    if (rows[0] !== undefined) return rows[0].pid;
    await sleep(25);
  }
  throw new Error('the consistency LISTEN connection did not come up');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a promise has settled yet, without waiting for it. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await sleep(0);
  return done;
}
