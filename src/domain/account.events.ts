import { type Currency } from './money.js';
import { type Posting } from './ledger.js';

/** Events of the `account-<id>` stream: the customer's cash and what is open on it. */
export type AccountEvent =
  | {
      readonly type: 'AccountOpened';
      readonly data: { accountId: string; customerId: string; name: string; currency: Currency };
    }
  | {
      readonly type: 'FundsDeposited';
      readonly data: {
        paymentId: string;
        amountMinor: bigint;
        reference: string;
        postings: Posting[];
      };
    }
  | {
      readonly type: 'FundsWithdrawn';
      readonly data: {
        paymentId: string;
        amountMinor: bigint;
        reference: string;
        postings: Posting[];
      };
    }
  | { readonly type: 'AccountOrderOpened'; readonly data: { orderId: string; instrument: string } }
  | { readonly type: 'AccountOrderClosed'; readonly data: { orderId: string } }
  | { readonly type: 'CashReserved'; readonly data: { orderId: string; amountMinor: bigint } }
  | {
      readonly type: 'CashReservationReleased';
      readonly data: { orderId: string; amountMinor: bigint };
    }
  | {
      readonly type: 'FeeCharged';
      readonly data: {
        orderId: string;
        paymentId: string;
        amountMinor: bigint;
        /** The part taken out of the order's cash reservation. */
        fromReservationMinor: bigint;
        postings: Posting[];
      };
    }
  | {
      readonly type: 'FeeRefunded';
      readonly data: {
        orderId: string;
        paymentId: string;
        amountMinor: bigint;
        postings: Posting[];
      };
    }
  | {
      readonly type: 'TradeCashSettled';
      readonly data: {
        orderId: string;
        fillId: string;
        paymentId: string;
        side: 'BUY' | 'SELL';
        amountMinor: bigint;
        fromReservationMinor: bigint;
        postings: Posting[];
      };
    }
  | { readonly type: 'AccountClosed'; readonly data: { accountId: string } };
