import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { ManualClock } from '../support/manual-clock.js';
import { MarketBookRepository } from '../../src/market/market-book.repository.js';
import { MarketUnavailableError } from '../../src/market/market-gateway.port.js';
import { MAX_REPLAYED_TICKS } from '../../src/market/market-ticks.js';
import { type SimulatedExchangeConfig } from '../../src/market/simulated-exchange.config.js';
import { SimulatedExchange } from '../../src/market/simulated-exchange.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  START_MS,
  TICK_MS,
  accepted,
  allFills,
  iso,
  priceOf,
  request,
  simulatedExchangeContract,
  testExchangeConfig,
} from './simulated-exchange.contract.js';

/**
 * The simulated exchange on its PostgreSQL book: everything it does on the in-memory one
 * (the shared contract), and what only a durable, shared book can: resume after a restart
 * as if it never stopped, and take each tick once when two processes trade on it.
 */
let database: TestDatabase;
/** Each pool stands for a process of its own. */
const pools: pg.Pool[] = [];

function newPool(): pg.Pool {
  const pool = createPool({ connectionString: database.url, max: 4 });
  pools.push(pool);
  return pool;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await migrate(newPool(), MIGRATIONS);
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await database?.drop();
});

/** Empties the book: the next exchange starts a new one. */
async function emptyBook(): Promise<void> {
  await pools[0]!.query(
    `TRUNCATE ledger_market_instruments, ledger_market_orders, ledger_market_fills;
     ALTER SEQUENCE ledger_market_closed_seq RESTART`,
  );
}

simulatedExchangeContract('a PostgreSQL book', async (maxClosedOrders) => {
  await emptyBook();
  return new MarketBookRepository(pools[0]!, maxClosedOrders);
});

/** An exchange on the book through a pool of its own: another process. */
function onBook(config: SimulatedExchangeConfig, clock: ManualClock): SimulatedExchange {
  return new SimulatedExchange(
    config,
    clock,
    new MarketBookRepository(newPool(), config.maxClosedOrders),
  );
}

