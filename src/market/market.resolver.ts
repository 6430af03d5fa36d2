import { QueryBus } from '@nestjs/cqrs';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { InstrumentQuery, InstrumentsQuery } from './instruments.query.js';
import { InstrumentType, toInstrumentType } from './instrument.type.js';
import { MarketCircuitType, toMarketCircuitType } from './market-circuit.type.js';
import { MarketCircuitsQuery } from './market-circuits.query.js';

/** The market as it is now: quotes and the state of the circuit in front of it. */
@Resolver()
export class MarketResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => [InstrumentType], { description: 'Every instrument the market trades, live' })
  async instruments(): Promise<InstrumentType[]> {
    const quotes = await this.queryBus.execute(new InstrumentsQuery());
    return quotes.map(toInstrumentType);
  }

  @Query(() => InstrumentType, {
    nullable: true,
    description: 'One instrument, live from the market; null when the market trades no such symbol',
  })
  async instrument(
    @Args('symbol', { description: 'The ticker symbol, e.g. AAPL' }) symbol: string,
  ): Promise<InstrumentType | null> {
    const quote = await this.queryBus.execute(new InstrumentQuery(symbol));
    return quote === undefined ? null : toInstrumentType(quote);
  }

  @Query(() => [MarketCircuitType], {
    description: 'The circuit breakers in front of the market: OPEN means calls fail fast',
  })
  async marketCircuits(): Promise<MarketCircuitType[]> {
    const circuits = await this.queryBus.execute(new MarketCircuitsQuery());
    return circuits.map(toMarketCircuitType);
  }
}
