export const accountStream = (accountId: string): string => `account-${accountId}`;
export const holdingStream = (accountId: string, symbol: string): string =>
  `holding-${accountId}-${symbol}`;
export const orderStream = (orderId: string): string => `order-${orderId}`;

export const ACCOUNT_STREAM_PREFIX = 'account-';
