import { Inject, Injectable } from '@nestjs/common';
import { CommandRejectedError } from '../shared/ledger-errors.js';
import { MARKET_CONFIG, type MarketConfig } from './market.config.js';
import { MARKET_GATEWAY, type InstrumentQuote, type MarketGateway } from './market-gateway.port.js';
import { SimulatedExchange } from './simulated-exchange.js';

/** Halts and resumes trading on the exchange that MARKET_GATEWAY trades through. */
@Injectable()
export class InstrumentHalts {
  private readonly symbols: ReadonlySet<string>;

  constructor(
    private readonly exchange: SimulatedExchange,
    @Inject(MARKET_GATEWAY) private readonly market: MarketGateway,
    @Inject(MARKET_CONFIG) config: MarketConfig,
  ) {
    this.symbols = new Set(config.exchange.instruments.map((instrument) => instrument.symbol));
  }

  /**
   * The instrument as the market quotes it after the change. The halt itself is the
   * exchange's own control (no simulated faults), kept in its book; the quote is a call
   * over the gateway and can fail (SERVICE_UNAVAILABLE), in which case the halt stands and
   * repeating the call is safe.
   */
  async setHalted(symbol: string, halted: boolean): Promise<InstrumentQuote> {
    if (!this.symbols.has(symbol)) {
      throw new CommandRejectedError({ code: 'NOT_FOUND', message: `No instrument ${symbol}` });
    }
    await this.exchange.setHalted(symbol, halted);
    const quote = await this.market.getInstrument(symbol);
    // The catalogue and the exchange are built from the same config.
    if (quote === undefined) throw new Error(`The exchange lost instrument ${symbol}`);
    return quote;
  }
}
