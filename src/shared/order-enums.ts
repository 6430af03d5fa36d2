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
registerEnumType(OrderSideInput, { name: 'OrderSide' });
registerEnumType(OrderTypeInput, { name: 'OrderType' });
