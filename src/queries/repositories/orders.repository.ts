import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { type Slice, sliceOf } from '../paging/page.js';
import { ORDER_COLUMNS, type OrderRowText, orderFieldsOfRow } from './order-rows.js';
import { isoMicros } from './sql-formats.js';

export interface OrderView {
  readonly orderId: string;
  readonly accountId: string;
  readonly side: string;
  readonly orderType: string;
  readonly instrument: string;
  readonly currency: string;
  readonly quantity: bigint;
  readonly limitPriceMinor: bigint | null;
  readonly filledQuantity: bigint;
  readonly filledNotionalMinor: bigint;
  readonly feeMinor: bigint;
  readonly status: string;
  readonly reason: string | null;
  readonly placedAt: Date;
  readonly expiresAt: Date | null;
  readonly updatedAt: Date;
  /** The paging key: placed_at exactly (microseconds, UTC), then the id. */
  readonly key: OrderKey;
}

/** Where a page of orders ends: placedAt as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, then the id. */
export interface OrderKey {
  readonly placedAt: string;
  readonly orderId: string;
}

export interface OrderFilter {
  /** Orders of this customer's accounts only (a customer's own reads). */
  readonly customerId?: string | undefined;
  readonly accountId?: string | undefined;
  readonly status?: string | undefined;
  readonly side?: string | undefined;
  readonly instrument?: string | undefined;
  /** Inclusive. */
  readonly placedFrom?: Date | undefined;
  /** Exclusive. */
  readonly placedTo?: Date | undefined;
}

interface OrderRow extends OrderRowText {
  placed_at: Date;
  placed_at_key: string;
  expires_at: Date | null;
  updated_at: Date;
}

// A JS Date keeps milliseconds only: the paging key is placed_at as exact text.
const COLUMNS = `${ORDER_COLUMNS}, placed_at, ${isoMicros('placed_at')} AS placed_at_key,
  expires_at, updated_at`;

function toView(row: OrderRow): OrderView {
  return {
    ...orderFieldsOfRow(row),
    placedAt: row.placed_at,
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
    key: { placedAt: row.placed_at_key, orderId: row.order_id },
  };
}

/** view_orders (kept by the `orders` projector). */
@Injectable()
export class OrdersRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  async findById(orderId: string): Promise<OrderView | undefined> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM view_orders WHERE order_id = $1`,
      [orderId],
    );
    return rows[0] === undefined ? undefined : toView(rows[0]);
  }

  /**
   * Newest first, keyset-paged on (placed_at, order_id) so pages neither repeat nor skip
   * rows however many orders share a timestamp. Only the filters given become conditions,
   * so the planner can use the (account_id, placed_at, order_id) index.
   */
  async list(
    filter: OrderFilter,
    page: { after: OrderKey | undefined; limit: number },
  ): Promise<Slice<OrderView>> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const where = (sql: (parameter: string) => string, value: unknown): void => {
      values.push(value);
      conditions.push(sql(`$${values.length}`));
    };
    if (filter.customerId !== undefined) {
      where(
        (p) => `account_id IN (SELECT account_id FROM view_accounts WHERE customer_id = ${p})`,
        filter.customerId,
      );
    }
    if (filter.accountId !== undefined) where((p) => `account_id = ${p}`, filter.accountId);
    if (filter.status !== undefined) where((p) => `status = ${p}`, filter.status);
    if (filter.side !== undefined) where((p) => `side = ${p}`, filter.side);
    if (filter.instrument !== undefined) where((p) => `instrument = ${p}`, filter.instrument);
    if (filter.placedFrom !== undefined) where((p) => `placed_at >= ${p}`, filter.placedFrom);
    if (filter.placedTo !== undefined) where((p) => `placed_at < ${p}`, filter.placedTo);
    if (page.after !== undefined) {
      values.push(page.after.placedAt, page.after.orderId);
      conditions.push(
        `(placed_at, order_id) < ($${values.length - 1}::timestamptz, $${values.length}::text)`,
      );
    }
    values.push(page.limit + 1);
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM view_orders
       ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
       ORDER BY placed_at DESC, order_id DESC LIMIT $${values.length}`,
      values,
    );
    return sliceOf(rows.map(toView), page.limit);
  }
}
