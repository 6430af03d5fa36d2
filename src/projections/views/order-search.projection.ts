import type pg from 'pg';
import { independently } from '../../infrastructure/database/pipelined-connection.js';
import { type ProjectionName, type ViewTable, viewTablesOf } from '../../shared/view-tables.js';
import {
  type BulkLoad,
  type ProjectedEvent,
  type Projection,
  type TableNames,
} from '../engine/projection.js';
import { type Column, StagedRows, insertRows, physicalTable, takeExcluded } from './batch-sql.js';
import { accountIdOfStream, eventTypes } from './event-fields.js';
import { FEE_COLUMNS, ORDER_COLUMNS, loadFees, loadOrders } from './order-columns.js';
import {
  type FeeRow,
  type OrderRow,
  foldOrders,
  isFeeEvent,
  isOrderEvent,
  orderEvents,
} from './order-fold.js';

const NAME: ProjectionName = 'order-search';
const SEARCH: ViewTable = 'view_order_search';
const ACCOUNTS: ViewTable = 'view_order_search_accounts';
const FEES: ViewTable = 'view_order_search_fees';

const isAccountOpened = eventTypes('AccountOpened');

interface AccountCustomer {
  readonly accountId: string;
  readonly customerId: string;
}

const ACCOUNT_COLUMNS: readonly Column<AccountCustomer>[] = [
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'customer_id', type: 'text', value: (row) => row.customerId },
];

/**
 * The orders view's columns and the customer, which the fold does not know: it comes
 * from the account's opening, by the order's account. Commands open an account before
 * an order can be placed on it, but a log written otherwise (an import, a test's
 * concurrent appends) may hold an order first: its customer stays null until the
 * opening is applied, and no customer's search finds it meanwhile.
 */
function searchColumns(customers: ReadonlyMap<string, string>): Column<OrderRow>[] {
  const customerOf = (row: OrderRow): string | null => customers.get(row.accountId) ?? null;
  return [...ORDER_COLUMNS, { name: 'customer_id', type: 'text', value: customerOf }];
}

const UPDATED_COLUMNS = ORDER_COLUMNS.map((column) => column.name).filter(
  (name) => name !== 'order_id',
);

function openings(events: readonly ProjectedEvent[]): AccountCustomer[] {
  return events.flatMap(({ event, recorded }) =>
    isAccountOpened(event)
      ? [{ accountId: accountIdOfStream(recorded.streamId), customerId: event.data.customerId }]
      : [],
  );
}

/** The customers of these accounts and of the accounts of these orders. */
async function loadCustomers(
  client: pg.ClientBase,
  tables: TableNames,
  accountIds: readonly string[],
  orderIds: readonly string[],
): Promise<Map<string, string>> {
  const { rows } = await client.query<AccountCustomer>(
    `SELECT account_id AS "accountId", customer_id AS "customerId"
       FROM ${physicalTable(tables, ACCOUNTS)}
      WHERE account_id = ANY($1::text[])
         OR account_id IN (SELECT account_id FROM ${physicalTable(tables, SEARCH)}
                            WHERE order_id = ANY($2::text[]))`,
    [accountIds, orderIds],
  );
  return new Map(rows.map((row) => [row.accountId, row.customerId]));
}

/** Orders that reached the view before their account's opening get their customer now. */
async function fillCustomers(
  client: pg.ClientBase,
  table: string,
  opened: readonly AccountCustomer[],
): Promise<void> {
  if (opened.length === 0) return;
  await client.query(
    `UPDATE ${table} AS target SET customer_id = opened.customer_id
       FROM unnest($1::text[], $2::text[]) AS opened(account_id, customer_id)
      WHERE target.account_id = opened.account_id AND target.customer_id IS NULL`,
    [opened.map((row) => row.accountId), opened.map((row) => row.customerId)],
  );
}

