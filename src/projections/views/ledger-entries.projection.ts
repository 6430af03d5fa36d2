import type pg from 'pg';
import { independently } from '../../infrastructure/database/pipelined-connection.js';
import { type Posting } from '../../domain/ledger.js';
import { type DomainEvent } from '../../events/event-catalog.js';
import { type ProjectionName, type ViewTable, viewTablesOf } from '../../shared/view-tables.js';
import {
  type BulkLoad,
  type ProjectedEvent,
  type Projection,
  type TableNames,
} from '../engine/projection.js';
import { type Column, StagedRows, appendRows, insertRows, physicalTable } from './batch-sql.js';
import {
  accountIdOfStream,
  commitPosition,
  eventTypes,
  occurredAt,
  preparePosition,
} from './event-fields.js';

const NAME: ProjectionName = 'ledger-entries';
const ENTRIES: ViewTable = 'view_ledger_entries';
const CURRENCIES: ViewTable = 'view_ledger_account_currencies';

interface EntryRow {
  readonly commitPosition: bigint;
  readonly preparePosition: bigint;
  readonly postingIndex: number;
  readonly ledgerAccount: string;
  readonly accountId: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly eventType: string;
  readonly paymentId: string;
  readonly orderId: string | null;
  readonly occurredAt: string;
}

interface CurrencyRow {
  readonly accountId: string;
  readonly currency: string;
}

/** The events that move money carry their double-entry postings. */
export type PostingEvent = Extract<DomainEvent, { data: { postings: readonly Posting[] } }>;

const isAccountOpened = eventTypes('AccountOpened');
export const carriesPostings = eventTypes(
  'FundsDeposited',
  'FundsWithdrawn',
  'FeeCharged',
  'FeeRefunded',
  'TradeCashSettled',
);

const ENTRY_COLUMNS: readonly Column<EntryRow>[] = [
  { name: 'commit_position', type: 'numeric', value: (row) => row.commitPosition },
  { name: 'prepare_position', type: 'numeric', value: (row) => row.preparePosition },
  { name: 'posting_index', type: 'smallint', value: (row) => row.postingIndex },
  { name: 'ledger_account', type: 'text', value: (row) => row.ledgerAccount },
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'amount_minor', type: 'numeric', value: (row) => row.amountMinor },
  { name: 'currency', type: 'text', value: (row) => row.currency },
  { name: 'event_type', type: 'text', value: (row) => row.eventType },
  { name: 'payment_id', type: 'text', value: (row) => row.paymentId },
  { name: 'order_id', type: 'text', value: (row) => row.orderId },
  { name: 'occurred_at', type: 'timestamptz', value: (row) => row.occurredAt },
];

const CURRENCY_COLUMNS: readonly Column<CurrencyRow>[] = [
  { name: 'account_id', type: 'text', value: (row) => row.accountId },
  { name: 'currency', type: 'text', value: (row) => row.currency },
];

async function loadCurrencies(
  client: pg.ClientBase,
  table: string,
  accountIds: readonly string[],
): Promise<Map<string, string>> {
  if (accountIds.length === 0) return new Map();
  const { rows } = await client.query<CurrencyRow>(
    `SELECT account_id AS "accountId", currency FROM ${table} WHERE account_id = ANY($1::text[])`,
    [accountIds],
  );
  return new Map(rows.map((row) => [row.accountId, row.currency]));
}

interface PostedEvent {
  readonly projected: ProjectedEvent;
  readonly event: PostingEvent;
  readonly accountId: string;
}

/** The accounts a batch opens and the events in it that post to the journal. */
function classify(events: readonly ProjectedEvent[]): {
  opened: CurrencyRow[];
  posted: PostedEvent[];
} {
  const opened: CurrencyRow[] = [];
  const posted: PostedEvent[] = [];
  for (const projected of events) {
    const { event } = projected;
    if (isAccountOpened(event)) {
      opened.push({ accountId: event.data.accountId, currency: event.data.currency });
    } else if (carriesPostings(event)) {
      const accountId = accountIdOfStream(projected.recorded.streamId);
      posted.push({ projected, event, accountId });
    }
  }
  return { opened, posted };
}

/**
 * Every posting of an event is tagged with the account whose stream the event is on,
 * the fee-income or market-settlement leg included: "all journal lines caused by this
 * account" is then one index scan, and `ledger_account` still tells the legs apart.
 * `currencies` must hold the currency of every account that posts.
 */
function journalLines(
  posted: readonly PostedEvent[],
  currencies: ReadonlyMap<string, string>,
): EntryRow[] {
  return posted.flatMap(({ projected, event, accountId }) => {
    const currency = currencies.get(accountId);
    if (currency === undefined) {
      throw new Error(`${event.type} for account ${accountId}, which was never opened`);
    }
    return event.data.postings.map((posting, postingIndex): EntryRow => ({
      commitPosition: commitPosition(projected),
      preparePosition: preparePosition(projected),
      postingIndex,
      ledgerAccount: posting.ledgerAccount,
      accountId,
      amountMinor: posting.amountMinor,
      currency,
      eventType: event.type,
      paymentId: event.data.paymentId,
      orderId: 'orderId' in event.data ? event.data.orderId : null,
      occurredAt: occurredAt(projected),
    }));
  });
}

// The checkpoint makes each batch apply once; a line written twice fails the batch.
function appendLines(
  client: pg.ClientBase,
  tables: TableNames,
  entries: readonly EntryRow[],
): Promise<void> {
  return appendRows(client, physicalTable(tables, ENTRIES), ENTRY_COLUMNS, entries);
}

async function apply(
  client: pg.ClientBase,
  events: readonly ProjectedEvent[],
  tables: TableNames,
): Promise<void> {
  const { opened, posted } = classify(events);
  if (opened.length === 0 && posted.length === 0) return;

  const currenciesTable = physicalTable(tables, CURRENCIES);
  const currencies = new Map(opened.map((row) => [row.accountId, row.currency]));
  const unknown = [...new Set(posted.map((item) => item.accountId))].filter(
    (accountId) => !currencies.has(accountId),
  );
  for (const [accountId, currency] of await loadCurrencies(client, currenciesTable, unknown)) {
    currencies.set(accountId, currency);
  }
  const entries = journalLines(posted, currencies);
  await independently(client, [
    () => insertRows(client, currenciesTable, CURRENCY_COLUMNS, opened, 'ON CONFLICT DO NOTHING'),
    () => appendLines(client, tables, entries),
  ]);
}

function bulkLoad(tables: TableNames): BulkLoad {
  const currencies = new StagedRows(new Map<string, CurrencyRow>(), CURRENCY_COLUMNS, [
    'account_id',
  ]);
  // The journal lines need only each account's currency.
  const currencyOf = new Map<string, string>();
  return {
    add: (client, events) => {
      const { opened, posted } = classify(events);
      for (const row of opened) {
        currencies.rows.set(row.accountId, row);
        currencies.touch(row.accountId);
        currencyOf.set(row.accountId, row.currency);
      }
      return appendLines(client, tables, journalLines(posted, currencyOf));
    },
    flush: (client) => currencies.flush(client, physicalTable(tables, CURRENCIES)),
  };
}

/** The double-entry journal: one row per posting, in the account's currency. */
export const ledgerEntriesProjection: Projection = {
  name: NAME,
  tables: viewTablesOf(NAME),
  eventTypes: [...isAccountOpened.types, ...carriesPostings.types],
  apply,
  bulkLoad,
};
