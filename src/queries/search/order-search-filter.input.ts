import { Field, GraphQLISODateTime, ID, InputType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { IsPlainText } from '../../shared/input-rules.js';
import { OrderSideInput, OrderTypeInput } from '../../shared/order-enums.js';
import { OrderStatus } from '../orders/order.type.js';
import { type OrderSearchFilter } from './order-search.port.js';

/** Longest list a filter takes: enough for a facet's every value. */
export const MAX_FILTER_VALUES = 20;

@InputType({
  description:
    'Narrows a search: every field given must match, and a list matches any of its values; an omitted or empty field matches all',
})
export class OrderSearchFilterInput {
  @Field(() => [ID], { nullable: true, description: "Only these accounts' orders" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  @IsPlainText({ each: true })
  accountIds?: string[] | null;

  @Field(() => [OrderStatus], { nullable: true, description: 'Only orders in these states' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsIn(Object.values(OrderStatus), { each: true })
  statuses?: OrderStatus[] | null;

  @Field(() => [OrderSideInput], { nullable: true, description: 'Only buys, or only sells' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsIn(Object.values(OrderSideInput), { each: true })
  sides?: OrderSideInput[] | null;

  @Field(() => [OrderTypeInput], { nullable: true, description: 'Only MARKET, or only LIMIT' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsIn(Object.values(OrderTypeInput), { each: true })
  types?: OrderTypeInput[] | null;

  @Field(() => [String], { nullable: true, description: 'Instrument symbols, e.g. ["AAPL"]' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @Matches(/^[A-Z][A-Z0-9.]{0,11}$/, {
    each: true,
    message: 'instruments must be symbols such as AAPL',
  })
  instruments?: string[] | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Placed at or after' })
  @IsOptional()
  @IsDate()
  placedFrom?: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Placed before' })
  @IsOptional()
  @IsDate()
  placedTo?: Date | null;
}

function listOf<T extends string>(values: readonly T[] | null | undefined): T[] | undefined {
  return values && values.length > 0 ? [...new Set(values)] : undefined;
}

export function orderSearchFilterOf(
  input: OrderSearchFilterInput | null | undefined,
): OrderSearchFilter {
  return {
    accountIds: listOf(input?.accountIds),
    statuses: listOf(input?.statuses),
    sides: listOf(input?.sides),
    orderTypes: listOf(input?.types),
    instruments: listOf(input?.instruments),
    placedFrom: input?.placedFrom?.toISOString(),
    placedTo: input?.placedTo?.toISOString(),
  };
}
