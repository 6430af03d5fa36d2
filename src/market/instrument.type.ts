import { Field, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { formatMoney } from '../shared/decimal-format.js';
import { type InstrumentQuote } from './market-gateway.port.js';

@ObjectType('Instrument', { description: 'A tradable instrument as the market quotes it now' })
export class InstrumentType {
  @Field({ description: 'The ticker symbol orders name it by, e.g. AAPL' })
  symbol!: string;

  @Field({ description: "The issuer's name, e.g. Apple Inc." })
  name!: string;

  @Field({ description: 'Prices and orders in this instrument are in this currency' })
  currency!: string;

  @Field({ description: 'Last price, a decimal string in the instrument currency' })
  price!: string;

  @Field({ description: 'Trading is halted: the market rejects new orders' })
  halted!: boolean;

  @Field(() => GraphQLISODateTime, { description: 'When the market set the price' })
  priceAt!: Date;
}

export function toInstrumentType(quote: InstrumentQuote): InstrumentType {
  return {
    symbol: quote.symbol,
    name: quote.name,
    currency: quote.currency,
    price: formatMoney(quote.priceMinor, quote.currency),
    halted: quote.halted,
    priceAt: new Date(quote.at),
  };
}
