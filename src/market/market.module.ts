import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { MetricsModule } from '../infrastructure/health/metrics.module.js';
import { type Clock, systemClock } from '../infrastructure/resilience/clock.js';
import { FeeSchedule } from './fee-schedule.js';
import { InstrumentHalts } from './instrument-halts.service.js';
import { InstrumentHandler, InstrumentsHandler } from './instruments.query.js';
import { MarketAdminResolver } from './market-admin.resolver.js';
import { MarketCircuitsHandler } from './market-circuits.query.js';
import { DEFAULT_MARKET_CONFIG, MARKET_CONFIG, type MarketConfig } from './market.config.js';
import { MARKET_GATEWAY } from './market-gateway.port.js';
import { MarketMetrics } from './market.metrics.js';
import { MarketResolver } from './market.resolver.js';
import { ResilientMarketGateway } from './resilient-market-gateway.js';
import { SimulatedExchange } from './simulated-exchange.js';

/**
 * The market: MARKET_GATEWAY is the simulated exchange behind the resilient decorator.
 * SimulatedExchange is exported as well for the exchange's own controls (halts, faults),
 * ResilientMarketGateway for its circuits, FeeSchedule for the one fee rule. Global, so
 * that the order saga injects the gateway and the fee schedule without importing it, and
 * every consumer shares the one exchange that the admin halts. Also serves the market's
 * GraphQL queries and its /metrics gauges.
 */
@Module({})
export class MarketModule {
  static forRoot(
    config: MarketConfig = DEFAULT_MARKET_CONFIG,
    clock: Clock = systemClock,
  ): DynamicModule {
    return {
      module: MarketModule,
      global: true,
      imports: [CqrsModule, MetricsModule],
      providers: [
        { provide: MARKET_CONFIG, useValue: config },
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
        InstrumentsHandler,
        InstrumentHandler,
        MarketCircuitsHandler,
        InstrumentHalts,
        MarketResolver,
        MarketAdminResolver,
        MarketMetrics,
      ],
      exports: [MARKET_GATEWAY, SimulatedExchange, ResilientMarketGateway, FeeSchedule],
    };
  }
}
