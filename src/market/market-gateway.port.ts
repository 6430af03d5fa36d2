import { ServiceUnavailableError } from '../shared/ledger-errors.js';
import { type Currency } from '../domain/money.js';
import { type OrderSide, type OrderType } from '../domain/order.events.js';

/**
 * The port the order saga trades through. Every operation is safe to repeat (submits
 * are idempotent by order id, the rest are reads or idempotent cancels), so a caller,
 * or a decorator in front of the adapter, may retry any of them after a failure.
 *
 * Outcomes come back in two ways. A business outcome, such as a rejected order, is a
 * value. A failure to get an answer (the market unreachable, too slow, or behind an open
 * circuit) is a thrown MarketUnavailableError, and then the effect of the call is
 * unknown: the request may have reached the market. Repeat it with the same order id,
 * or look with getOrder, before deciding anything.
 */
export interface MarketGateway {
  /**
   * Sends an order to the market. The same order id again, with the same request,
   * answers with the order the first one created and creates nothing; with another
   * request it is rejected ORDER_ID_REUSED.
   */
  submitOrder(request: MarketOrderRequest): Promise<SubmitOutcome>;
  /** Fills after the first `after` ones (at most MAX_FILLS_PER_POLL); undefined for an unknown order. */
  pollFills(orderId: string, after?: number): Promise<FillPage | undefined>;
  /** Cancels what is left of an order; repeating it answers the same. */
  cancelOrder(orderId: string): Promise<CancelOutcome>;
  /** The order as the market has it; undefined when the market never accepted it. */
  getOrder(orderId: string): Promise<MarketOrder | undefined>;
  listInstruments(): Promise<readonly InstrumentQuote[]>;
  getInstrument(symbol: string): Promise<InstrumentQuote | undefined>;
}

/** Nest injection token of the MarketGateway the saga uses. */
export const MARKET_GATEWAY = Symbol('MARKET_GATEWAY');

/** The most fills one pollFills answer carries: page on with `nextCursor`. */
export const MAX_FILLS_PER_POLL = 500;

/** Field names follow the order stream's OrderPlaced event. */
export interface MarketOrderRequest {
  readonly orderId: string;
  readonly accountId: string;
  readonly instrument: string;
  readonly side: OrderSide;
  readonly orderType: OrderType;
  readonly quantity: bigint;
  /** Minor units of the instrument's currency; required for LIMIT, null for MARKET. */
  readonly limitPriceMinor: bigint | null;
  /** ISO UTC instant at which what is left unfilled expires at the market; null: never. */
  readonly expiresAt: string | null;
}

/**
 * Why the market refused an order: a closed, ordered set of codes, stable for the saga
 * to record as the order's reason.
 */
export const MARKET_REJECTION_CODES = [
  /** The request breaks the order rules (quantity, limit price, expiry instant, id). */
  'INVALID_ORDER',
  'UNKNOWN_INSTRUMENT',
  'INSTRUMENT_HALTED',
  /** The expiry instant had passed when the order reached the market. */
  'EXPIRED_ON_ARRIVAL',
  /** The order id was already used for a different request. */
  'ORDER_ID_REUSED',
  /** A cancel for this order id reached the market before the order did. */
  'CANCELLED_BEFORE_ARRIVAL',
  /** The market holds as many open orders as it will. */
  'TOO_MANY_OPEN_ORDERS',
] as const;

export type MarketRejectionCode = (typeof MARKET_REJECTION_CODES)[number];

export type SubmitOutcome =
  | { readonly kind: 'accepted'; readonly order: MarketOrder }
  | {
      readonly kind: 'rejected';
      readonly code: MarketRejectionCode;
      readonly message: string;
    };

/** OPEN covers accepted and partly filled; the other three are final. */
export type MarketOrderStatus = 'OPEN' | 'FILLED' | 'CANCELLED' | 'EXPIRED';

export function isClosed(status: MarketOrderStatus): boolean {
  return status !== 'OPEN';
}

export interface MarketOrder extends MarketOrderRequest {
  readonly status: MarketOrderStatus;
  readonly filledQuantity: bigint;
  /** Sum of price x quantity over the fills (the order stream's filledNotionalMinor). */
  readonly filledNotionalMinor: bigint;
  readonly fillCount: number;
  /** ISO UTC instant the market accepted the order. */
  readonly acceptedAt: string;
  /** ISO UTC instant it became FILLED, CANCELLED or EXPIRED; null while OPEN. */
  readonly closedAt: string | null;
}

export interface MarketFill {
  /** The same fill always carries the same id, and no other fill ever does. */
  readonly fillId: string;
  readonly quantity: bigint;
  readonly priceMinor: bigint;
  /** ISO UTC instant of the trade. */
  readonly at: string;
}

export interface FillPage {
  readonly orderId: string;
  readonly fills: readonly MarketFill[];
  /** Pass as `after` to the next poll: the number of fills seen so far. */
  readonly nextCursor: number;
  /** The order's status when the page was read: fills stop once it is not OPEN. */
  readonly status: MarketOrderStatus;
  /** More fills are waiting beyond this page. */
  readonly hasMore: boolean;
}

export type CancelOutcome =
  /** What was left is cancelled (now or by an earlier cancel); the fills before it stand. */
  | {
      readonly kind: 'cancelled';
      readonly cancelledQuantity: bigint;
      readonly order: MarketOrder;
    }
  /** Nothing was left to cancel: the order is FILLED or EXPIRED. */
  | { readonly kind: 'already-closed'; readonly order: MarketOrder }
  /**
   * The market has no such order; it now refuses that order id for good, so a submit
   * still on its way is rejected CANCELLED_BEFORE_ARRIVAL instead of trading.
   */
  | { readonly kind: 'not-placed' };

export interface InstrumentQuote {
  readonly symbol: string;
  readonly name: string;
  readonly currency: Currency;
  /** Last traded price, minor units of `currency`. */
  readonly priceMinor: bigint;
  readonly halted: boolean;
  /** ISO UTC instant the price is from. */
  readonly at: string;
}

/**
 * No answer from the market: the effect of the call is unknown. `kind` says why, for
 * logs and metrics: FAILURE (a transient error), TIMEOUT, CIRCUIT_OPEN (not sent).
 */
export class MarketUnavailableError extends ServiceUnavailableError {
  override readonly name = 'MarketUnavailableError';
  constructor(
    readonly kind: 'FAILURE' | 'TIMEOUT' | 'CIRCUIT_OPEN',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  override get clientMessage(): string {
    return 'The market is unavailable; try again';
  }
}
