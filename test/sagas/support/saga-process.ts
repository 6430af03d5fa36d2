/**
 * The order placement saga in a process of its own, for crash tests: its log follower
 * and its runner against the database at DATABASE_URL, until it is killed. It trades on
 * the test process's market over IPC (see ipc-market.ts), or, with
 * SAGA_PROCESS_MARKET=durable, on a simulated exchange of its own whose book is in that
 * database, as the app's is (dying with the process, as the app's does), configured by
 * the LEDGER_MARKET_* variables. Saga settings come from the LEDGER_SAGA_* variables, the
 * market gateway's resilience from SAGA_PROCESS_MARKET_RESILIENCE (JSON of a
 * MarketResilienceConfig; unset, the production default). Prints `{"ready":true}` once
 * started.
 */
import type pg from 'pg';
import { AggregateStore } from '../../../src/commands/aggregate-store.js';
import { loadMarketConfig } from '../../../src/market/market-env.js';
import { loadSagaConfig } from '../../../src/config/saga-config.js';
import { createPool } from '../../../src/infrastructure/database/create-pool.js';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { systemClock } from '../../../src/infrastructure/resilience/clock.js';
import { FeeSchedule } from '../../../src/market/fee-schedule.js';
import { MarketBookRepository } from '../../../src/market/market-book.repository.js';
import {
  DEFAULT_MARKET_RESILIENCE_CONFIG,
  type MarketResilienceConfig,
  ResilientMarketGateway,
} from '../../../src/market/resilient-market-gateway.js';
import { SimulatedExchange } from '../../../src/market/simulated-exchange.js';
import { OrderPlacementRunner } from '../../../src/sagas/order-placement/order-placement.runner.js';
import { OrderPlacementSteps } from '../../../src/sagas/order-placement/order-placement.steps.js';
import { OrderSagasRepository } from '../../../src/sagas/order-placement/order-sagas.repository.js';
import { SagaLogFollower } from '../../../src/sagas/order-placement/saga-log-follower.js';
import { IpcMarketGateway } from './ipc-market.js';
import { SAGA_MARKET_RESILIENCE_ENV, SAGA_PROCESS_MARKET_ENV } from './processes.js';

function durableExchange(pool: pg.Pool): SimulatedExchange {
  const { exchange } = loadMarketConfig(process.env);
  return new SimulatedExchange(
    exchange,
    systemClock,
    new MarketBookRepository(pool, exchange.maxClosedOrders),
  );
}

function main(): void {
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const config = loadSagaConfig(process.env);
  const pool = createPool({ connectionString: databaseUrl, max: 10 });
  const store = new PostgresEventStore(pool, { idleRecheckMs: 200 });
  const aggregates = new AggregateStore(store);
  const resilience = process.env[SAGA_MARKET_RESILIENCE_ENV];
  const market = new ResilientMarketGateway(
    process.env[SAGA_PROCESS_MARKET_ENV] === 'durable'
      ? durableExchange(pool)
      : new IpcMarketGateway(),
    resilience
      ? (JSON.parse(resilience) as MarketResilienceConfig)
      : DEFAULT_MARKET_RESILIENCE_CONFIG,
    systemClock,
  );
  const steps = new OrderPlacementSteps(aggregates, market, new FeeSchedule(), systemClock, config);
  const sagas = new OrderSagasRepository(pool);
  const log = (message: string): void => {
    process.stderr.write(`[saga ${process.pid}] ${message}\n`);
  };
  const runner = new OrderPlacementRunner(aggregates, sagas, steps, config, systemClock, log);
  new SagaLogFollower(store, sagas, config.batchSize, () => runner.notify(), log).start();
  runner.start();
  process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
}

main();
