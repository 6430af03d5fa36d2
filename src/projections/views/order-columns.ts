import type pg from 'pg';
import { type Column } from './batch-sql.js';
import { type FeeRow, type OrderRow } from './order-fold.js';

// The order rows as the orders view and the order-search view both store them: the
// search view is the orders view with the customer beside each order.

export const ORDER_COLUMNS: readonly Column<OrderRow>[] = [
  { name: 'order_id', type: 'text', value: (row) => row.orderId },
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'side', type: 'text', value: (row) => row.side },
  { name: 'order_type', type: 'text', value: (row) => row.orderType },
  { name: 'instrument', type: 'text', value: (row) => row.instrument },
  { name: 'currency', type: 'text', value: (row) => row.currency },
  { name: 'quantity', type: 'numeric', value: (row) => row.quantity },
  { name: 'limit_price_minor', type: 'numeric', value: (row) => row.limitPriceMinor },
  { name: 'filled_quantity', type: 'numeric', value: (row) => row.filledQuantity },
  { name: 'filled_notional_minor', type: 'numeric', value: (row) => row.filledNotionalMinor },
  { name: 'fee_minor', type: 'numeric', value: (row) => row.feeMinor },
  { name: 'status', type: 'text', value: (row) => row.status },
  { name: 'reason', type: 'text', value: (row) => row.reason },
  { name: 'placed_at', type: 'timestamptz', value: (row) => row.placedAt },
  { name: 'expires_at', type: 'timestamptz', value: (row) => row.expiresAt },
  { name: 'updated_at', type: 'timestamptz', value: (row) => row.updatedAt },
];

export const FEE_COLUMNS: readonly Column<FeeRow>[] = [
  { name: 'order_id', type: 'text', value: (row) => row.orderId },
  { name: 'fee_minor', type: 'numeric', value: (row) => row.feeMinor },
];

type NullableColumn = 'limitPriceMinor' | 'reason' | 'expiresAt';
type StoredOrder = { [K in keyof OrderRow]: K extends NullableColumn ? string | null : string };

/** The batch's orders as they stand, locked: they are written back whole. */
export async function loadOrders(
  client: pg.ClientBase,
  table: string,
  orderIds: readonly string[],
): Promise<Map<string, OrderRow>> {
  // Numbers and times come back as text: exact, and independent of any type parsers.
  const { rows } = await client.query<StoredOrder>(
    `SELECT order_id AS "orderId", account_id AS "accountId", side, order_type AS "orderType",
            instrument, currency, quantity::text AS quantity,
            limit_price_minor::text AS "limitPriceMinor",
            filled_quantity::text AS "filledQuantity",
            filled_notional_minor::text AS "filledNotionalMinor",
            fee_minor::text AS "feeMinor", status, reason,
            placed_at::text AS "placedAt", expires_at::text AS "expiresAt",
            updated_at::text AS "updatedAt"
       FROM ${table} WHERE order_id = ANY($1::text[]) FOR UPDATE`,
    [orderIds],
  );
  return new Map(
    rows.map((row) => [
      row.orderId,
      {
        ...row,
        quantity: BigInt(row.quantity),
        limitPriceMinor: row.limitPriceMinor === null ? null : BigInt(row.limitPriceMinor),
        filledQuantity: BigInt(row.filledQuantity),
        filledNotionalMinor: BigInt(row.filledNotionalMinor),
        feeMinor: BigInt(row.feeMinor),
      },
    ]),
  );
}

/** Fees recorded before their order's placement reached the view. */
export async function loadFees(
  client: pg.ClientBase,
  table: string,
  orderIds: readonly string[],
): Promise<Map<string, bigint>> {
  if (orderIds.length === 0) return new Map();
  const { rows } = await client.query<{ orderId: string; feeMinor: string }>(
    `SELECT order_id AS "orderId", fee_minor::text AS "feeMinor"
       FROM ${table} WHERE order_id = ANY($1::text[])`,
    [orderIds],
  );
  return new Map(rows.map((row) => [row.orderId, BigInt(row.feeMinor)]));
}
