import { type Currency } from './money.js';

export type OrderSide = 'BUY' | 'SELL';
export type OrderType = 'MARKET' | 'LIMIT';

/** Events of the `order-<id>` stream: the order's lifecycle. */
export type OrderEvent =
  | {
      readonly type: 'OrderPlaced';
      readonly data: {
        orderId: string;
        accountId: string;
        side: OrderSide;
        orderType: OrderType;
        instrument: string;
        quantity: bigint;
        limitPriceMinor: bigint | null;
        currency: Currency;
        placedAt: string;
        /** ISO time after which an unfilled limit order expires; null for market orders. */
        expiresAt: string | null;
      };
    }
  | { readonly type: 'OrderAccepted'; readonly data: { orderId: string } }
  | {
      readonly type: 'OrderFilled';
      readonly data: { orderId: string; fillId: string; quantity: bigint; priceMinor: bigint };
    }
  | { readonly type: 'OrderCompleted'; readonly data: { orderId: string } }
  | { readonly type: 'OrderRejected'; readonly data: { orderId: string; reason: string } }
  | { readonly type: 'OrderFailed'; readonly data: { orderId: string; reason: string } }
  | {
      readonly type: 'OrderCancellationRequested';
      readonly data: { orderId: string; reason: string };
    }
  | { readonly type: 'OrderCancelled'; readonly data: { orderId: string; reason: string } }
  | { readonly type: 'OrderExpired'; readonly data: { orderId: string } };
