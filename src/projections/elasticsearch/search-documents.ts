import { createHash } from 'node:crypto';
import { type Position, decodePosition, encodePosition } from '../../event-store/position.js';
import { formatMoney } from '../../shared/decimal-format.js';
import { type ProjectedEvent } from '../engine/projection.js';
import { occurredAt } from '../views/event-fields.js';
import { type PostingEvent } from '../views/ledger-entries.projection.js';
import { type OrderRow } from '../views/order-fold.js';
import { type AccountFacts } from './account-directory.js';

/** A document's fields as sent: longs as decimal strings (exact both ways), dates as text. */
export type SearchDocument = Record<string, unknown>;

const ISO_UTC = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * `YYYY-MM-DDTHH:MM:SS.ffffffZ`: the search key's form (microseconds, UTC), which sorts
 * as the instant does. An offset other than Z goes through Date (milliseconds).
 */
export function microsecondTime(iso: string): string {
  const match = ISO_UTC.exec(iso) ?? ISO_UTC.exec(new Date(iso).toISOString());
  if (!match) throw new Error(`Not an ISO 8601 time: ${iso}`);
  return `${match[1]!}.${(match[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** Two 24-bit halves of a SHA-256 of the document: the parity check sums each over an index. */
function withHash(document: SearchDocument): SearchDocument {
  const digest = createHash('sha256').update(JSON.stringify(document)).digest();
  return { ...document, hash_hi: digest.readUIntBE(0, 3), hash_lo: digest.readUIntBE(3, 3) };
}

function money(minor: bigint | null, currency: string): string | null {
  return minor === null ? null : formatMoney(minor, currency);
}

export function orderDocument(row: OrderRow, customerId: string, at: Position): SearchDocument {
  const placedKey = microsecondTime(row.placedAt);
  return withHash({
    order_id: row.orderId,
    account_id: row.accountId,
    customer_id: customerId,
    instrument: row.instrument,
    side: row.side,
    order_type: row.orderType,
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    quantity: row.quantity.toString(),
    limit_price_minor: row.limitPriceMinor?.toString() ?? null,
    limit_price: money(row.limitPriceMinor, row.currency),
    filled_quantity: row.filledQuantity.toString(),
    filled_notional_minor: row.filledNotionalMinor.toString(),
    filled_notional: money(row.filledNotionalMinor, row.currency),
    fee_minor: row.feeMinor.toString(),
    fee: money(row.feeMinor, row.currency),
    placed_at: placedKey,
    placed_key: placedKey,
    expires_at: row.expiresAt === null ? null : microsecondTime(row.expiresAt),
    updated_at: microsecondTime(row.updatedAt),
    placed: true,
    position: encodePosition(at),
  });
}

/**
 * A fee the log shows before its order's placement (the fee is on the account stream,
 * the order on its own): kept under the order's id until the placement comes and folds
 * it in, as the orders view keeps it in view_order_fees. Searches see placed orders only.
 */
export function pendingFeeDocument(
  orderId: string,
  feeMinor: bigint,
  at: Position,
): SearchDocument {
  return withHash({
    order_id: orderId,
    fee_minor: feeMinor.toString(),
    placed: false,
    position: encodePosition(at),
  });
}

/** An order document as the indexer reads it back (mget), for the fold. */
export interface StoredOrder {
  readonly position: Position;
  /** Absent for a pending fee. */
  readonly row?: OrderRow;
  readonly customerId?: string;
  readonly pendingFeeMinor?: bigint;
}

function text(source: SearchDocument, field: string): string {
  const value = source[field];
  if (typeof value !== 'string') throw new Error(`stored document has no ${field}`);
  return value;
}

function orNull(source: SearchDocument, field: string): string | null {
  return source[field] === null || source[field] === undefined ? null : text(source, field);
}

export function storedOrder(source: SearchDocument): StoredOrder {
  const position = decodePosition(text(source, 'position'));
  if (!position)
    throw new Error(`stored document has a bad position: ${String(source['position'])}`);
  if (source['placed'] !== true) {
    return { position, pendingFeeMinor: BigInt(text(source, 'fee_minor')) };
  }
  const limit = orNull(source, 'limit_price_minor');
  const row: OrderRow = {
    orderId: text(source, 'order_id'),
    accountId: text(source, 'account_id'),
    side: text(source, 'side'),
    orderType: text(source, 'order_type'),
    instrument: text(source, 'instrument'),
    currency: text(source, 'currency'),
    quantity: BigInt(text(source, 'quantity')),
    limitPriceMinor: limit === null ? null : BigInt(limit),
    filledQuantity: BigInt(text(source, 'filled_quantity')),
    filledNotionalMinor: BigInt(text(source, 'filled_notional_minor')),
    feeMinor: BigInt(text(source, 'fee_minor')),
    status: text(source, 'status'),
    reason: orNull(source, 'reason'),
    placedAt: text(source, 'placed_key'),
    expiresAt: orNull(source, 'expires_at'),
    updatedAt: text(source, 'updated_at'),
  };
  return { position, row, customerId: text(source, 'customer_id') };
}

const PAYMENT_KINDS: Record<PostingEvent['type'], string> = {
  FundsDeposited: 'deposit',
  FundsWithdrawn: 'withdrawal',
  FeeCharged: 'fee',
  FeeRefunded: 'refund',
  TradeCashSettled: 'settlement',
};

/** A payment with its postings; written once (its event never changes). */
export function paymentDocument(
  projected: ProjectedEvent,
  event: PostingEvent,
  accountId: string,
  account: AccountFacts,
): SearchDocument {
  const { data } = event;
  const { currency } = account;
  return withHash({
    payment_id: data.paymentId,
    kind: PAYMENT_KINDS[event.type],
    event_type: event.type,
    account_id: accountId,
    customer_id: account.customerId,
    order_id: 'orderId' in data ? data.orderId : null,
    fill_id: 'fillId' in data ? data.fillId : null,
    side: 'side' in data ? data.side : null,
    currency,
    amount_minor: data.amountMinor.toString(),
    amount: formatMoney(data.amountMinor, currency),
    reference: 'reference' in data ? data.reference : null,
    occurred_at: microsecondTime(occurredAt(projected)),
    postings: data.postings.map((posting) => ({
      ledger_account: posting.ledgerAccount,
      amount_minor: posting.amountMinor.toString(),
      amount: formatMoney(posting.amountMinor, currency),
    })),
    position: encodePosition(projected.recorded.position),
  });
}
