import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AggregateStore } from '../../src/commands/aggregate-store.js';
import { type PlaceOrderInput } from '../../src/commands/inputs/order.input.js';
import { OrderSideInput, OrderTypeInput } from '../../src/shared/order-enums.js';
import { findInstrument } from '../../src/config/instruments.js';
import { formatMinor } from '../../src/domain/money.js';
import { isTerminal } from '../../src/domain/order.decider.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testSeed } from '../support/test-seed.js';
import { LedgerCommands } from './support/ledger-commands.js';
import {
  type ChildHandle,
  killStartedProcesses,
  startSagaProcess,
  waitForSagasToRest,
} from './support/processes.js';
import {
  type LoggedEvent,
  expectLogInvariants,
  expectSettledPositions,
  foldOrders,
  readLog,
} from './support/saga-test-kit.js';

/**
 * The saga and the simulated exchange in one process, as in the app, with the exchange's
 * book in PostgreSQL: SIGKILLed while orders rest at the market, and started again.
 * With the book kept, the orders resting at each kill go on trading after the restart
 * (as a real exchange's would) and end as they would have. With the book lost (a fresh
 * market), the saga learns that the market does not know them, confirms it, and
 * compensates: FAILED, nothing left reserved, the fee refunded when nothing filled.
 * LEDGER_TEST_SEED=<n> repeats a run's orders, kill points and prices.
 */
const SEED = testSeed('market-restart');

const TICK_MS = 50;
/** The market in the saga process: a share a fill, so that market orders rest a few ticks. */
const MARKET_ENV: NodeJS.ProcessEnv = {
  LEDGER_MARKET_SEED: String(SEED % 2 ** 32),
  LEDGER_MARKET_TICK_MS: String(TICK_MS),
  LEDGER_MARKET_VOLATILITY_BPS: '30',
  LEDGER_MARKET_LATENCY_MS: '0',
  LEDGER_MARKET_LATENCY_JITTER_MS: '0',
  LEDGER_MARKET_MAX_FILL_QUANTITY: '1',
};
const FINISH_TIMEOUT_MS = 30_000;
const WAIT_POLL_MS = 25;
const AAPL_MINOR = findInstrument('AAPL')!.referencePriceMinor;

let database: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;
let commands: LedgerCommands;
let saga: ChildHandle | undefined;

beforeEach(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 8 });
  await migrate(pool, MIGRATIONS);
  store = new PostgresEventStore(pool, { idleRecheckMs: 200 });
  // No stream cache: the saga process writes the same streams.
  commands = new LedgerCommands(new AggregateStore(store, { streamCacheSize: 0 }));
});
afterEach(async () => {
  await killStartedProcesses();
  await store?.close();
  await pool?.end();
  await database?.drop();
});
afterAll(killStartedProcesses);

async function startSaga(): Promise<void> {
  saga = startSagaProcess(database.url, 'durable', { env: MARKET_ENV });
  await saga.ready;
}

async function killSaga(): Promise<void> {
  await saga?.kill('SIGKILL');
  saga = undefined;
}

/** Waits (bounded) until `check` holds. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + FINISH_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(WAIT_POLL_MS);
  }
}

/** The market book's open orders among `orderIds` (all of them when none are given). */
async function restingAtMarket(orderIds?: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ order_id: string; fill_count: number }>(
    `SELECT order_id, fill_count FROM ledger_market_orders
      WHERE status = 'OPEN' AND ($1::text[] IS NULL OR order_id = ANY($1))`,
    [orderIds ?? null],
  );
  return new Map(rows.map((row) => [row.order_id, row.fill_count]));
}

/** Every fill the market book holds, by order id. */
async function bookFills(): Promise<Map<string, string[]>> {
  const { rows } = await pool.query<{ order_id: string; fill_ids: string[] }>(
    `SELECT order_id, array_agg(fill_id ORDER BY n) AS fill_ids FROM ledger_market_fills GROUP BY order_id`,
  );
  return new Map(rows.map((row) => [row.order_id, row.fill_ids]));
}

function ledgerFills(log: readonly LoggedEvent[]): Map<string, string[]> {
  const fills = new Map<string, string[]>();
  for (const { event } of log) {
    if (event.type !== 'OrderFilled') continue;
    fills.set(event.data.orderId, [...(fills.get(event.data.orderId) ?? []), event.data.fillId]);
  }
  return fills;
}

