import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type pg from 'pg';
import { DATABASE_POOL } from '../infrastructure/database/database.tokens.js';
import { MetricsModule } from '../infrastructure/metrics/metrics.module.js';
import { type Clock, systemClock } from '../infrastructure/resilience/clock.js';
import { FeeSchedule } from './fee-schedule.js';
import { InMemoryMarketBook } from './in-memory.market-book.js';
import { InstrumentHalts } from './instrument-halts.service.js';
import { InstrumentHandler, InstrumentsHandler } from './instruments.query.js';
import { MarketAdminResolver } from './market-admin.resolver.js';
import { MarketCircuitsHandler } from './market-circuits.query.js';
import { DEFAULT_MARKET_CONFIG, MARKET_CONFIG, type MarketConfig } from './market.config.js';
import { MARKET_GATEWAY } from './market-gateway.port.js';
import { type MarketBook } from './market-book.port.js';
import { MarketBookRepository } from './market-book.repository.js';
import { MarketCallMetrics, MarketMetrics } from './market.metrics.js';
import { MarketResolver } from './market.resolver.js';
import { ResilientMarketGateway } from './resilient-market-gateway.js';
import { SimulatedExchange } from './simulated-exchange.js';

/** Nest injection token of the MarketBook the simulated exchange keeps its book in. */
export const MARKET_BOOK = Symbol('MARKET_BOOK');

/**
 * Where the exchange keeps its book: `postgres` (the app: the database of DATABASE_POOL,
 * so that the book outlives a restart and processes share it), or `memory` (a module
 * without a database, as in unit tests).
 */
export type MarketBookKind = 'postgres' | 'memory';

/**
 * The market: MARKET_GATEWAY is the simulated exchange behind the resilient decorator,
 * keeping its book where `book` says (PostgreSQL unless told otherwise).
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
    book: MarketBookKind = 'postgres',
  ): DynamicModule {
    return {
      module: MarketModule,
      global: true,
      imports: [CqrsModule, MetricsModule],
      providers: [
        { provide: MARKET_CONFIG, useValue: config },
        book === 'postgres'
          ? {
              provide: MARKET_BOOK,
              inject: [DATABASE_POOL],
              useFactory: (pool: pg.Pool): MarketBook =>
                new MarketBookRepository(pool, config.exchange.maxClosedOrders),
            }
          : {
              provide: MARKET_BOOK,
              useFactory: (): MarketBook => new InMemoryMarketBook(config.exchange.maxClosedOrders),
            },
        {
          provide: SimulatedExchange,
          inject: [MARKET_BOOK],
          useFactory: (marketBook: MarketBook) =>
            new SimulatedExchange(config.exchange, clock, marketBook),
        },
        {
          provide: ResilientMarketGateway,
          inject: [SimulatedExchange, MarketCallMetrics],
          useFactory: (exchange: SimulatedExchange, timer: MarketCallMetrics) =>
            new ResilientMarketGateway(exchange, config.resilience, clock, Math.random, timer),
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
        MarketCallMetrics,
      ],
      exports: [MARKET_GATEWAY, SimulatedExchange, ResilientMarketGateway, FeeSchedule],
    };
  }
}
