/** The projectors that keep the PostgreSQL views, by the names they checkpoint under. */
export const PROJECTIONS = ['accounts', 'holdings', 'orders', 'ledger-entries'] as const;
export type ProjectionName = (typeof PROJECTIONS)[number];

/**
 * Which projector keeps each view: a query waits on the owners of the views it reads,
 * so a write that only one projector has applied yet does not look applied to a read of
 * another's view.
 */
const VIEW_OWNERS = {
  view_accounts: 'accounts',
  view_account_statements: 'accounts',
  view_holdings: 'holdings',
  view_orders: 'orders',
  view_ledger_entries: 'ledger-entries',
} as const satisfies Record<string, ProjectionName>;

export type ViewName = keyof typeof VIEW_OWNERS;

export function projectionsOf(views: readonly ViewName[]): ProjectionName[] {
  return [...new Set(views.map((view) => VIEW_OWNERS[view]))];
}