function countsBy(log: readonly LoggedEvent[], type: 'FeeRefunded'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { event } of log) {
    if (event.type === type)
      counts.set(event.data.orderId, (counts.get(event.data.orderId) ?? 0) + 1);
  }
  return counts;
}

/** AAPL `bps` basis points from its reference price, as a limit price. */
function aaplLimit(bps: number): string {
  return formatMinor(AAPL_MINOR + (AAPL_MINOR * BigInt(Math.round(bps))) / 10_000n, 2);
}

/** A buy at the market (resting a tick a share), or a limit near the price that trades or expires. */
function randomOrder(random: () => number, accountId: string): PlaceOrderInput {
  const pick = random();
  const quantity = String(1 + Math.floor(random() * 3));
  const base = { accountId, instrument: 'AAPL', quantity };
  if (pick < 0.4) return { ...base, side: OrderSideInput.BUY, type: OrderTypeInput.MARKET };
  const buy = pick < 0.75;
  return {
    ...base,
    side: buy ? OrderSideInput.BUY : OrderSideInput.SELL,
    type: OrderTypeInput.LIMIT,
    limitPrice: aaplLimit((buy ? -1 : 1) * 30 * random()),
    timeInForceSeconds: 1,
  };
}

describe('the market in the saga process, its book in PostgreSQL, killed with orders resting on it', () => {
  const ACCOUNTS = 4;
  const KILLS = 2;
  /** Shares of the order that surely rests at each kill: it fills a share a tick, for this many ticks. */
  const MARKER_QUANTITY = 12;

  it(
    'resumes the resting orders after each restart, and ends every order once with nothing reserved',
    { timeout: 90_000 },
    async () => {
      const random = seededRandom(SEED, 'durable-book');
      await startSaga();
      const accounts: string[] = [];
      for (let i = 0; i < ACCOUNTS; i++) {
        accounts.push(await commands.openFundedAccount(`c-${i}`, '50000.00'));
      }
      const orderIds: string[] = [];
      // Shares to sell: bought at the market first.
      for (const accountId of accounts) {
        orderIds.push(
          await commands.placeOrder({
            accountId,
            side: OrderSideInput.BUY,
            type: OrderTypeInput.MARKET,
            instrument: 'AAPL',
            quantity: '3',
          }),
        );
      }
      const markers: string[] = [];
      const kills: { killedAtMs: number; resting: Map<string, number> }[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        for (const accountId of accounts) {
          const orderId = await commands.placeOrder(randomOrder(random, accountId));
          orderIds.push(orderId);
          if (random() < 0.15) await commands.cancelOrder(orderId);
        }
        const marker = await commands.placeOrder({
          accountId: accounts[kill % ACCOUNTS]!,
          side: OrderSideInput.BUY,
          type: OrderTypeInput.MARKET,
          instrument: 'MSFT',
          quantity: String(MARKER_QUANTITY),
        });
        orderIds.push(marker);
        markers.push(marker);
        await until('the marker to rest at the market with a fill', async () => {
          const fills = (await restingAtMarket([marker])).get(marker);
          return fills !== undefined && fills >= 1;
        });
        await sleep(Math.floor(random() * 2 * TICK_MS));
        await killSaga();
        kills.push({ killedAtMs: Date.now(), resting: await restingAtMarket() });
        // A customer's cancel while no saga runs: carried to the market after the restart.
        const [cancelled] = [...kills[kill]!.resting.keys()].filter((id) => !markers.includes(id));
        if (cancelled !== undefined) await commands.cancelOrder(cancelled);
        await sleep(Math.floor(random() * 4 * TICK_MS));
        await startSaga();
      }
      try {
        expect(await waitForSagasToRest(pool, orderIds.length, FINISH_TIMEOUT_MS)).toEqual([]);
      } finally {
        await saga?.kill('SIGTERM');
      }

      const log = await readLog(store);
      const orders = foldOrders(log);
      for (const orderId of orderIds) {
        const order = orders.get(orderId)!;
        expect(isTerminal(order), `order ${orderId} is ${order.status}`).toBe(true);
        // Nothing failed: the market knew every order after every restart.
        expect(order.status, `order ${orderId}: ${order.reason}`).not.toBe('FAILED');
      }
      for (const { resting } of kills) expect(resting.size).toBeGreaterThan(0);
      const book = await bookFills();
      for (const [index, marker] of markers.entries()) {
        expect(orders.get(marker)).toMatchObject({
          status: 'COMPLETED',
          filledQuantity: BigInt(MARKER_QUANTITY),
        });
        // It traded on after the kill: the restarted market resumed it.
        const { rows } = await pool.query<{ later: number }>(
          'SELECT count(*)::int AS later FROM ledger_market_fills WHERE order_id = $1 AND at_ms > $2',
          [marker, kills[index]!.killedAtMs],
        );
        expect(rows[0]!.later).toBeGreaterThan(0);
      }
      // Every fill the market made was settled once, and the ledger settled no other.
      expect(ledgerFills(log)).toEqual(book);
      expect(log.filter(({ event }) => event.type === 'OrderSagaMarketOrderMissing')).toHaveLength(
        0,
      );
      expectLogInvariants(log);
      expectSettledPositions(log);
    },
  );
});

