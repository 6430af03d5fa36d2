import { type OrderSide } from '../domain/order.events.js';

/** How an order placement ends; the order's terminal status. */
export type SagaEnding = 'COMPLETED' | 'REJECTED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';

/**
 * Why the saga cancelled an order at the market: decides the order's terminal status.
 * LOST: the market had said twice it had no such order, and the cancel then found it.
 */
export type MarketCancelCause = 'CUSTOMER' | 'EXPIRY' | 'UNCONFIRMED' | 'ADMIN' | 'LOST';

export type MarketOrderState = 'OPEN' | 'FILLED' | 'CANCELLED' | 'EXPIRED';

export interface SagaFill {
  fillId: string;
  quantity: bigint;
  priceMinor: bigint;
}

/**
 * Events of the `order-saga-<orderId>` stream: the placement saga's own progress. The
 * effects (cash, shares, the order's lifecycle) are on the aggregates' streams; these
 * record which step is done and what the saga learnt, so that a restart resumes there.
 */
export type OrderSagaEvent =
  | {
      readonly type: 'OrderSagaStarted';
      readonly data: {
        orderId: string;
        accountId: string;
        side: OrderSide;
        instrument: string;
        quantity: bigint;
        /** The price the fee and the reservation were worked out from: limit or last price. */
        priceMinor: bigint;
        /** Quoted once here and never again: a restart reuses it. */
        feeMinor: bigint;
        /** Cash a buy reserves (notional and fee); 0 for a sell, which reserves shares. */
        reserveMinor: bigint;
        expiresAt: string | null;
        /**
         * The customer who placed the order (OrderPlaced's actor), for whom the saga's steps
         * act. Absent on sagas started before it was recorded.
         */
        initiatorId?: string;
        /**
         * The correlation id of the request that placed the order: the saga's commands
         * carry it on, so one id ties a customer's request to every step it set off.
         * Absent on sagas started before it was recorded (they use the order id).
         */
        correlationId?: string;
      };
    }
  | { readonly type: 'OrderSagaReserved'; readonly data: { orderId: string } }
  | { readonly type: 'OrderSagaFeeCharged'; readonly data: { orderId: string } }
  | { readonly type: 'OrderSagaSubmitted'; readonly data: { orderId: string } }
  /** The market did not answer the submit: the order may or may not be there. */
  | {
      readonly type: 'OrderSagaSubmitUnconfirmed';
      readonly data: { orderId: string; reason: string };
    }
  | {
      readonly type: 'OrderSagaMarketPolled';
      readonly data: {
        orderId: string;
        fills: SagaFill[];
        status: MarketOrderState;
        nextCursor: number;
      };
    }
  | { readonly type: 'OrderSagaFillSettled'; readonly data: { orderId: string; fillId: string } }
  /**
   * A poll found no such order at the market (its book lost it: a restart, its end of
   * day): `misses` such answers in a row. An outcome the saga confirms, not an error.
   */
  | {
      readonly type: 'OrderSagaMarketOrderMissing';
      readonly data: { orderId: string; misses: number };
    }
  /**
   * The market confirmed it does not know the order: a cancel answered that it was never
   * placed, and the market now refuses the order id for good, so it can never trade.
   */
  | { readonly type: 'OrderSagaMarketOrderLost'; readonly data: { orderId: string } }
  | {
      readonly type: 'OrderSagaMarketCancelSent';
      readonly data: { orderId: string; cause: MarketCancelCause };
    }
  /** An admin asked to unwind the saga (cancel at the market if there, then compensate). */
  | {
      readonly type: 'OrderSagaCompensationRequested';
      readonly data: { orderId: string; by: string };
    }
  /** How the saga is to end, when a step decided it (a refusal, a rejection, an admin). */
  | {
      readonly type: 'OrderSagaEnding';
      readonly data: {
        orderId: string;
        status: SagaEnding;
        reason: string;
        /** Set by an admin's failSaga: end without asking the market anything more. */
        forced: boolean;
      };
    }
  | {
      readonly type: 'OrderSagaFinished';
      readonly data: { orderId: string; status: SagaEnding; reason: string | null };
    };
