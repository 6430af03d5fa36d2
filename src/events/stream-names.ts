export const accountStream = (accountId: string): string => `account-${accountId}`;
export const holdingStream = (accountId: string, symbol: string): string =>
  `holding-${accountId}-${symbol}`;
export const orderStream = (orderId: string): string => `order-${orderId}`;

/** The order placement saga's own progress (see order-saga.events.ts). */
export const orderSagaStream = (orderId: string): string => `order-saga-${orderId}`;

export const ACCOUNT_STREAM_PREFIX = 'account-';
