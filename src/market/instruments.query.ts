import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { MARKET_GATEWAY, type InstrumentQuote, type MarketGateway } from './market-gateway.port.js';

/**
 * Instruments are read from the market through the gateway (its retries and circuit), not
 * from a view: they reflect no log position and take no consistency wait.
 */
export class InstrumentsQuery extends Query<readonly InstrumentQuote[]> {}

export class InstrumentQuery extends Query<InstrumentQuote | undefined> {
  constructor(readonly symbol: string) {
    super();
  }
}

@QueryHandler(InstrumentsQuery)
export class InstrumentsHandler implements IQueryHandler<InstrumentsQuery> {
  constructor(@Inject(MARKET_GATEWAY) private readonly market: MarketGateway) {}

  execute(): Promise<readonly InstrumentQuote[]> {
    return this.market.listInstruments();
  }
}

@QueryHandler(InstrumentQuery)
export class InstrumentHandler implements IQueryHandler<InstrumentQuery> {
  constructor(@Inject(MARKET_GATEWAY) private readonly market: MarketGateway) {}

  execute(query: InstrumentQuery): Promise<InstrumentQuote | undefined> {
    return this.market.getInstrument(query.symbol);
  }
}
