import { type DynamicModule, Module } from '@nestjs/common';
import { type Clock, systemClock } from '../infrastructure/resilience/clock.js';
import { FeeSchedule } from './fee-schedule.js';
import { DEFAULT_MARKET_CONFIG, type MarketConfig } from './market.config.js';
import { MARKET_GATEWAY } from './market-gateway.port.js';
import { ResilientMarketGateway } from './resilient-market-gateway.js';
import { SimulatedExchange } from './simulated-exchange.js';

/**
 * The market: MARKET_GATEWAY is the simulated exchange behind the resilient decorator.
 * SimulatedExchange is exported as well for the exchange's own controls (halts, faults),
 * ResilientMarketGateway for its circuits, FeeSchedule for the one fee rule.
 */
@Module({})
export class MarketModule {
  static forRoot(
    config: MarketConfig = DEFAULT_MARKET_CONFIG,
    clock: Clock = systemClock,
  ): DynamicModule {
    return {
      module: MarketModule,
      providers: [
        {
          provide: SimulatedExchange,
          useFactory: () => new SimulatedExchange(config.exchange, clock),
        },
        {
          provide: ResilientMarketGateway,
          inject: [SimulatedExchange],
          useFactory: (exchange: SimulatedExchange) =>
            new ResilientMarketGateway(exchange, config.resilience, clock),
        },
        { provide: MARKET_GATEWAY, useExisting: ResilientMarketGateway },
        { provide: FeeSchedule, useFactory: () => new FeeSchedule(config.fees) },
      ],
      exports: [MARKET_GATEWAY, SimulatedExchange, ResilientMarketGateway, FeeSchedule],
    };
  }
}