describe('the market in the saga process, killed, then started on a lost book', () => {
  it(
    'ends the orders the market lost FAILED, with nothing reserved and the fee refunded when nothing filled',
    { timeout: 90_000 },
    async () => {
      await startSaga();
      const [buyer, partBuyer, seller] = [
        await commands.openFundedAccount('c-buy', '20000.00'),
        await commands.openFundedAccount('c-part', '20000.00'),
        await commands.openFundedAccount('c-sell', '20000.00'),
      ];
      const bought = await commands.placeOrder({
        accountId: seller,
        side: OrderSideInput.BUY,
        type: OrderTypeInput.MARKET,
        instrument: 'AAPL',
        quantity: '3',
      });
      expect(await waitForSagasToRest(pool, 1, FINISH_TIMEOUT_MS)).toEqual([]);
      const limit = { instrument: 'AAPL', type: OrderTypeInput.LIMIT, quantity: '2' };
      const resting = [
        await commands.placeOrder({
          ...limit,
          accountId: buyer,
          side: OrderSideInput.BUY,
          limitPrice: '1.00',
        }),
        await commands.placeOrder({
          ...limit,
          accountId: seller,
          side: OrderSideInput.SELL,
          limitPrice: '90000.00',
        }),
      ];
      // Fills a share a tick for two seconds: partly filled, and settled so, when the book is lost.
      const partly = await commands.placeOrder({
        accountId: partBuyer,
        side: OrderSideInput.BUY,
        type: OrderTypeInput.MARKET,
        instrument: 'NVDA',
        quantity: '40',
      });
      const atMarket = [...resting, partly];
      await until('the orders to rest at the market, one partly filled and settled', async () => {
        if ((await restingAtMarket(atMarket)).size < atMarket.length) return false;
        return (foldOrders(await readLog(store)).get(partly)?.filledQuantity ?? 0n) > 0n;
      });
      await killSaga();
      // A fresh market: its book is gone, orders, fills, prices and all.
      await pool.query(
        `TRUNCATE ledger_market_instruments, ledger_market_orders, ledger_market_fills;
         ALTER SEQUENCE ledger_market_closed_seq RESTART`,
      );
      await startSaga();
      try {
        expect(await waitForSagasToRest(pool, 4, FINISH_TIMEOUT_MS)).toEqual([]);
      } finally {
        await saga?.kill('SIGTERM');
      }

      const log = await readLog(store);
      const orders = foldOrders(log);
      const refunds = countsBy(log, 'FeeRefunded');
      expect(orders.get(bought)).toMatchObject({ status: 'COMPLETED' });
      for (const orderId of atMarket) {
        const order = orders.get(orderId)!;
        expect(order.status).toBe('FAILED');
        expect(order.reason).toMatch(/^the market does not know the order/);
        expect(refunds.get(orderId) ?? 0, `fee refunds of ${orderId}`).toBe(
          order.filledQuantity === 0n ? 1 : 0,
        );
      }
      const part = orders.get(partly)!;
      expect(part.filledQuantity).toBeGreaterThan(0n);
      expect(part.reason).toContain(`${part.filledQuantity} of 40 filled before`);
      expectLogInvariants(log);
      // Nothing reserved: the buys' cash and the sell's shares released, the fills settled once.
      expectSettledPositions(log);
    },
  );
});
