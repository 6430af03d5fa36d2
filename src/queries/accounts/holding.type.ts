import { Field, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { findInstrument } from '../../config/instruments.js';
import { formatAverage, zeroAverage } from '../../shared/decimal-format.js';
import { type HoldingView } from '../repositories/holdings.repository.js';

@ObjectType('Holding', {
  description: "An account's position in one instrument: shares held, reserved and their cost",
})
export class HoldingType {
  @Field({ description: 'The account that holds the shares' })
  accountId!: string;

  @Field({ description: 'The instrument symbol, e.g. AAPL (see the instruments query)' })
  instrument!: string;

  @Field({ description: "The instrument's (and so the account's) currency" })
  currency!: string;

  @Field({ description: 'Whole shares held' })
  quantity!: string;

  @Field({ description: 'Shares held for open sell orders' })
  reserved!: string;

  @Field({ description: 'Quantity minus reserved: what a sell order may use now' })
  available!: string;

  @Field({
    description: 'Cost per share: the currency digits plus 4 decimals, rounded half away from zero',
  })
  averageCost!: string;

  @Field(() => GraphQLISODateTime, { description: 'When an event last changed the position' })
  updatedAt!: Date;
}

// Orders are accepted only for instruments in the catalog, in the instrument's currency.
const UNKNOWN_INSTRUMENT_CURRENCY = 'USD';

export function toHoldingType(view: HoldingView): HoldingType {
  const currency = findInstrument(view.instrument)?.currency ?? UNKNOWN_INSTRUMENT_CURRENCY;
  return {
    accountId: view.accountId,
    instrument: view.instrument,
    currency,
    quantity: view.quantity.toString(),
    reserved: view.reservedQuantity.toString(),
    available: (view.quantity - view.reservedQuantity).toString(),
    averageCost:
      formatAverage(view.costBasisMinor, view.quantity, currency) ?? zeroAverage(currency),
    updatedAt: view.updatedAt,
  };
}
