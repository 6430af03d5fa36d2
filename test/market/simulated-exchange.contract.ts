import { describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manual-clock.js';
import { type MarketBook } from '../../src/market/market-book.port.js';
import {
  type MarketFill,
  type MarketOrder,
  type MarketOrderRequest,
  type MarketRejectionCode,
} from '../../src/market/market-gateway.port.js';
import {
  DEFAULT_SIMULATED_EXCHANGE_CONFIG,
  type SimulatedExchangeConfig,
} from '../../src/market/simulated-exchange.config.js';
import { SimulatedExchange } from '../../src/market/simulated-exchange.js';

/**
 * What the simulated exchange does, whatever book it keeps: run on the in-memory book
 * (src/market/simulated-exchange.unit.spec.ts) and on PostgreSQL
 * (test/market/market-book.int.spec.ts). Time is a manual clock; each exchange gets a
 * fresh, empty book.
 */

export const START_MS = Date.parse('2024-03-01T10:00:00.000Z');
export const TICK_MS = 1_000;

export const iso = (ms: number): string => new Date(ms).toISOString();
export const fillId = (orderId: string, acceptedAtMs: number, n: number): string =>
  `${orderId}:${acceptedAtMs}:${n}`;

/** The exchange's config in these tests: one tick a second, no simulated round trip. */
export function testExchangeConfig(
  overrides: Partial<SimulatedExchangeConfig> = {},
): SimulatedExchangeConfig {
  return {
    ...DEFAULT_SIMULATED_EXCHANGE_CONFIG,
    tickIntervalMs: TICK_MS,
    latencyMs: 0,
    latencyJitterMs: 0,
    ...overrides,
  };
}

export function request(overrides: Partial<MarketOrderRequest> = {}): MarketOrderRequest {
  return {
    orderId: 'o-1',
    accountId: 'a-1',
    instrument: 'AAPL',
    side: 'BUY',
    orderType: 'MARKET',
    quantity: 10n,
    limitPriceMinor: null,
    expiresAt: null,
    ...overrides,
  };
}

export async function accepted(
  market: SimulatedExchange,
  order: MarketOrderRequest,
): Promise<MarketOrder> {
  const outcome = await market.submitOrder(order);
  if (outcome.kind !== 'accepted') throw new Error(`rejected: ${outcome.code} ${outcome.message}`);
  return outcome.order;
}

export async function rejectionOf(
  market: SimulatedExchange,
  order: MarketOrderRequest,
): Promise<MarketRejectionCode | 'accepted'> {
  const outcome = await market.submitOrder(order);
  return outcome.kind === 'accepted' ? 'accepted' : outcome.code;
}

export async function priceOf(market: SimulatedExchange, symbol = 'AAPL'): Promise<bigint> {
  const quote = await market.getInstrument(symbol);
  if (quote === undefined) throw new Error(`no ${symbol}`);
  return quote.priceMinor;
}

export async function allFills(market: SimulatedExchange, orderId: string): Promise<MarketFill[]> {
  const fills: MarketFill[] = [];
  for (let cursor = 0; ;) {
    const page = await market.pollFills(orderId, cursor);
    if (page === undefined) throw new Error(`no order ${orderId}`);
    fills.push(...page.fills);
    cursor = page.nextCursor;
    if (!page.hasMore) return fills;
  }
}

/** A fresh, empty book that remembers at most `maxClosedOrders` finished orders. */
export type NewMarketBook = (maxClosedOrders: number) => Promise<MarketBook>;

export function simulatedExchangeContract(bookName: string, newBook: NewMarketBook): void {
  async function exchange(overrides: Partial<SimulatedExchangeConfig> = {}) {
    const clock = new ManualClock(START_MS);
    const config = testExchangeConfig(overrides);
    const market = new SimulatedExchange(config, clock, await newBook(config.maxClosedOrders));
    return { clock, market };
  }

  /** AAPL's price at each of the first `ticks` ticks (index 0: the start), read on a twin exchange. */
  async function pricePath(ticks: number, seed: number): Promise<bigint[]> {
    const { clock, market } = await exchange({ seed });
    const prices = [await priceOf(market)];
    for (let tick = 1; tick < ticks; tick++) {
      await clock.advance(TICK_MS);
      prices.push(await priceOf(market));
    }
    return prices;
  }

  describe(`SimulatedExchange on ${bookName}`, () => {
    describe('prices', () => {
      it('lists the catalogue at reference prices with nothing halted at the start', async () => {
        const { market } = await exchange();
        const quotes = await market.listInstruments();
        expect(quotes.map((quote) => quote.symbol)).toEqual(
          DEFAULT_SIMULATED_EXCHANGE_CONFIG.instruments.map((instrument) => instrument.symbol),
        );
        expect(await market.getInstrument('SAP')).toEqual({
          symbol: 'SAP',
          name: 'SAP SE',
          currency: 'EUR',
          priceMinor: 17_500n,
          halted: false,
          at: iso(START_MS),
        });
        expect(await market.getInstrument('NOPE')).toBeUndefined();
      });

      it('moves prices once per tick, not in between', async () => {
        const { clock, market } = await exchange({ volatilityBps: 500 });
        const start = await priceOf(market);
        await clock.advance(TICK_MS - 1);
        expect(await priceOf(market)).toBe(start);
        const moved: bigint[] = [];
        for (let i = 0; i < 5; i++) {
          await clock.advance(TICK_MS);
          moved.push(await priceOf(market));
        }
        expect(moved.some((price) => price !== start)).toBe(true);
        expect((await market.getInstrument('AAPL'))?.at).toBe(iso(START_MS + 5 * TICK_MS));
      });

      it('is the same path for the same seed, however often it is looked at', async () => {
        const watched = await pricePath(60, 11);
        expect(await pricePath(60, 11)).toEqual(watched);
        const { clock, market } = await exchange({ seed: 11 });
        await clock.advance(59 * TICK_MS);
        expect(await priceOf(market)).toBe(watched[59]);
      });

      it('is another path for another seed', async () => {
        expect(await pricePath(30, 11)).not.toEqual(await pricePath(30, 12));
      });

      it('replays the same trades for the same seed and calls', async () => {
        const run = async (): Promise<MarketFill[]> => {
          const { clock, market } = await exchange({
            seed: 5,
            maxFillQuantity: 4n,
            volatilityBps: 200,
          });
          const reference = await priceOf(market);
          await accepted(market, request({ orderId: 'm', quantity: 9n }));
          await accepted(
            market,
            request({ orderId: 'l', orderType: 'LIMIT', limitPriceMinor: reference - 100n }),
          );
          await clock.advance(40 * TICK_MS);
          return [...(await allFills(market, 'm')), ...(await allFills(market, 'l'))];
        };
        const first = await run();
        expect(first.length).toBeGreaterThan(3);
        expect(await run()).toEqual(first);
      });
    });

    describe('market orders', () => {
      it('fill at once, whole, at the current price', async () => {
        const { clock, market } = await exchange();
        await clock.advance(3 * TICK_MS + 500);
        const price = await priceOf(market);
        const order = await accepted(market, request());
        expect(order).toMatchObject({
          status: 'FILLED',
          filledQuantity: 10n,
          filledNotionalMinor: 10n * price,
          fillCount: 1,
          acceptedAt: iso(clock.nowMs()),
          closedAt: iso(clock.nowMs()),
        });
        expect(await allFills(market, 'o-1')).toEqual([
          {
            fillId: fillId('o-1', clock.nowMs(), 1),
            quantity: 10n,
            priceMinor: price,
            at: iso(clock.nowMs()),
          },
        ]);
      });

      it('fill in parts of at most maxFillQuantity, one per tick, at each tick’s price', async () => {
        const prices = await pricePath(4, 1);
        const { clock, market } = await exchange({ maxFillQuantity: 3n });
        const order = await accepted(market, request({ quantity: 10n }));
        expect(order).toMatchObject({ status: 'OPEN', filledQuantity: 3n, closedAt: null });
        await clock.advance(2 * TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({ status: 'OPEN', filledQuantity: 9n });
        await clock.advance(TICK_MS);
        const done = await market.getOrder('o-1');
        expect(done).toMatchObject({
          status: 'FILLED',
          filledQuantity: 10n,
          fillCount: 4,
          closedAt: iso(START_MS + 3 * TICK_MS),
        });
        expect(await allFills(market, 'o-1')).toEqual(
          [3n, 3n, 3n, 1n].map((quantity, tick) => ({
            fillId: fillId('o-1', START_MS, tick + 1),
            quantity,
            priceMinor: prices[tick],
            at: iso(START_MS + tick * TICK_MS),
          })),
        );
        expect(done?.filledNotionalMinor).toBe(
          3n * prices[0]! + 3n * prices[1]! + 3n * prices[2]! + prices[3]!,
        );
      });
    });

    describe('limit orders', () => {
      it('rest until the price comes down to a buy limit, then fill at the market price', async () => {
        const prices = await pricePath(200, 1);
        const limit = prices.slice(1).reduce((low, price) => (price < low ? price : low));
        const crossing = prices.findIndex((price) => price <= limit);
        expect(crossing).toBeGreaterThan(5);

        const { clock, market } = await exchange();
        const order = await accepted(
          market,
          request({
            orderType: 'LIMIT',
            limitPriceMinor: limit,
            expiresAt: iso(START_MS + 86_400_000),
          }),
        );
        expect(order).toMatchObject({ status: 'OPEN', fillCount: 0 });
        await clock.advance((crossing - 1) * TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({ status: 'OPEN', fillCount: 0 });
        await clock.advance(TICK_MS);
        expect(await allFills(market, 'o-1')).toEqual([
          {
            fillId: fillId('o-1', START_MS, 1),
            quantity: 10n,
            priceMinor: prices[crossing],
            at: iso(START_MS + crossing * TICK_MS),
          },
        ]);
      });

      it('rest until the price rises to a sell limit, and never sell below it', async () => {
        const prices = await pricePath(200, 1);
        const limit = prices.slice(1).reduce((high, price) => (price > high ? price : high));
        const crossing = prices.findIndex((price) => price >= limit);
        expect(crossing).toBeGreaterThan(5);

        const { clock, market } = await exchange({ maxFillQuantity: 4n });
        await accepted(
          market,
          request({ side: 'SELL', orderType: 'LIMIT', limitPriceMinor: limit }),
        );
        await clock.advance(199 * TICK_MS);
        const fills = await allFills(market, 'o-1');
        expect(fills[0]).toMatchObject({
          priceMinor: limit,
          at: iso(START_MS + crossing * TICK_MS),
        });
        expect(fills.every((fill) => fill.priceMinor >= limit)).toBe(true);
      });

      it('expire before a tick that would have filled them, even when nobody looked in between', async () => {
        const prices = await pricePath(200, 1);
        const limit = prices.slice(1).reduce((low, price) => (price < low ? price : low));
        const crossing = prices.findIndex((price) => price <= limit);
        const { clock, market } = await exchange();
        // Expiring at the very instant of the crossing tick: expiry comes first.
        const expiresAtMs = START_MS + crossing * TICK_MS;
        await accepted(
          market,
          request({ orderType: 'LIMIT', limitPriceMinor: limit, expiresAt: iso(expiresAtMs) }),
        );
        await clock.advance(199 * TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({
          status: 'EXPIRED',
          fillCount: 0,
          closedAt: iso(expiresAtMs),
        });
      });

      it('fill on arrival at the better market price when the limit is already reached', async () => {
        const { market } = await exchange();
        const price = await priceOf(market);
        const order = await accepted(
          market,
          request({ orderType: 'LIMIT', limitPriceMinor: price + 500n }),
        );
        expect(order).toMatchObject({ status: 'FILLED', filledNotionalMinor: 10n * price });
      });

      it('expire at their expiry instant with what is left unfilled', async () => {
        const { clock, market } = await exchange();
        const expiresAtMs = START_MS + 5 * TICK_MS + 500;
        await accepted(
          market,
          request({ orderType: 'LIMIT', limitPriceMinor: 1n, expiresAt: iso(expiresAtMs) }),
        );
        await clock.advance(5 * TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({ status: 'OPEN' });
        await clock.advance(TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({
          status: 'EXPIRED',
          filledQuantity: 0n,
          closedAt: iso(expiresAtMs),
        });
        expect(await market.pollFills('o-1')).toMatchObject({ fills: [], status: 'EXPIRED' });
      });
    });

    describe('rejections', () => {
      it.each<[string, Partial<MarketOrderRequest>, MarketRejectionCode]>([
        ['no quantity', { quantity: 0n }, 'INVALID_ORDER'],
        ['a quantity above the maximum', { quantity: 10n ** 9n + 1n }, 'INVALID_ORDER'],
        ['a LIMIT order without a price', { orderType: 'LIMIT' }, 'INVALID_ORDER'],
        ['a LIMIT order at zero', { orderType: 'LIMIT', limitPriceMinor: 0n }, 'INVALID_ORDER'],
        ['a MARKET order with a limit', { limitPriceMinor: 100n }, 'INVALID_ORDER'],
        ['an expiry that is no instant', { expiresAt: 'tomorrow' }, 'INVALID_ORDER'],
        ['an empty order id', { orderId: '' }, 'INVALID_ORDER'],
        ['an instrument not traded', { instrument: 'NOPE' }, 'UNKNOWN_INSTRUMENT'],
        ['an expiry already past', { expiresAt: iso(START_MS) }, 'EXPIRED_ON_ARRIVAL'],
      ])('refuses %s', async (_, overrides, code) => {
        const { market } = await exchange();
        expect(await rejectionOf(market, request(overrides))).toBe(code);
        expect(await market.getOrder(request(overrides).orderId)).toBeUndefined();
      });

      it('holds at most maxOpenOrders open orders', async () => {
        const { market } = await exchange({ maxOpenOrders: 2 });
        const resting = { orderType: 'LIMIT', limitPriceMinor: 1n } as const;
        await accepted(market, request({ ...resting, orderId: 'r-1' }));
        await accepted(market, request({ ...resting, orderId: 'r-2' }));
        expect(await rejectionOf(market, request({ ...resting, orderId: 'r-3' }))).toBe(
          'TOO_MANY_OPEN_ORDERS',
        );
        await market.cancelOrder('r-1');
        expect(await rejectionOf(market, request({ ...resting, orderId: 'r-3' }))).toBe('accepted');
      });
    });

    describe('halts', () => {
      it('rejects orders for a halted instrument and shows it halted, others trade on', async () => {
        const { market } = await exchange();
        await market.setHalted('AAPL', true);
        expect(await rejectionOf(market, request())).toBe('INSTRUMENT_HALTED');
        expect(await rejectionOf(market, request({ orderId: 'o-2', instrument: 'MSFT' }))).toBe(
          'accepted',
        );
        const halted = (await market.listInstruments()).filter((quote) => quote.halted);
        expect(halted.map((quote) => quote.symbol)).toEqual(['AAPL']);
        await market.setHalted('AAPL', false);
        expect(await rejectionOf(market, request())).toBe('accepted');
      });

      it('stops fills of resting orders while halted, and they go on after', async () => {
        const { clock, market } = await exchange({ maxFillQuantity: 3n });
        await accepted(market, request());
        await clock.advance(TICK_MS);
        await market.setHalted('AAPL', true);
        await clock.advance(10 * TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({ status: 'OPEN', filledQuantity: 6n });
        await market.setHalted('AAPL', false);
        await clock.advance(TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({ filledQuantity: 9n });
        const fills = await allFills(market, 'o-1');
        expect(fills.map((fill) => fill.at)).toEqual([
          iso(START_MS),
          iso(START_MS + TICK_MS),
          iso(START_MS + 12 * TICK_MS),
        ]);
      });

      it('applies a halt from the instant it is set, not to ticks already past', async () => {
        const { clock, market } = await exchange({ maxFillQuantity: 3n });
        await accepted(market, request());
        // Three ticks pass unobserved before the halt: they still trade.
        await clock.advance(3 * TICK_MS);
        await market.setHalted('AAPL', true);
        await clock.advance(3 * TICK_MS);
        expect(await market.getOrder('o-1')).toMatchObject({ status: 'FILLED', fillCount: 4 });
      });

      it('knows only its own instruments', async () => {
        const { market } = await exchange();
        await expect(market.setHalted('NOPE', true)).rejects.toThrow('NOPE');
      });
    });

    describe('idempotent submits', () => {
      it('answers a repeated submit with the order the first one made, and makes no other', async () => {
        const { clock, market } = await exchange({ maxFillQuantity: 3n });
        const first = await accepted(market, request());
        expect(await accepted(market, request())).toEqual(first);
        await clock.advance(TICK_MS);
        const later = await accepted(market, request());
        expect(later).toMatchObject({
          acceptedAt: first.acceptedAt,
          filledQuantity: 6n,
          fillCount: 2,
        });
        await clock.advance(5 * TICK_MS);
        expect(await accepted(market, request())).toMatchObject({
          status: 'FILLED',
          filledQuantity: 10n,
          fillCount: 4,
        });
        expect((await market.pollFills('o-1'))?.fills).toHaveLength(4);
      });

      it('answers a repeated submit as accepted even once the instrument is halted', async () => {
        const { market } = await exchange();
        const first = await accepted(market, request());
        await market.setHalted('AAPL', true);
        expect(await market.submitOrder(request())).toEqual({ kind: 'accepted', order: first });
      });

      it('refuses the same order id for another order', async () => {
        const { market } = await exchange();
        await accepted(market, request());
        expect(await rejectionOf(market, request({ quantity: 11n }))).toBe('ORDER_ID_REUSED');
        expect(await rejectionOf(market, request({ accountId: 'a-2' }))).toBe('ORDER_ID_REUSED');
      });
    });

    describe('cancels', () => {
      it('cancel what is left and keep the fills so far', async () => {
        const { clock, market } = await exchange({ maxFillQuantity: 3n });
        await accepted(market, request());
        await clock.advance(TICK_MS + 200);
        const outcome = await market.cancelOrder('o-1');
        expect(outcome).toMatchObject({
          kind: 'cancelled',
          cancelledQuantity: 4n,
          order: {
            status: 'CANCELLED',
            filledQuantity: 6n,
            fillCount: 2,
            closedAt: iso(clock.nowMs()),
          },
        });
        await clock.advance(10 * TICK_MS);
        expect(await market.pollFills('o-1')).toMatchObject({ status: 'CANCELLED', nextCursor: 2 });
        expect(await market.cancelOrder('o-1')).toEqual(outcome);
      });

      it('have nothing to cancel on a filled or expired order', async () => {
        const { clock, market } = await exchange();
        await accepted(market, request());
        expect(await market.cancelOrder('o-1')).toMatchObject({
          kind: 'already-closed',
          order: { status: 'FILLED' },
        });
        await accepted(
          market,
          request({
            orderId: 'o-2',
            orderType: 'LIMIT',
            limitPriceMinor: 1n,
            expiresAt: iso(START_MS + TICK_MS),
          }),
        );
        await clock.advance(TICK_MS);
        expect(await market.cancelOrder('o-2')).toMatchObject({
          kind: 'already-closed',
          order: { status: 'EXPIRED' },
        });
      });

      it('refuse for good an order whose cancel arrived first', async () => {
        const { market } = await exchange();
        expect(await market.cancelOrder('o-1')).toEqual({ kind: 'not-placed' });
        expect(await rejectionOf(market, request())).toBe('CANCELLED_BEFORE_ARRIVAL');
        expect(await market.getOrder('o-1')).toBeUndefined();
      });
    });

    describe('fill pages', () => {
      it('page through fills with a cursor, at most MAX_FILLS_PER_POLL at a time', async () => {
        const { clock, market } = await exchange({ maxFillQuantity: 1n });
        await accepted(market, request({ quantity: 600n }));
        await clock.advance(600 * TICK_MS);
        const first = await market.pollFills('o-1');
        expect(first).toMatchObject({ nextCursor: 500, hasMore: true, status: 'FILLED' });
        expect(first?.fills).toHaveLength(500);
        const second = await market.pollFills('o-1', 500);
        expect(second).toMatchObject({ nextCursor: 600, hasMore: false });
        expect(second?.fills[0]?.fillId).toBe(fillId('o-1', START_MS, 501));
        expect(await market.pollFills('o-1', 600)).toMatchObject({ fills: [], nextCursor: 600 });
        expect(await market.pollFills('o-1', 700)).toMatchObject({ fills: [], nextCursor: 600 });
      });

      it('know no unknown order and no negative cursor', async () => {
        const { market } = await exchange();
        expect(await market.pollFills('nope')).toBeUndefined();
        await expect(market.pollFills('nope', -1)).rejects.toBeInstanceOf(RangeError);
      });
    });

    describe('memory', () => {
      it('forgets the oldest finished orders beyond maxClosedOrders, never an open one', async () => {
        const { market } = await exchange({ maxClosedOrders: 1 });
        await accepted(
          market,
          request({ orderId: 'open', orderType: 'LIMIT', limitPriceMinor: 1n }),
        );
        await accepted(market, request({ orderId: 'first' }));
        await accepted(market, request({ orderId: 'second' }));
        expect(await market.getOrder('first')).toBeUndefined();
        expect(await market.getOrder('second')).toMatchObject({ status: 'FILLED' });
        expect(await market.getOrder('open')).toMatchObject({ status: 'OPEN' });
      });
      it('gives an order accepted again after it was forgotten fills with new ids', async () => {
        const { clock, market } = await exchange({ maxClosedOrders: 1 });
        await accepted(market, request());
        expect((await market.pollFills('o-1'))?.fills[0]?.fillId).toBe(fillId('o-1', START_MS, 1));
        // Another finished order pushes it out of memory, as a restart would.
        await accepted(market, request({ orderId: 'o-2' }));
        expect(await market.pollFills('o-1')).toBeUndefined();
        await clock.advance(1);
        await accepted(market, request());
        expect((await market.pollFills('o-1'))?.fills[0]?.fillId).toBe(
          fillId('o-1', START_MS + 1, 1),
        );
      });
    });
  });
}
