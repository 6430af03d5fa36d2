import { cashPaymentMethod } from '../../shared/payment-method.js';
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
import { accountIdOfStream, eventTypes, type GuardedEvent, occurredAt } from './event-fields.js';
import { FEE_COLUMNS, loadFees } from './order-columns.js';
import { type FeeRow } from './order-fold.js';
import { Rollup, type RollupRows } from './rollup.js';

const NAME: ProjectionName = 'reports';
const CURRENCIES: ViewTable = 'report_account_currencies';
const FACTS: ViewTable = 'report_order_facts';
const FEES: ViewTable = 'report_order_fees';

const FEES_DAILY = new Rollup(
  'report_fees_daily',
  [
    ['day', 'date'],
    ['currency', 'text'],
  ],
  [
    ['charged_minor', 'numeric'],
    ['refunded_minor', 'numeric'],
    ['count', 'bigint'],
  ],
);
const VOLUME_DAILY = new Rollup(
  'report_volume_daily',
  [
    ['day', 'date'],
    ['instrument', 'text'],
    ['currency', 'text'],
  ],
  [
    ['quantity', 'numeric'],
    ['value_minor', 'numeric'],
    ['fills', 'bigint'],
  ],
);
const OUTCOMES_DAILY = new Rollup(
  'report_outcomes_daily',
  [
    ['day', 'date'],
    ['status', 'text'],
  ],
  [['orders', 'bigint']],
);
const CUSTOMER_ORDERS_DAILY = new Rollup(
  'report_customer_orders_daily',
  [
    ['day', 'date'],
    ['order_type', 'text'],
    ['instrument', 'text'],
    ['payment_method', 'text'],
  ],
  [
    ['orders', 'bigint'],
    ['fee_minor', 'numeric'],
  ],
);
const ROLLUPS = [FEES_DAILY, VOLUME_DAILY, OUTCOMES_DAILY, CUSTOMER_ORDERS_DAILY] as const;

const isReportEvent = eventTypes(
  'AccountOpened',
  'FeeCharged',
  'FeeRefunded',
  'OrderPlaced',
  'OrderFilled',
  'OrderCompleted',
  'OrderRejected',
  'OrderFailed',
  'OrderCancelled',
  'OrderExpired',
);
type ReportEvent = GuardedEvent<typeof isReportEvent>;

/** The final status each terminal event gives its order. */
const OUTCOMES: Partial<Record<ReportEvent['type'], string>> = {
  OrderCompleted: 'COMPLETED',
  OrderRejected: 'REJECTED',
  OrderFailed: 'FAILED',
  OrderCancelled: 'CANCELLED',
  OrderExpired: 'EXPIRED',
};

interface AccountCurrency {
  readonly accountId: string;
  readonly currency: string;
}

/** What the rollups need to know of a placed order after its placement. */
interface OrderFacts {
  readonly orderId: string;
  readonly placedDay: string;
  readonly orderType: string;
  readonly instrument: string;
  readonly currency: string;
}

const CURRENCY_COLUMNS: readonly Column<AccountCurrency>[] = [
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'currency', type: 'text', value: (row) => row.currency },
];

const FACT_COLUMNS: readonly Column<OrderFacts>[] = [
  { name: 'order_id', type: 'text', value: (row) => row.orderId },
  { name: 'placed_day', type: 'date', value: (row) => row.placedDay },
  { name: 'order_type', type: 'text', value: (row) => row.orderType },
  { name: 'instrument', type: 'text', value: (row) => row.instrument },
  { name: 'currency', type: 'text', value: (row) => row.currency },
];

/** The facts the fold reads: all of them in a bulk load, the batch's in a live one. */
interface ReportState {
  readonly currencies: Map<string, string>;
  readonly facts: Map<string, OrderFacts>;
  /** Each order's latest fee: what the customer-orders rollup counts for it. */
  readonly fees: Map<string, bigint>;
}

/** What a batch adds: the rollups' deltas and the facts it learnt. */
interface ReportChanges {
  readonly deltas: ReadonlyMap<Rollup, RollupRows>;
  readonly currencies: AccountCurrency[];
  readonly facts: OrderFacts[];
  readonly fees: Map<string, FeeRow>;
}

