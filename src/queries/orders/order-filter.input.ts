import { Field, GraphQLISODateTime, ID, InputType } from '@nestjs/graphql';
import { IsDate, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsPlainText } from '../../shared/input-rules.js';
import { OrderSideInput } from '../../shared/order-enums.js';
import { type OrderFilter } from '../repositories/orders.repository.js';
import { OrderStatus } from './order.type.js';

@InputType({ description: 'Every given field must match' })
export class OrderFilterInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @IsPlainText()
  accountId?: string | null;

  @Field(() => OrderStatus, { nullable: true })
  @IsOptional()
  @IsIn(Object.values(OrderStatus))
  status?: OrderStatus | null;

  @Field(() => OrderSideInput, { nullable: true })
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
