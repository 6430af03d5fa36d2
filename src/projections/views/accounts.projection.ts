import type pg from 'pg';
import { independently } from '../../infrastructure/database/pipelined-connection.js';
import { type AccountEvent } from '../../domain/account.events.js';
import { type ProjectionName, type ViewTable, viewTablesOf } from '../../shared/view-tables.js';
import {
  type BulkLoad,
  type ProjectedEvent,
  type Projection,
  type TableNames,
} from '../engine/projection.js';
import {
  type Column,
  StagedRows,
  appendRows,
  insertRows,
  physicalTable,
  takeExcluded,
} from './batch-sql.js';
import {
  accountIdOfStream,
  commitPosition,
  type GuardedEvent,
  eventTypes,
  occurredAt,
  preparePosition,
} from './event-fields.js';

const NAME: ProjectionName = 'accounts';
const ACCOUNTS: ViewTable = 'view_accounts';
const STATEMENTS: ViewTable = 'view_account_statements';

interface AccountRow {
  readonly accountId: string;
  readonly customerId: string;
  readonly name: string;
  readonly currency: string;
  status: 'OPEN' | 'CLOSED';
  balanceMinor: bigint;
  reservedMinor: bigint;
  readonly openedAt: string;
  updatedAt: string;
}

interface StatementRow {
  readonly accountId: string;
  readonly commitPosition: bigint;
  readonly preparePosition: bigint;
  readonly entryType: string;
  readonly description: string;
  readonly amountMinor: bigint;
  readonly balanceAfterMinor: bigint;
  readonly occurredAt: string;
}

/** What one event does to the account's cash: the statement line, if it moves any. */
interface CashEffect {
  readonly balanceDelta: bigint;
  readonly reservedDelta: bigint;
  readonly entry?: { readonly entryType: string; readonly description: string };
}

// AccountOrderOpened/Closed only track what the account may close with: not shown here.
const isAccountEvent = eventTypes(
  'AccountOpened',
  'FundsDeposited',
  'FundsWithdrawn',
  'CashReserved',
  'CashReservationReleased',
  'FeeCharged',
  'FeeRefunded',
  'TradeCashSettled',
  'AccountClosed',
);

function cashEffect(event: AccountEvent): CashEffect | undefined {
  switch (event.type) {
    case 'FundsDeposited':
      return {
        balanceDelta: event.data.amountMinor,
        reservedDelta: 0n,
        entry: { entryType: 'DEPOSIT', description: event.data.reference || 'Deposit' },
      };
    case 'FundsWithdrawn':
      return {
        balanceDelta: -event.data.amountMinor,
        reservedDelta: 0n,
        entry: { entryType: 'WITHDRAWAL', description: event.data.reference || 'Withdrawal' },
      };
    case 'CashReserved':
      return { balanceDelta: 0n, reservedDelta: event.data.amountMinor };
    case 'CashReservationReleased':
      return { balanceDelta: 0n, reservedDelta: -event.data.amountMinor };
    case 'FeeCharged':
      return {
        balanceDelta: -event.data.amountMinor,
        reservedDelta: -event.data.fromReservationMinor,
        entry: { entryType: 'FEE', description: `Fee for order ${event.data.orderId}` },
      };
    case 'FeeRefunded':
      return {
        balanceDelta: event.data.amountMinor,
        reservedDelta: 0n,
        entry: {
          entryType: 'FEE_REFUND',
          description: `Fee refund for order ${event.data.orderId}`,
        },
      };
    case 'TradeCashSettled': {
      const buy = event.data.side === 'BUY';
      return {
        balanceDelta: buy ? -event.data.amountMinor : event.data.amountMinor,
        reservedDelta: -event.data.fromReservationMinor,
        entry: {
          entryType: buy ? 'BUY_SETTLEMENT' : 'SELL_SETTLEMENT',
          description: `${buy ? 'Buy' : 'Sell'} settlement for order ${event.data.orderId}`,
        },
      };
    }
    default:
      return undefined;
  }
}

const ACCOUNT_COLUMNS: readonly Column<AccountRow>[] = [
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'customer_id', type: 'text', value: (row) => row.customerId },
  { name: 'name', type: 'text', value: (row) => row.name },
  { name: 'currency', type: 'text', value: (row) => row.currency },
  { name: 'status', type: 'text', value: (row) => row.status },
  { name: 'balance_minor', type: 'numeric', value: (row) => row.balanceMinor },
  { name: 'reserved_minor', type: 'numeric', value: (row) => row.reservedMinor },
  { name: 'opened_at', type: 'timestamptz', value: (row) => row.openedAt },
  { name: 'updated_at', type: 'timestamptz', value: (row) => row.updatedAt },
];

const STATEMENT_COLUMNS: readonly Column<StatementRow>[] = [
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'commit_position', type: 'numeric', value: (row) => row.commitPosition },
  { name: 'prepare_position', type: 'numeric', value: (row) => row.preparePosition },
  { name: 'entry_type', type: 'text', value: (row) => row.entryType },
  { name: 'description', type: 'text', value: (row) => row.description },
  { name: 'amount_minor', type: 'numeric', value: (row) => row.amountMinor },
  { name: 'balance_after_minor', type: 'numeric', value: (row) => row.balanceAfterMinor },
  { name: 'occurred_at', type: 'timestamptz', value: (row) => row.occurredAt },
];

/**
 * The running balances need each account's balance before the batch: the rows are
 * locked so that the fold and the write see the same state.
 */
