import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregateStore } from '../../src/commands/aggregate-store.js';
import { OrderSideInput, OrderTypeInput } from '../../src/shared/order-enums.js';
import { isTerminal } from '../../src/domain/order.decider.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { systemClock } from '../../src/infrastructure/resilience/clock.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { SimulatedExchange } from '../../src/market/simulated-exchange.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { LedgerCommands } from './support/ledger-commands.js';
import { killStartedProcesses, startSagaProcess, waitForSagasToRest } from './support/processes.js';
import {
  TEST_MARKET,
  expectLogInvariants,
  expectSettledPositions,
  foldOrders,
  readLog,
} from './support/saga-test-kit.js';
import { testSeed } from '../support/test-seed.js';

/**
 * The saga in a process of its own, SIGKILLed at random moments while it works through
 * orders (mid-step: between a command and its record, inside a market call) and
 * restarted each time. Every order must end in exactly one terminal state, and nothing
 * may be reserved, charged, refunded or settled twice. LEDGER_TEST_SEED=<n> repeats a run.
 */
const SEED = testSeed('saga-crash');

const ACCOUNTS = 6;
const ORDERS_PER_ACCOUNT = 8;
const KILLS = 6;
const FINISH_TIMEOUT_MS = 40_000;
let database: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;
let aggregates: AggregateStore;
const exchange = new SimulatedExchange(
  { ...TEST_MARKET.exchange, tickIntervalMs: 20, maxFillQuantity: 2n },
  systemClock,
);

beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 10 });
  await migrate(pool, MIGRATIONS);
  store = new PostgresEventStore(pool, { idleRecheckMs: 200 });
  aggregates = new AggregateStore(store, { streamCacheSize: 0 });
});
afterAll(async () => {
  await killStartedProcesses();
  await store?.close();
  await pool?.end();
  await database?.drop();
});

describe('order placement saga killed at random points', () => {
  // Beyond the default 60 s: FINISH_TIMEOUT_MS alone is 40 s on a loaded machine.
  it(
    'ends every order exactly once, with nothing charged, refunded, reserved or settled twice',
    { timeout: 120_000 },
    async () => {
      const random = seededRandom(SEED, 'saga-crash');
      const commands = new LedgerCommands(aggregates);
      const accountIds: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        accountIds.push(await commands.openFundedAccount(`c-${i}`, '20000.00'));
      }
      const orderIds: string[] = [];
      const placing = (async () => {
        for (let round = 0; round < ORDERS_PER_ACCOUNT; round++) {
          for (const accountId of accountIds) {
            const buy = round % 3 !== 2;
            const limit = random() < 0.3;
            orderIds.push(
              await commands.placeOrder({
                accountId,
                side: buy ? OrderSideInput.BUY : OrderSideInput.SELL,
                type: limit ? OrderTypeInput.LIMIT : OrderTypeInput.MARKET,
                instrument: 'AAPL',
                quantity: String(1 + Math.floor(random() * 4)),
                limitPrice: limit ? (buy ? '150.00' : '250.00') : null,
                timeInForceSeconds: limit ? 1 : null,
              }),
            );
            if (random() < 0.15) {
              await commands.cancelOrder(orderIds[orderIds.length - 1]!);
            }
          }
          await sleep(20);
        }
      })();

      for (let kill = 0; kill < KILLS; kill++) {
        const saga = startSagaProcess(database.url, exchange);
        await saga.ready;
        await sleep(100 + Math.floor(random() * 400));
        await saga.kill('SIGKILL');
      }
      await placing;
      const survivor = startSagaProcess(database.url, exchange);
      await survivor.ready;
      try {
        expect(await waitForSagasToRest(pool, orderIds.length, FINISH_TIMEOUT_MS)).toEqual([]);
      } finally {
        await survivor.kill('SIGTERM');
      }

      const log = await readLog(store);
      const orders = foldOrders(log);
      for (const orderId of orderIds) {
        const order = orders.get(orderId)!;
        expect(isTerminal(order), `order ${orderId} is ${order.status}`).toBe(true);
      }
      expectLogInvariants(log);
      // Holdings are the settled fills: every fill the orders recorded moved shares exactly once.
      expectSettledPositions(log);
    },
  );
});
