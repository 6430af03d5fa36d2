import { Field, GraphQLISODateTime, ID, InputType } from '@nestjs/graphql';
import { IsDate, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsPlainText } from '../../shared/input-rules.js';
import { OrderSideInput } from '../../shared/order-enums.js';
import { type OrderFilter } from '../repositories/orders.repository.js';
import { OrderStatus } from './order.type.js';

@InputType({
  description:
    'Narrows the orders listed: every field given must match; an omitted field matches all',
})
export class OrderFilterInput {
  @Field(() => ID, { nullable: true, description: "Only this account's orders" })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @IsPlainText()
  accountId?: string | null;

  @Field(() => OrderStatus, { nullable: true, description: 'Only orders in this state' })
  @IsOptional()
  @IsIn(Object.values(OrderStatus))
  status?: OrderStatus | null;

  @Field(() => OrderSideInput, { nullable: true, description: 'Only buys or only sells' })
  @IsOptional()
  @IsIn(Object.values(OrderSideInput))
  side?: OrderSideInput | null;

  @Field(() => String, { nullable: true, description: 'Instrument symbol, e.g. AAPL' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9.]{0,11}$/, { message: 'instrument must be a symbol such as AAPL' })
  instrument?: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Placed at or after' })
  @IsOptional()
  @IsDate()
  placedFrom?: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Placed before' })
  @IsOptional()
  @IsDate()
  placedTo?: Date | null;
}

export function orderFilterOf(input: OrderFilterInput | null | undefined): OrderFilter {
  return {
    accountId: input?.accountId ?? undefined,
    status: input?.status ?? undefined,
    side: input?.side ?? undefined,
    instrument: input?.instrument ?? undefined,
    placedFrom: input?.placedFrom ?? undefined,
    placedTo: input?.placedTo ?? undefined,
  };
}