async function loadAccounts(
  client: pg.ClientBase,
  table: string,
  accountIds: readonly string[],
): Promise<Map<string, AccountRow>> {
  // Numbers and times come back as text: exact, and independent of any type parsers.
  const { rows } = await client.query<Record<keyof AccountRow, string>>(
    `SELECT account_id AS "accountId", customer_id AS "customerId", name, currency, status,
            balance_minor::text AS "balanceMinor", reserved_minor::text AS "reservedMinor",
            opened_at::text AS "openedAt", updated_at::text AS "updatedAt"
       FROM ${table} WHERE account_id = ANY($1::text[]) FOR UPDATE`,
    [accountIds],
  );
  return new Map(
    rows.map((row) => [
      row.accountId,
      {
        ...row,
        status: row.status === 'CLOSED' ? 'CLOSED' : 'OPEN',
        balanceMinor: BigInt(row.balanceMinor),
        reservedMinor: BigInt(row.reservedMinor),
      },
    ]),
  );
}

interface AccountEventAt {
  readonly projected: ProjectedEvent;
  readonly event: GuardedEvent<typeof isAccountEvent>;
  readonly accountId: string;
}

function accountEvents(events: readonly ProjectedEvent[]): AccountEventAt[] {
  return events.flatMap((projected) =>
    isAccountEvent(projected.event)
      ? [
          {
            projected,
            event: projected.event,
            accountId: accountIdOfStream(projected.recorded.streamId),
          },
        ]
      : [],
  );
}

/**
 * Folds the events into `accounts` (which must hold every account they touch) and
 * returns the accounts they changed and the statement lines they add.
 */
function fold(
  accounts: Map<string, AccountRow>,
  relevant: readonly AccountEventAt[],
): { touched: Map<string, AccountRow>; statements: StatementRow[] } {
  const touched = new Map<string, AccountRow>();
  const statements: StatementRow[] = [];
  for (const { projected, event, accountId } of relevant) {
    const at = occurredAt(projected);
    if (event.type === 'AccountOpened') {
      const { customerId, name, currency } = event.data;
      const opened: AccountRow = {
        accountId,
        customerId,
        name,
        currency,
        status: 'OPEN',
        balanceMinor: 0n,
        reservedMinor: 0n,
        openedAt: at,
        updatedAt: at,
      };
      accounts.set(accountId, opened);
      touched.set(accountId, opened);
      continue;
    }
    const account = accounts.get(accountId);
    // The stream starts with AccountOpened: without it the balances would be made up.
    if (!account) throw new Error(`${event.type} for account ${accountId}, which was never opened`);
    touched.set(accountId, account);
    account.updatedAt = at;
    if (event.type === 'AccountClosed') {
      account.status = 'CLOSED';
      continue;
    }
    const effect = cashEffect(event);
    if (!effect) continue;
    account.balanceMinor += effect.balanceDelta;
    account.reservedMinor += effect.reservedDelta;
    if (effect.entry) {
      statements.push({
        accountId,
        commitPosition: commitPosition(projected),
        preparePosition: preparePosition(projected),
        ...effect.entry,
        amountMinor: effect.balanceDelta,
        balanceAfterMinor: account.balanceMinor,
        occurredAt: at,
      });
    }
  }
  return { touched, statements };
}

// No ON CONFLICT: a statement line written twice means the batch was applied twice,
// and the balances with it; that must fail loudly rather than be hidden.
function appendStatements(
  client: pg.ClientBase,
  tables: TableNames,
  statements: readonly StatementRow[],
): Promise<void> {
  return appendRows(client, physicalTable(tables, STATEMENTS), STATEMENT_COLUMNS, statements);
}

async function apply(
  client: pg.ClientBase,
  events: readonly ProjectedEvent[],
  tables: TableNames,
): Promise<void> {
  const relevant = accountEvents(events);
  if (relevant.length === 0) return;
  const accountsTable = physicalTable(tables, ACCOUNTS);
  const accounts = await loadAccounts(client, accountsTable, [
    ...new Set(relevant.map((item) => item.accountId)),
  ]);
  const { touched, statements } = fold(accounts, relevant);
  await independently(client, [
    () =>
      insertRows(
        client,
        accountsTable,
        ACCOUNT_COLUMNS,
        [...touched.values()],
        `ON CONFLICT (account_id) DO UPDATE SET ${takeExcluded([
          'status',
          'balance_minor',
          'reserved_minor',
          'updated_at',
        ])}`,
      ),
    () => appendStatements(client, tables, statements),
  ]);
}

function bulkLoad(tables: TableNames): BulkLoad {
  const accounts = new StagedRows(new Map<string, AccountRow>(), ACCOUNT_COLUMNS, ['account_id']);
  return {
    add: (client, events) => {
      const { touched, statements } = fold(accounts.rows, accountEvents(events));
      for (const accountId of touched.keys()) accounts.touch(accountId);
      return appendStatements(client, tables, statements);
    },
    flush: (client) => accounts.flush(client, physicalTable(tables, ACCOUNTS)),
  };
}

/**
 * Accounts with their balance and reserved cash (available = balance - reserved, at
 * query time), and each account's statement: a line per cash movement (DEPOSIT,
 * WITHDRAWAL, FEE, FEE_REFUND, BUY_SETTLEMENT, SELL_SETTLEMENT) with the balance after
 * it. Reservations only move reserved_minor.
 */
export const accountsProjection: Projection = {
  name: NAME,
  tables: viewTablesOf(NAME),
  eventTypes: isAccountEvent.types,
  apply,
  bulkLoad,
};