/** The UTC day of an instant: `YYYY-MM-DD`. */
export function utcDay(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

function required<T>(value: T | undefined, what: string): T {
  // The log has it earlier (an account opens before its fees, an order is placed before
  // its fills): missing, it is a broken log.
  if (value === undefined) throw new Error(`${what}, which the log never introduced`);
  return value;
}

function customerOrderDims(facts: OrderFacts): string[] {
  return [facts.placedDay, facts.orderType, facts.instrument, cashPaymentMethod(facts.currency)];
}

/** The fee of the order is now `feeMinor`: the customer-orders rollup gets the difference. */
function feeChanged(
  state: ReportState,
  changes: ReportChanges,
  orderId: string,
  feeMinor: bigint,
): void {
  const before = state.fees.get(orderId) ?? 0n;
  state.fees.set(orderId, feeMinor);
  changes.fees.set(orderId, { orderId, feeMinor });
  const facts = state.facts.get(orderId);
  if (facts === undefined || feeMinor === before) return;
  CUSTOMER_ORDERS_DAILY.add(changes.deltas.get(CUSTOMER_ORDERS_DAILY)!, customerOrderDims(facts), [
    0n,
    feeMinor - before,
  ]);
}

function foldEvent(state: ReportState, changes: ReportChanges, projected: ProjectedEvent): void {
  const { event } = projected;
  if (!isReportEvent(event)) return;
  const day = utcDay(occurredAt(projected));
  const deltas = (rollup: Rollup): RollupRows => changes.deltas.get(rollup)!;
  switch (event.type) {
    case 'AccountOpened': {
      const opened = {
        accountId: accountIdOfStream(projected.recorded.streamId),
        currency: event.data.currency,
      };
      state.currencies.set(opened.accountId, opened.currency);
      changes.currencies.push(opened);
      return;
    }
    case 'FeeCharged':
    case 'FeeRefunded': {
      const accountId = accountIdOfStream(projected.recorded.streamId);
      const currency = required(state.currencies.get(accountId), `A fee of account ${accountId}`);
      const charged = event.type === 'FeeCharged';
      const { amountMinor, orderId } = event.data;
      FEES_DAILY.add(
        deltas(FEES_DAILY),
        [day, currency],
        [charged ? amountMinor : 0n, charged ? 0n : amountMinor, 1n],
      );
      feeChanged(state, changes, orderId, charged ? amountMinor : 0n);
      return;
    }
    case 'OrderPlaced': {
      const { orderId, orderType, instrument, currency } = event.data;
      const facts: OrderFacts = { orderId, placedDay: day, orderType, instrument, currency };
      state.facts.set(orderId, facts);
      changes.facts.push(facts);
      const fee = state.fees.get(orderId) ?? 0n;
      CUSTOMER_ORDERS_DAILY.add(deltas(CUSTOMER_ORDERS_DAILY), customerOrderDims(facts), [1n, fee]);
      return;
    }
    case 'OrderFilled': {
      const { orderId, quantity, priceMinor } = event.data;
      const facts = required(state.facts.get(orderId), `A fill of order ${orderId}`);
      VOLUME_DAILY.add(
        deltas(VOLUME_DAILY),
        [day, facts.instrument, facts.currency],
        [quantity, quantity * priceMinor, 1n],
      );
      return;
    }
    default:
      OUTCOMES_DAILY.add(deltas(OUTCOMES_DAILY), [day, OUTCOMES[event.type]!], [1n]);
  }
}

function fold(state: ReportState, events: readonly ProjectedEvent[]): ReportChanges {
  const changes: ReportChanges = {
    deltas: new Map(ROLLUPS.map((rollup) => [rollup, new Map()])),
    currencies: [],
    facts: [],
    fees: new Map(),
  };
  for (const projected of events) foldEvent(state, changes, projected);
  return changes;
}

/** The batch's keys: the accounts of its fees, the orders of its fees, fills and placements. */
function keysOf(events: readonly ProjectedEvent[]): { accountIds: string[]; orderIds: string[] } {
  const accountIds = new Set<string>();
  const orderIds = new Set<string>();
  for (const { event, recorded } of events) {
    if (event.type === 'FeeCharged' || event.type === 'FeeRefunded') {
      accountIds.add(accountIdOfStream(recorded.streamId));
      orderIds.add(event.data.orderId);
    } else if (event.type === 'OrderPlaced' || event.type === 'OrderFilled') {
      orderIds.add(event.data.orderId);
    }
  }
  return { accountIds: [...accountIds], orderIds: [...orderIds] };
}

async function loadState(
  client: pg.ClientBase,
  tables: TableNames,
  events: readonly ProjectedEvent[],
): Promise<ReportState> {
  const { accountIds, orderIds } = keysOf(events);
  const state: ReportState = { currencies: new Map(), facts: new Map(), fees: new Map() };
  await independently(client, [
    async () => {
      const { rows } = await client.query<AccountCurrency>(
        `SELECT account_id AS "accountId", currency FROM ${physicalTable(tables, CURRENCIES)}
          WHERE account_id = ANY($1::text[])`,
        [accountIds],
      );
      for (const row of rows) state.currencies.set(row.accountId, row.currency);
    },
    async () => {
      const { rows } = await client.query<OrderFacts>(
        `SELECT order_id AS "orderId", placed_day::text AS "placedDay", order_type AS "orderType",
                instrument, currency
           FROM ${physicalTable(tables, FACTS)} WHERE order_id = ANY($1::text[])`,
        [orderIds],
      );
      for (const row of rows) state.facts.set(row.orderId, row);
    },
    async () => {
      const fees = await loadFees(client, physicalTable(tables, FEES), orderIds);
      for (const [orderId, fee] of fees) state.fees.set(orderId, fee);
    },
  ]);
  return state;
}

async function apply(
  client: pg.ClientBase,
  events: readonly ProjectedEvent[],
  tables: TableNames,
): Promise<void> {
  const relevant = events.filter((projected) => isReportEvent(projected.event));
  if (relevant.length === 0) return;
  const changes = fold(await loadState(client, tables, relevant), relevant);
  await independently(client, [
    // No ON CONFLICT: an account opened or an order placed twice is a batch applied twice.
    () =>
      insertRows(client, physicalTable(tables, CURRENCIES), CURRENCY_COLUMNS, changes.currencies),
    () => insertRows(client, physicalTable(tables, FACTS), FACT_COLUMNS, changes.facts),
    () =>
      insertRows(
        client,
        physicalTable(tables, FEES),
        FEE_COLUMNS,
        [...changes.fees.values()],
        `ON CONFLICT (order_id) DO UPDATE SET ${takeExcluded(['fee_minor'])}`,
      ),
    ...ROLLUPS.map((rollup) => () => rollup.addDeltas(client, tables, changes.deltas.get(rollup)!)),
  ]);
}

function bulkLoad(tables: TableNames): BulkLoad {
  const state: ReportState = { currencies: new Map(), facts: new Map(), fees: new Map() };
  const currencies = new StagedRows(new Map<string, AccountCurrency>(), CURRENCY_COLUMNS, [
    'account_id',
  ]);
  const facts = new StagedRows(new Map<string, OrderFacts>(), FACT_COLUMNS, ['order_id']);
  const fees = new StagedRows(new Map<string, FeeRow>(), FEE_COLUMNS, ['order_id']);
  const rollups = ROLLUPS.map((rollup) => [rollup, rollup.staged()] as const);
  return {
    add: (_client, events) => {
      const changes = fold(state, events);
      const stage = <Row>(rows: StagedRows<Row>, key: string, row: Row): void => {
        rows.rows.set(key, row);
        rows.touch(key);
      };
      for (const row of changes.currencies) stage(currencies, row.accountId, row);
      for (const row of changes.facts) stage(facts, row.orderId, row);
      for (const row of changes.fees.values()) stage(fees, row.orderId, row);
      for (const [rollup, staged] of rollups) staged.merge(changes.deltas.get(rollup)!);
      return Promise.resolve();
    },
    flush: async (client) => {
      await currencies.flush(client, physicalTable(tables, CURRENCIES));
      await facts.flush(client, physicalTable(tables, FACTS));
      await fees.flush(client, physicalTable(tables, FEES));
      for (const [, staged] of rollups) await staged.flush(client, tables);
    },
  };
}

/**
 * The reports' rollups by UTC day (the day of each event's occurredAt): fees by the fee
 * event's day and the account's currency; fills by the fill's day, with the order's
 * instrument and currency; outcomes by the day of the final event; customer orders by
 * the placement's day, with the order's fee, which a later charge or refund moves by the
 * difference (a fee may also reach the log before its order: it waits in
 * report_order_fees).
 */
export const reportsProjection: Projection = {
  name: NAME,
  tables: viewTablesOf(NAME),
  eventTypes: isReportEvent.types,
  apply,
  bulkLoad,
};
