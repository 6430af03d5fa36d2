import { Args, Query, Resolver } from '@nestjs/graphql';
import { INSTRUMENTS, type InstrumentDefinition, findInstrument } from '../config/instruments.js';
import { formatMinor, minorDigits } from '../domain/money.js';
import { InstrumentType } from './instrument.type.js';

function toType(instrument: InstrumentDefinition): InstrumentType {
  return {
    symbol: instrument.symbol,
    name: instrument.name,
    currency: instrument.currency,
    price: formatMinor(instrument.referencePriceMinor, minorDigits(instrument.currency)),
    halted: false,
  };
}

/** The tradable instruments at their reference prices (live prices arrive with the market gateway). */
@Resolver(() => InstrumentType)
export class InstrumentsResolver {
  @Query(() => [InstrumentType])
  instruments(): InstrumentType[] {
    return INSTRUMENTS.map(toType);
  }

  @Query(() => InstrumentType, { nullable: true })
  instrument(@Args('symbol') symbol: string): InstrumentType | null {
    const found = findInstrument(symbol);
    return found ? toType(found) : null;
  }
}