describe('SimulatedExchange on a PostgreSQL book, durably', () => {
  it('resumes resting orders, their fills, prices and halts after a restart, as if it never stopped', async () => {
    await emptyBook();
    const config = testExchangeConfig({ maxFillQuantity: 2n, volatilityBps: 200, seed: 3 });
    const clock = new ManualClock(START_MS);
    const twin = new SimulatedExchange(config, clock);
    const first = onBook(config, clock);
    // A buy limit at the lowest price of ticks 8 to 30: it rests through the restart, then trades.
    const prices: bigint[] = [];
    const scoutClock = new ManualClock(START_MS);
    const scout = new SimulatedExchange(config, scoutClock);
    for (let tick = 0; tick <= 30; tick++) {
      prices.push(await priceOf(scout));
      await scoutClock.advance(TICK_MS);
    }
    const limit = prices.slice(8).reduce((low, price) => (price < low ? price : low));
    for (const market of [twin, first]) {
      await accepted(
        market,
        request({ orderId: 'resting', orderType: 'LIMIT', limitPriceMinor: limit }),
      );
      await accepted(market, request({ orderId: 'partial', quantity: 9n }));
      await market.setHalted('MSFT', true);
    }
    await clock.advance(3 * TICK_MS);
    expect(await first.getOrder('partial')).toMatchObject({ status: 'OPEN', filledQuantity: 8n });
    expect(await first.getOrder('resting')).toMatchObject({ status: 'OPEN', fillCount: 0 });

    // The process is gone; another starts on the same book, later.
    await clock.advance(27 * TICK_MS + 300);
    const restarted = onBook(config, clock);
    for (const orderId of ['resting', 'partial']) {
      expect(await restarted.getOrder(orderId)).toEqual(await twin.getOrder(orderId));
      expect(await allFills(restarted, orderId)).toEqual(await allFills(twin, orderId));
    }
    expect((await restarted.getOrder('resting'))?.fillCount).toBeGreaterThan(0);
    expect(await restarted.listInstruments()).toEqual(await twin.listInstruments());
    expect(await restarted.getInstrument('MSFT')).toMatchObject({ halted: true });
    expect(await restarted.submitOrder(request({ orderId: 'partial', quantity: 9n }))).toEqual(
      await twin.submitOrder(request({ orderId: 'partial', quantity: 9n })),
    );
  });

  it('takes each tick once between two processes that look at once', async () => {
    await emptyBook();
    const config = testExchangeConfig({ maxFillQuantity: 1n });
    const clock = new ManualClock(START_MS);
    const twin = new SimulatedExchange(config, clock);
    const [a, b] = [onBook(config, clock), onBook(config, clock)];
    const ids = Array.from({ length: 6 }, (_, i) => `o-${i}`);
    for (const orderId of ids) {
      await accepted(a, request({ orderId, quantity: 1_000n }));
      await accepted(twin, request({ orderId, quantity: 1_000n }));
    }
    for (let round = 0; round < 8; round++) {
      await clock.advance(TICK_MS);
      await Promise.all(
        ids.flatMap((orderId) => [a.pollFills(orderId), b.pollFills(orderId), b.getOrder(orderId)]),
      );
    }
    for (const orderId of ids) {
      const fills = await allFills(b, orderId);
      expect(fills).toHaveLength(9);
      expect(fills).toEqual(await allFills(twin, orderId));
      expect(await a.getOrder(orderId)).toMatchObject({ filledQuantity: 9n, fillCount: 9 });
    }
  });

  it('never lets a submit and a cancel racing for one id both win', async () => {
    await emptyBook();
    const config = testExchangeConfig();
    const clock = new ManualClock(START_MS);
    const [a, b] = [onBook(config, clock), onBook(config, clock)];
    for (let i = 0; i < 20; i++) {
      const order = request({ orderId: `race-${i}`, orderType: 'LIMIT', limitPriceMinor: 1n });
      const [submitted, cancelled] = await Promise.all([
        a.submitOrder(order),
        b.cancelOrder(order.orderId),
      ]);
      if (cancelled.kind === 'not-placed') {
        expect(submitted).toMatchObject({ kind: 'rejected', code: 'CANCELLED_BEFORE_ARRIVAL' });
        expect(await a.getOrder(order.orderId)).toBeUndefined();
      } else {
        expect(submitted.kind).toBe('accepted');
        expect(cancelled).toMatchObject({ kind: 'cancelled', order: { status: 'CANCELLED' } });
      }
    }
  });

  it('keeps one order for the same submit sent at once by two processes', async () => {
    await emptyBook();
    const config = testExchangeConfig({ maxFillQuantity: 1n });
    const clock = new ManualClock(START_MS);
    const [a, b] = [onBook(config, clock), onBook(config, clock)];
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).submitOrder(request())),
    );
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        kind: 'accepted',
        order: { acceptedAt: iso(START_MS), fillCount: 1 },
      });
    }
    const { rows } = await pools[0]!.query(
      `SELECT count(*)::int AS orders, (SELECT count(*)::int FROM ledger_market_fills) AS fills
         FROM ledger_market_orders`,
    );
    expect(rows[0]).toEqual({ orders: 1, fills: 1 });
  });

  it('replays at most MAX_REPLAYED_TICKS ticks after a long stop, skipping the older ones', async () => {
    await emptyBook();
    const config = testExchangeConfig({ tickIntervalMs: 1, maxFillQuantity: 1n });
    const clock = new ManualClock(START_MS);
    const market = onBook(config, clock);
    await accepted(market, request({ quantity: 1_000_000n }));
    await clock.advance(MAX_REPLAYED_TICKS * 3);
    expect(await market.getOrder('o-1')).toMatchObject({ fillCount: MAX_REPLAYED_TICKS + 1 });
    const fills = await market.pollFills('o-1', 1);
    expect(fills?.fills[0]?.at).toBe(iso(START_MS + MAX_REPLAYED_TICKS * 2 + 1));
    expect((await market.getInstrument('AAPL'))?.at).toBe(iso(START_MS + MAX_REPLAYED_TICKS * 3));
  });

  it('answers a book it cannot reach as a market without an answer', async () => {
    const unreachable = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    pools.push(unreachable);
    const config = testExchangeConfig();
    const market = new SimulatedExchange(
      config,
      new ManualClock(START_MS),
      new MarketBookRepository(unreachable, config.maxClosedOrders),
    );
    await expect(market.getInstrument('AAPL')).rejects.toBeInstanceOf(MarketUnavailableError);
  });
});
