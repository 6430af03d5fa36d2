import type pg from 'pg';
import { both, independently } from '../../infrastructure/database/pipelined-connection.js';
import { type ProjectionName, type ViewTable, viewTablesOf } from '../../shared/view-tables.js';
import {
  type BulkLoad,
  type ProjectedEvent,
  type Projection,
  type TableNames,
} from '../engine/projection.js';
import { type Column, StagedRows, insertRows, physicalTable, takeExcluded } from './batch-sql.js';
import {
  type FeeRow,
  type OrderRow,
  foldOrders,
  isFeeEvent,
  isOrderEvent,
  orderEvents,
} from './order-fold.js';

const NAME: ProjectionName = 'orders';
const ORDERS: ViewTable = 'view_orders';
const FEES: ViewTable = 'view_order_fees';

const ORDER_COLUMNS: readonly Column<OrderRow>[] = [
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

const FEE_COLUMNS: readonly Column<FeeRow>[] = [
  { name: 'order_id', type: 'text', value: (row) => row.orderId },
  { name: 'fee_minor', type: 'numeric', value: (row) => row.feeMinor },
];

type NullableColumn = 'limitPriceMinor' | 'reason' | 'expiresAt';
type StoredOrder = { [K in keyof OrderRow]: K extends NullableColumn ? string | null : string };

/** The batch's orders as they stand, locked: they are written back whole. */
async function loadOrders(
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
async function loadFees(
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

async function apply(
  client: pg.ClientBase,
  events: readonly ProjectedEvent[],
  tables: TableNames,
): Promise<void> {
  const relevant = orderEvents(events);
  if (relevant.length === 0) return;

  const ordersTable = physicalTable(tables, ORDERS);
  const feesTable = physicalTable(tables, FEES);
  const placedIds = relevant.flatMap(({ event }) =>
    event.type === 'OrderPlaced' ? [event.data.orderId] : [],
  );
  const [orders, fees] = await both(
    client,
    () =>
      loadOrders(client, ordersTable, [
        ...new Set(relevant.map(({ event }) => event.data.orderId)),
      ]),
    () => loadFees(client, feesTable, placedIds),
  );
  const { touched, feesChanged } = foldOrders(orders, fees, relevant);

  await independently(client, [
    () =>
      insertRows(
        client,
        ordersTable,
        ORDER_COLUMNS,
        [...touched.values()],
        `ON CONFLICT (order_id) DO UPDATE SET ${takeExcluded(
          ORDER_COLUMNS.map((column) => column.name).filter((name) => name !== 'order_id'),
        )}`,
      ),
    () =>
      insertRows(
        client,
        feesTable,
        FEE_COLUMNS,
        [...feesChanged.values()],
        `ON CONFLICT (order_id) DO UPDATE SET ${takeExcluded(['fee_minor'])}`,
      ),
  ]);
}

function bulkLoad(tables: TableNames): BulkLoad {
  const orders = new StagedRows(new Map<string, OrderRow>(), ORDER_COLUMNS, ['order_id']);
  const fees = new StagedRows(new Map<string, FeeRow>(), FEE_COLUMNS, ['order_id']);
  // The fold keeps every fee by order, for the orders placed after it.
  const feeMinors = new Map<string, bigint>();
  return {
    add: (_client, events) => {
      const { touched, feesChanged } = foldOrders(orders.rows, feeMinors, orderEvents(events));
      for (const orderId of touched.keys()) orders.touch(orderId);
      for (const [orderId, fee] of feesChanged) {
        fees.rows.set(orderId, fee);
        fees.touch(orderId);
      }
      return Promise.resolve();
    },
    flush: async (client) => {
      await orders.flush(client, physicalTable(tables, ORDERS));
      await fees.flush(client, physicalTable(tables, FEES));
    },
  };
}

/** Orders with their fills, status and fee. */
export const ordersProjection: Projection = {
  name: NAME,
  tables: viewTablesOf(NAME),
  eventTypes: [...isOrderEvent.types, ...isFeeEvent.types],
  apply,
  bulkLoad,
};
