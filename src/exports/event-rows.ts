import { type RecordedEvent } from '../event-store/event-store.port.js';
import { encodePosition } from '../event-store/position.js';
import { type DomainEvent, EVENT_VERSIONS } from '../events/event-catalog.js';
import { encodeEvent } from '../events/event-codec.js';
import { fromJson as metadataOf } from '../events/event-metadata.js';
import { type Currency, minorDigits } from '../domain/money.js';

/** A value of one exported cell, as DuckDB's appender takes it. */
export type Cell = bigint | number | string | null;

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

/** An event's row, its postings' rows, and the day it falls in (its partition). */
export interface FlattenedEvent {
  readonly date: string;
  readonly event: Cell[];
  readonly postings: Cell[][];
}

type Fields = Readonly<Record<string, unknown>>;

function fieldsOf(event: DomainEvent): Fields {
  return event.data as unknown as Fields;
}

function bigintOrNull(value: unknown): bigint | null {
  return typeof value === 'bigint' ? value : null;
}

/** True when the event has a money field or postings: its currency must be known. */
export function movesMoney(event: DomainEvent): boolean {
  const fields = fieldsOf(event);
  return (
    Array.isArray(fields['postings']) ||
    MONEY_FIELDS.some(([, field]) => typeof fields[field] === 'bigint')
  );
}

interface Posting {
  readonly ledgerAccount: string;
  readonly amountMinor: bigint;
}

/** `customer-cash:<accountId>` names the account; the house's ledger accounts name none. */
function accountIdOf(ledgerAccount: string): string | null {
  return ledgerAccount.startsWith('customer-cash:')
    ? ledgerAccount.slice('customer-cash:'.length)
    : null;
}

/**
 * One event as its row of the events dataset (columns in EVENT_COLUMNS' order) and the
 * rows of its postings. The data is the current schema's JSON: the codec upcasts it.
 */
export function flattenEvent(
  recorded: RecordedEvent,
  event: DomainEvent,
  currency: Currency | null,
): FlattenedEvent {
  const metadata = metadataOf(recorded.metadata);
  const occurredAt =
    metadata.occurredAt === '' ? recorded.createdAt.toISOString() : metadata.occurredAt;
  // Stored times are ISO strings in UTC, so the day is their first ten characters.
  const date = occurredAt.slice(0, 10);
  const fields = fieldsOf(event);
  const scale = currency === null ? null : minorDigits(currency);
  const { commit, prepare } = recorded.position;
  const row: Cell[] = [
    commit,
    prepare,
    encodePosition(recorded.position),
    recorded.id,
    recorded.streamId,
    recorded.revision,
    event.type,
    EVENT_VERSIONS[event.type],
    occurredAt,
    metadata.correlationId,
    metadata.causationId,
    metadata.commandId,
    metadata.userId,
    metadata.initiatorId ?? null,
    JSON.stringify(encodeEvent(event).data),
    currency,
    scale,
    ...MONEY_FIELDS.map(([, field]) => bigintOrNull(fields[field])),
    ...QUANTITY_FIELDS.map(([, field]) => bigintOrNull(fields[field])),
  ];
  const postings = Array.isArray(fields['postings']) ? (fields['postings'] as Posting[]) : [];
  return {
    date,
    event: row,
    postings: postings.map((posting, index) => [
      commit,
      prepare,
      index,
      recorded.streamId,
      event.type,
      occurredAt,
      posting.ledgerAccount,
      accountIdOf(posting.ledgerAccount),
      posting.amountMinor,
      currency,
      scale,
    ]),
  };
}