async function apply(
  client: pg.ClientBase,
  events: readonly ProjectedEvent[],
  tables: TableNames,
): Promise<void> {
  const opened = openings(events);
  const relevant = orderEvents(events);
  if (relevant.length === 0 && opened.length === 0) return;

  const searchTable = physicalTable(tables, SEARCH);
  const orderIds = [...new Set(relevant.map(({ event }) => event.data.orderId))];
  const placed = relevant.flatMap(({ event }) =>
    event.type === 'OrderPlaced' ? [event.data] : [],
  );
  let orders = new Map<string, OrderRow>();
  let fees = new Map<string, bigint>();
  let customers = new Map<string, string>();
  await independently(client, [
    async () => (orders = await loadOrders(client, searchTable, orderIds)),
    async () =>
      (fees = await loadFees(
        client,
        physicalTable(tables, FEES),
        placed.map((order) => order.orderId),
      )),
    async () =>
      (customers = await loadCustomers(
        client,
        tables,
        placed.map((order) => order.accountId),
        orderIds,
      )),
  ]);
  for (const { accountId, customerId } of opened) customers.set(accountId, customerId);
  const { touched, feesChanged } = foldOrders(orders, fees, relevant);

  await independently(client, [
    () => insertRows(client, physicalTable(tables, ACCOUNTS), ACCOUNT_COLUMNS, opened),
    () => fillCustomers(client, searchTable, opened),
    () =>
      insertRows(
        client,
        searchTable,
        searchColumns(customers),
        [...touched.values()],
        `ON CONFLICT (order_id) DO UPDATE SET ${takeExcluded(UPDATED_COLUMNS)}`,
      ),
    () =>
      insertRows(
        client,
        physicalTable(tables, FEES),
        FEE_COLUMNS,
        [...feesChanged.values()],
        `ON CONFLICT (order_id) DO UPDATE SET ${takeExcluded(['fee_minor'])}`,
      ),
  ]);
}

function bulkLoad(tables: TableNames): BulkLoad {
  const customers = new Map<string, string>();
  const accounts = new StagedRows(new Map<string, AccountCustomer>(), ACCOUNT_COLUMNS, [
    'account_id',
  ]);
  const orders = new StagedRows(new Map<string, OrderRow>(), searchColumns(customers), [
    'order_id',
  ]);
  const fees = new StagedRows(new Map<string, FeeRow>(), FEE_COLUMNS, ['order_id']);
  // The fold keeps every fee by order, for the orders placed after it.
  const feeMinors = new Map<string, bigint>();
  // Orders folded before their account's opening, by account: written again once it comes.
  const awaitingAccount = new Map<string, Set<string>>();
  return {
    add: (_client, events) => {
      for (const opening of openings(events)) {
        customers.set(opening.accountId, opening.customerId);
        accounts.rows.set(opening.accountId, opening);
        accounts.touch(opening.accountId);
        for (const orderId of awaitingAccount.get(opening.accountId) ?? []) orders.touch(orderId);
        awaitingAccount.delete(opening.accountId);
      }
      const { touched, feesChanged } = foldOrders(orders.rows, feeMinors, orderEvents(events));
      for (const [orderId, order] of touched) {
        orders.touch(orderId);
        if (!customers.has(order.accountId)) {
          const waiting = awaitingAccount.get(order.accountId) ?? new Set<string>();
          awaitingAccount.set(order.accountId, waiting.add(orderId));
        }
      }
      for (const [orderId, fee] of feesChanged) {
        fees.rows.set(orderId, fee);
        fees.touch(orderId);
      }
      return Promise.resolve();
    },
    flush: async (client) => {
      await accounts.flush(client, physicalTable(tables, ACCOUNTS));
      await orders.flush(client, physicalTable(tables, SEARCH));
      await fees.flush(client, physicalTable(tables, FEES));
    },
  };
}

/**
 * The orders view with each order's customer, and the text the search matches (generated
 * columns of view_order_search): the PostgreSQL adapter of OrderSearchPort reads it.
 */
export const orderSearchProjection: Projection = {
  name: NAME,
  tables: viewTablesOf(NAME),
  eventTypes: [...isAccountOpened.types, ...isOrderEvent.types, ...isFeeEvent.types],
  apply,
  bulkLoad,
};
