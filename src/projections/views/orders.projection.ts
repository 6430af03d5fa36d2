import type pg from 'pg';
import { both, independently } from '../../infrastructure/database/pipelined-connection.js';
import { type ProjectionName, type ViewTable, viewTablesOf } from '../../shared/view-tables.js';
import {
  type BulkLoad,
  type ProjectedEvent,
  type Projection,
  type TableNames,
} from '../engine/projection.js';
import { StagedRows, insertRows, physicalTable, takeExcluded } from './batch-sql.js';
import { FEE_COLUMNS, ORDER_COLUMNS, loadFees, loadOrders } from './order-columns.js';
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
