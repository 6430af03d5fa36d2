/**
 * The well-known money fields of the events, each a column of integer minor units in the
 * event's currency (the `currency_scale` column says where the point goes). Never a float.
 */
export const MONEY_FIELDS = [
  ['amount_minor', 'amountMinor'],
  ['price_minor', 'priceMinor'],
  ['limit_price_minor', 'limitPriceMinor'],
  ['cost_minor', 'costMinor'],
  ['cost_basis_minor', 'costBasisMinor'],
  ['proceeds_minor', 'proceedsMinor'],
  ['fee_minor', 'feeMinor'],
] as const;

/** Whole shares. */
export const QUANTITY_FIELDS = [['quantity', 'quantity']] as const;

/** DuckDB types of the exported columns: integers and text, never a float. */
export type ColumnType =
  'UBIGINT' | 'BIGINT' | 'HUGEINT' | 'INTEGER' | 'UTINYINT' | 'VARCHAR' | 'TIMESTAMPTZ';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** One kind of file an export writes: its folder, its columns, the order of its rows. */
export interface Dataset {
  readonly name: 'events' | 'postings' | 'accounts' | 'holdings' | 'orders' | 'ledger_entries';
  readonly columns: readonly Column[];
  readonly orderBy: string;
  /** Hive-style by the event's day (`date=YYYY-MM-DD/`); a view's snapshot is one file. */
  readonly partitioned: boolean;
}

const column = (name: string, type: ColumnType): Column => ({ name, type });

/** The events dataset: an event flattened to its row (event-segments.ts fills it). */
export const EVENTS_DATASET: Dataset = {
  name: 'events',
  columns: [
    column('position_commit', 'UBIGINT'),
    column('position_prepare', 'UBIGINT'),
    column('position', 'VARCHAR'),
    column('event_id', 'VARCHAR'),
    column('stream', 'VARCHAR'),
    column('stream_revision', 'UBIGINT'),
    column('event_type', 'VARCHAR'),
    column('schema_version', 'INTEGER'),
    column('occurred_at', 'TIMESTAMPTZ'),
    column('correlation_id', 'VARCHAR'),
    column('causation_id', 'VARCHAR'),
    column('command_id', 'VARCHAR'),
    column('user_id', 'VARCHAR'),
    column('initiator_id', 'VARCHAR'),
    column('data', 'VARCHAR'),
    column('currency', 'VARCHAR'),
    column('currency_scale', 'UTINYINT'),
    ...MONEY_FIELDS.map(([name]) => column(name, 'BIGINT')),
    ...QUANTITY_FIELDS.map(([name]) => column(name, 'BIGINT')),
  ],
  orderBy: 'position_commit, position_prepare',
  partitioned: true,
};

/** One row per posting of a money movement: the double-entry journal. */
export const POSTINGS_DATASET: Dataset = {
  name: 'postings',
  columns: [
    column('position_commit', 'UBIGINT'),
    column('position_prepare', 'UBIGINT'),
    column('posting_index', 'INTEGER'),
    column('stream', 'VARCHAR'),
    column('event_type', 'VARCHAR'),
    column('occurred_at', 'TIMESTAMPTZ'),
    column('ledger_account', 'VARCHAR'),
    column('account_id', 'VARCHAR'),
    column('amount_minor', 'BIGINT'),
    column('currency', 'VARCHAR'),
    column('currency_scale', 'UTINYINT'),
  ],
  orderBy: 'position_commit, position_prepare, posting_index',
  partitioned: true,
};

export const EVENT_DATASETS = [EVENTS_DATASET, POSTINGS_DATASET] as const;

export const EXPORT_FORMATS = ['parquet', 'ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}
