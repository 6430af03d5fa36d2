/**
 * Who may call each GraphQL operation: every Query and Mutation field is listed here, and
 * the app refuses to start when one is not (AuthorizationGuard checks the schema), so a
 * new operation cannot ship open. A path names the argument that identifies the object
 * (`input.accountId`: the accountId field of the input argument).
 */
export type OperationRule =
  /** Operators only: projections, parked events and sagas, halts, circuits. */
  | { readonly kind: 'admin' }
  /** Any authenticated caller: data that belongs to no customer (instruments, prices). */
  | { readonly kind: 'any-caller' }
  /** A customer names itself: the argument must equal the token's subject. */
  | { readonly kind: 'own-customer'; readonly arg: string }
  /** The argument is an account id: a customer's own account only. */
  | { readonly kind: 'own-account'; readonly arg: string }
  /** The argument is an order id: an order of one of the customer's own accounts only. */
  | { readonly kind: 'own-order'; readonly arg: string }
  /** A list the resolver narrows to the caller's own customer (customerScopeOf). */
  | { readonly kind: 'own-list' };

const ADMIN: OperationRule = { kind: 'admin' };

export const OPERATION_RULES: Readonly<Record<string, OperationRule>> = {
  // Commands
  openAccount: { kind: 'own-customer', arg: 'input.customerId' },
  depositFunds: { kind: 'own-account', arg: 'input.accountId' },
  withdrawFunds: { kind: 'own-account', arg: 'input.accountId' },
  placeOrder: { kind: 'own-account', arg: 'input.accountId' },
  closeAccount: { kind: 'own-account', arg: 'input.accountId' },
  cancelOrder: { kind: 'own-order', arg: 'input.orderId' },
  // Customer data
  account: { kind: 'own-account', arg: 'id' },
  accounts: { kind: 'own-list' },
  holdings: { kind: 'own-account', arg: 'accountId' },
  accountStatement: { kind: 'own-account', arg: 'accountId' },
  ledgerEntries: { kind: 'own-account', arg: 'accountId' },
  order: { kind: 'own-order', arg: 'id' },
  orders: { kind: 'own-list' },
  searchOrders: { kind: 'own-list' },
  // Market data
  instruments: { kind: 'any-caller' },
  instrument: { kind: 'any-caller' },
  // Operations
  marketCircuits: ADMIN,
  setInstrumentHalted: ADMIN,
  projections: ADMIN,
  parkedEvents: ADMIN,
  rebuildProjection: ADMIN,
  startProjectionRebuild: ADMIN,
  rebuildJobs: ADMIN,
  rebuildAllProjections: ADMIN,
  replayParkedEvents: ADMIN,
  restartProjection: ADMIN,
  rebuildSearchIndex: ADMIN,
  parkedSagas: ADMIN,
  parkedSagaCount: ADMIN,
  sagaStatus: ADMIN,
  retrySaga: ADMIN,
  compensateSaga: ADMIN,
  failSaga: ADMIN,
  auditTrail: ADMIN,
  accountAt: ADMIN,
  startExport: ADMIN,
  // Reports: figures across every customer
  feesReport: ADMIN,
  volumeReport: ADMIN,
  orderOutcomesReport: ADMIN,
  customerOrdersReport: ADMIN,
  topAccountsReport: ADMIN,
  custodyReport: ADMIN,
};

/** The value at `path` (dot-separated) in a resolver's arguments, when it is text. */
export function argumentAt(args: Record<string, unknown>, path: string): string | undefined {
  let value: unknown = args;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' ? value : undefined;
}
