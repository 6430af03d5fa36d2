import { registerEnumType } from '@nestjs/graphql';

// The API's names for an order's side and type: commands take them, queries show them.
export enum OrderSideInput {
  BUY = 'BUY',
  SELL = 'SELL',
}
export enum OrderTypeInput {
  MARKET = 'MARKET',
  LIMIT = 'LIMIT',
}
registerEnumType(OrderSideInput, {
  name: 'OrderSide',
  description: 'Whether an order buys or sells shares',
  valuesMap: {
    BUY: { description: 'Buys shares with cash of the account (cash is reserved first)' },
    SELL: { description: 'Sells shares the account holds (shares are reserved first)' },
  },
});
registerEnumType(OrderTypeInput, {
  name: 'OrderType',
  description: 'At what price an order may trade',
  valuesMap: {
    MARKET: { description: 'At the market price when it reaches the market; no limitPrice' },
    LIMIT: {
      description: 'Only at limitPrice or better; rests until filled, cancelled or expired',
    },
  },
});
