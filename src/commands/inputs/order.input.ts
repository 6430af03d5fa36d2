import { Field, InputType, Int } from '@nestjs/graphql';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import { MAX_QUANTITY } from '../../domain/money.js';
import { MAX_TIME_IN_FORCE_SECONDS } from '../../domain/order.decider.js';
import { IsDecimalAmount, IsServerId } from '../../shared/input-rules.js';
import { OrderSideInput, OrderTypeInput } from '../../shared/order-enums.js';
import { CommandInput } from './command.input.js';

/** Digits only, no leading zero, and no more of them than the largest quantity has. */
const WHOLE_NUMBER = new RegExp(`^[1-9]\\d{0,${MAX_QUANTITY.toString().length - 1}}$`);

/** Whole shares from 1 to the domain's largest quantity, as a decimal string. */
const IsQuantity = (): PropertyDecorator =>
  ValidateBy({
    name: 'isQuantity',
    validator: {
      validate: (value: unknown): boolean =>
        typeof value === 'string' && WHOLE_NUMBER.test(value) && BigInt(value) <= MAX_QUANTITY,
      defaultMessage: () => `$property must be a whole number from 1 to ${MAX_QUANTITY}`,
    },
  });

@InputType({
  description: 'Places an order; its saga then reserves, trades and settles it (see Order.status)',
})
export class PlaceOrderInput extends CommandInput {
  @Field({ description: 'The account that pays (BUY) or delivers the shares (SELL)' })
  @IsServerId()
  accountId!: string;

  @Field(() => OrderSideInput, { description: 'BUY or SELL' })
  @IsIn(Object.values(OrderSideInput))
  side!: OrderSideInput;

  @Field(() => OrderTypeInput, { description: 'MARKET or LIMIT (LIMIT needs limitPrice)' })
  @IsIn(Object.values(OrderTypeInput))
  type!: OrderTypeInput;

  @Field({ description: 'Instrument symbol, e.g. AAPL' })
  @Matches(/^[A-Z][A-Z0-9.]{0,11}$/, { message: 'instrument must be a symbol such as AAPL' })
  instrument!: string;

  @Field({ description: 'Whole shares, 1 to 10^9, as a decimal string, e.g. "10"' })
  @IsQuantity()
  quantity!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Price per share for LIMIT orders (required there, refused on MARKET), a decimal string in the instrument currency',
  })
  @IsOptional()
  @IsDecimalAmount()
  limitPrice?: string | null;

  @Field(() => Int, { nullable: true, description: 'LIMIT orders only; default one day' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TIME_IN_FORCE_SECONDS)
  timeInForceSeconds?: number | null;
}

@InputType({ description: 'Cancels an order that has not finished' })
export class CancelOrderInput extends CommandInput {
  @Field({ description: 'The order id that placeOrder returned' })
  @IsServerId()
  orderId!: string;
}
