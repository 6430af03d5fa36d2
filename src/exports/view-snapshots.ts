import { type Column, type ColumnType, type Dataset } from './export-datasets.js';

/** A view exported as a snapshot: its table, its key (for paging) and its columns. */
export interface ViewSnapshot {
  readonly dataset: Dataset;
  readonly table: string;
  /** Keyset order of the pages, the table's primary key. */
  readonly key: readonly { readonly name: string; readonly sqlType: string }[];
  /** Columns of the file read from the table, in the dataset's order (currency_scale is derived). */
  readonly columns: readonly Column[];
}

const column = (name: string, type: ColumnType): Column => ({ name, type });
const text = (name: string): Column => column(name, 'VARCHAR');
// numeric(30) in the views: wider than BIGINT, so HUGEINT (still an integer, never a float).
const minor = (name: string): Column => column(name, 'HUGEINT');
const time = (name: string): Column => column(name, 'TIMESTAMPTZ');
const SCALE = column('currency_scale', 'UTINYINT');

function snapshot(
  name: Dataset['name'],
  table: string,
  key: ViewSnapshot['key'],
  columns: readonly Column[],
): ViewSnapshot {
  // The scale follows the currency, where the view has one.
  const withScale = columns.flatMap((c) => (c.name === 'currency' ? [c, SCALE] : [c]));
  return {
    dataset: {
      name,
      columns: withScale,
      orderBy: key.map((k) => k.name).join(', '),
      partitioned: false,
    },
    table,
    key,
    columns,
  };
}

/** The views a snapshot export writes, each from its PostgreSQL table. */
export const VIEW_SNAPSHOTS: readonly ViewSnapshot[] = [
  snapshot(
    'accounts',
    'view_accounts',
    [{ name: 'account_id', sqlType: 'text' }],
    [
      text('account_id'),
      text('customer_id'),
      text('name'),
      text('currency'),
      text('status'),
      minor('balance_minor'),
      minor('reserved_minor'),
      time('opened_at'),
      time('updated_at'),
    ],
  ),
  snapshot(
    'holdings',
    'view_holdings',
    [
      { name: 'account_id', sqlType: 'text' },
      { name: 'instrument', sqlType: 'text' },
    ],
    [
      text('account_id'),
      text('instrument'),
      minor('quantity'),
      minor('reserved_quantity'),
      minor('cost_basis_minor'),
      time('updated_at'),
    ],
  ),
  snapshot(
    'orders',
    'view_orders',
    [{ name: 'order_id', sqlType: 'text' }],
    [
      text('order_id'),
      text('account_id'),
      text('side'),
      text('order_type'),
      text('instrument'),
      text('currency'),
      minor('quantity'),
      minor('limit_price_minor'),
      minor('filled_quantity'),
      minor('filled_notional_minor'),
      minor('fee_minor'),
      text('status'),
      text('reason'),
      time('placed_at'),
      time('expires_at'),
      time('updated_at'),
    ],
  ),
  snapshot(
    'ledger_entries',
    'view_ledger_entries',
    [
      { name: 'commit_position', sqlType: 'numeric' },
      { name: 'prepare_position', sqlType: 'numeric' },
      { name: 'posting_index', sqlType: 'smallint' },
    ],
    [
      column('commit_position', 'UBIGINT'),
      column('prepare_position', 'UBIGINT'),
      column('posting_index', 'INTEGER'),
      text('ledger_account'),
      text('account_id'),
      minor('amount_minor'),
      text('currency'),
      text('event_type'),
      text('payment_id'),
      text('order_id'),
      time('occurred_at'),
    ],
  ),
];
