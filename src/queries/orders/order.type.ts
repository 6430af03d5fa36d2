import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { OrderSideInput, OrderTypeInput } from '../../shared/order-enums.js';
import { formatAverage, formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType } from '../paging/connection.type.js';
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
registerEnumType(OrderStatus, { name: 'OrderStatus' });

// The GraphQL enums OrderSide and OrderType are the ones the placeOrder input declares.
@ObjectType('Order')
export class OrderType {
  @Field(() => ID)
  id!: string;

  @Field()
  accountId!: string;

  @Field(() => OrderSideInput)
  side!: OrderSideInput;

  @Field(() => OrderTypeInput)
  type!: OrderTypeInput;

  @Field()
  instrument!: string;

  @Field()
  currency!: string;

  @Field({ description: 'Whole shares ordered' })
  quantity!: string;

  @Field(() => String, { nullable: true, description: 'LIMIT orders only' })
  limitPrice!: string | null;

  @Field()
  filledQuantity!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Average fill price: the currency digits plus 4 decimals, rounded half away from zero; null before the first fill',
  })
  averagePrice!: string | null;

  @Field()
  fee!: string;

  @Field(() => OrderStatus)
  status!: OrderStatus;

  @Field(() => String, { nullable: true, description: 'Why it was rejected, failed or cancelled' })
  reason!: string | null;

  @Field(() => GraphQLISODateTime)
  placedAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@ObjectType('OrderConnection')
export class OrderConnectionType extends ConnectionType {
  @Field(() => [OrderType])
  nodes!: OrderType[];
}

export function toOrderType(view: OrderView): OrderType {
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
    expiresAt: view.expiresAt,
    updatedAt: view.updatedAt,
  };
}
