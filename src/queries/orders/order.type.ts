import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { OrderSideInput, OrderTypeInput } from '../../shared/order-enums.js';
import { formatAverage, formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType, KEYSET_PAGE } from '../paging/connection.type.js';
import { type OrderView } from '../repositories/orders.repository.js';

/** An order's lifecycle states (the decider's, stored as they are by the projector). */
export enum OrderStatus {
  PLACED = 'PLACED',
  ACCEPTED = 'ACCEPTED',
  PARTIALLY_FILLED = 'PARTIALLY_FILLED',
  COMPLETED = 'COMPLETED',
  REJECTED = 'REJECTED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
}
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description:
    'Where an order is in its placement saga; COMPLETED, REJECTED, FAILED, CANCELLED and EXPIRED are final',
  valuesMap: {
    PLACED: {
      description: 'Recorded; the saga has yet to reserve for it and send it to the market',
    },
    ACCEPTED: {
      description: 'Reserved for and resting at the market; cancelOrder may still stop it',
    },
    PARTIALLY_FILLED: {
      description: 'Some shares traded (filledQuantity); the rest may still fill',
    },
    COMPLETED: { description: 'Final: every share traded and settled' },
    REJECTED: {
      description:
        'Final: refused (e.g. insufficient funds or holdings, instrument halted); see reason',
    },
    FAILED: {
      description:
        'Final: a step failed and was compensated; fills already settled stand; see reason',
    },
    CANCELLED: { description: 'Final: cancelled by the customer; what was reserved is released' },
    EXPIRED: { description: 'Final: its time in force ran out; what was reserved is released' },
  },
});

/**
 * The fields an order shows wherever it is read: the orders view's `Order` and search's
 * `SearchedOrder`. The GraphQL enums OrderSide and OrderType are the ones the placeOrder
 * input declares.
 */
@ObjectType({ isAbstract: true })
export abstract class OrderFieldsType {
  @Field(() => ID, {
    description: 'The order id: pass it to order, cancelOrder and the saga mutations',
  })
  id!: string;

  @Field({ description: 'The account the order trades for' })
  accountId!: string;

  @Field(() => OrderSideInput, { description: 'BUY or SELL' })
  side!: OrderSideInput;

  @Field(() => OrderTypeInput, { description: 'MARKET or LIMIT' })
  type!: OrderTypeInput;

  @Field({ description: 'The instrument symbol, e.g. AAPL' })
  instrument!: string;

  @Field({ description: "ISO 4217 code of the prices and the fee: the instrument's currency" })
  currency!: string;

  @Field({ description: 'Whole shares ordered' })
  quantity!: string;

  @Field(() => String, { nullable: true, description: 'LIMIT orders only' })
  limitPrice!: string | null;

  @Field({ description: 'Whole shares traded so far' })
  filledQuantity!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Average fill price: the currency digits plus 4 decimals, rounded half away from zero; null before the first fill',
  })
  averagePrice!: string | null;

  @Field({
    description: 'Fee charged, a decimal string in the order currency (refunded if nothing filled)',
  })
  fee!: string;

  @Field(() => OrderStatus, { description: 'Where the order is in its lifecycle' })
  status!: OrderStatus;

  @Field(() => String, { nullable: true, description: 'Why it was rejected, failed or cancelled' })
  reason!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When placeOrder recorded it' })
  placedAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When an event last changed the order' })
  updatedAt!: Date;
}

@ObjectType('Order', {
  description: 'An order to buy or sell shares of one instrument, as the orders view holds it',
})
export class OrderType extends OrderFieldsType {
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description:
      'When a LIMIT order expires unfilled (placedAt + timeInForceSeconds, default one day); null for MARKET orders',
  })
  expiresAt!: Date | null;
}

@ObjectType('OrderConnection', {
  description: `Orders, newest first. ${KEYSET_PAGE}`,
})
export class OrderConnectionType extends ConnectionType {
  @Field(() => [OrderType], { description: 'The orders of this page, newest first' })
  nodes!: OrderType[];
}

/** What both order views hold: the lifecycle, money in minor units, times. */
export type OrderFieldsView = Omit<OrderView, 'expiresAt' | 'key'>;

export function orderFieldsOf(view: OrderFieldsView): OrderFieldsType {
  return {
    id: view.orderId,
    accountId: view.accountId,
    side: view.side as OrderSideInput,
    type: view.orderType as OrderTypeInput,
    instrument: view.instrument,
    currency: view.currency,
    quantity: view.quantity.toString(),
    limitPrice:
      view.limitPriceMinor === null ? null : formatMoney(view.limitPriceMinor, view.currency),
    filledQuantity: view.filledQuantity.toString(),
    averagePrice: formatAverage(view.filledNotionalMinor, view.filledQuantity, view.currency),
    fee: formatMoney(view.feeMinor, view.currency),
    status: view.status as OrderStatus,
    reason: view.reason,
    placedAt: view.placedAt,
    updatedAt: view.updatedAt,
  };
}

export function toOrderType(view: OrderView): OrderType {
  return { ...orderFieldsOf(view), expiresAt: view.expiresAt };
}
