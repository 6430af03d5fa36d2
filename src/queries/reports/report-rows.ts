/**
 * What the reports answer, read from rollups the `reports` projector keeps by UTC day (so a
 * report costs in proportion to the days it covers, not to the orders behind them). Every
 * bucket of the range is present, with zeros when nothing happened in it. Money in minor
 * units of its currency; quantities in shares.
 */

export type ReportBucket = 'DAY' | 'WEEK' | 'MONTH';

/** Whole UTC days, both ends included: `YYYY-MM-DD`. */
export interface ReportRange {
  readonly from: string;
  readonly to: string;
}

/** A bucket's first day (`YYYY-MM-DD`; ISO weeks start on Monday). */
export interface Bucketed {
  readonly bucketStart: string;
}

/** Fees charged less fees refunded, by the day of each fee event, per currency. */
export interface FeesRow extends Bucketed {
  readonly currency: string;
  readonly chargedMinor: bigint;
  readonly refundedMinor: bigint;
  /** Fee events: charges and refunds. */
  readonly count: number;
}

/** Fills by the day they were recorded, per instrument (in the instrument's currency). */
export interface VolumeRow extends Bucketed {
  readonly instrument: string;
  readonly currency: string;
  readonly quantity: bigint;
  readonly valueMinor: bigint;
  readonly fills: number;
}

/** Orders by the day they ended, per final status. */
export interface OutcomesRow extends Bucketed {
  readonly completed: number;
  readonly rejected: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly expired: number;
}

/**
 * Order fees across customers, by the day each order was placed, sliced by order type,
 * instrument and payment method. An order is paid from the customer's cash account in the
 * instrument's currency: the payment method is that cash account's currency (`CASH_USD`).
 */
export interface CustomerOrdersRow extends Bucketed {
  readonly orderType: string;
  readonly instrument: string;
  readonly paymentMethod: string;
  /** The currency of the fees: the instrument's. */
  readonly currency: string;
  readonly orders: number;
  readonly feeMinor: bigint;
}

/** An account among the largest balances of its currency. */
export interface TopAccountRow {
  readonly accountId: string;
  readonly customerId: string;
  readonly name: string;
  readonly currency: string;
  readonly balanceMinor: bigint;
}

/** Cash the ledger holds for its customers in one currency, from the accounts view as it stands. */
export interface CustodyRow {
  readonly currency: string;
  readonly openAccounts: number;
  readonly closedAccounts: number;
  readonly balanceMinor: bigint;
  readonly reservedMinor: bigint;
}
