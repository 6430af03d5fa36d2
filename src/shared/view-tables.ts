/**
 * The PostgreSQL views and the projector that keeps each, stated once: the projections
 * write exactly their tables here, and the queries wait on the owners of the tables they
 * read. It sits below both because neither feature may import the other.
 */

/** The projectors that keep the PostgreSQL views, by the names they checkpoint under. */
export const PROJECTION_NAMES = [
  'accounts',
  'holdings',
  'orders',
  'ledger-entries',
  'order-search',
  'reports',
] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

/**
 * Which projector keeps each view table. A query waits on the owners of the tables it
 * reads, so a write that only one projector has applied yet does not look applied to a
 * read of another's view. A projection's tables come in the order listed here.
 */
const VIEW_TABLE_OWNERS = {
  view_accounts: 'accounts',
  view_account_statements: 'accounts',
  view_holdings: 'holdings',
  view_orders: 'orders',
  view_order_fees: 'orders',
  view_ledger_entries: 'ledger-entries',
  view_ledger_account_currencies: 'ledger-entries',
  view_order_search: 'order-search',
  view_order_search_accounts: 'order-search',
  view_order_search_fees: 'order-search',
  report_account_currencies: 'reports',
  report_order_facts: 'reports',
  report_order_fees: 'reports',
  report_fees_daily: 'reports',
  report_volume_daily: 'reports',
  report_outcomes_daily: 'reports',
  report_customer_orders_daily: 'reports',
} as const satisfies Record<string, ProjectionName>;

export type ViewTable = keyof typeof VIEW_TABLE_OWNERS;

export const VIEW_TABLES = Object.keys(VIEW_TABLE_OWNERS) as readonly ViewTable[];

/** The tables a projector owns (the logical names of its Projection's `tables`). */
export function viewTablesOf(projection: ProjectionName): ViewTable[] {
  return VIEW_TABLES.filter((table) => VIEW_TABLE_OWNERS[table] === projection);
}

/** The projectors a read of these tables has to wait for. */
export function projectionsOf(tables: readonly ViewTable[]): ProjectionName[] {
  return [...new Set(tables.map((table) => VIEW_TABLE_OWNERS[table]))];
}
