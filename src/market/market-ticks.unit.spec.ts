import { describe, expect, it } from 'vitest';
import { type InstrumentBook } from './market-book.port.js';
import { MAX_REPLAYED_TICKS, priceRange, ticksUntil, tradeThrough } from './market-ticks.js';
import { newOrder } from './simulated-order.js';

const START_MS = Date.parse('2024-03-01T10:00:00.000Z');
const SETTINGS = { seed: 9, tickIntervalMs: 1_000, volatilityBps: 100 };
const AAPL: InstrumentBook = {
  symbol: 'AAPL',
  tick: 0,
  tickAtMs: START_MS,
  priceMinor: 19_000n,
  halted: false,
};

describe('ticksUntil', () => {
  it('takes the ticks due, one an interval, and leaves the instrument at the last', () => {
    const { ticks, after } = ticksUntil(AAPL, START_MS + 3_500, SETTINGS);
    expect(ticks.map((tick) => tick.atMs)).toEqual([1, 2, 3].map((n) => START_MS + n * 1_000));
    expect(after).toEqual({
      ...AAPL,
      tick: 3,
      tickAtMs: START_MS + 3_000,
      priceMinor: ticks[2]!.priceMinor,
    });
  });

  it('is the same path taken in one go or in parts (a restart between them)', () => {
    const whole = ticksUntil(AAPL, START_MS + 10_000, SETTINGS);
    const first = ticksUntil(AAPL, START_MS + 4_000, SETTINGS);
    const rest = ticksUntil(first.after, START_MS + 10_000, SETTINGS);
    expect([...first.ticks, ...rest.ticks]).toEqual(whole.ticks);
    expect(rest.after).toEqual(whole.after);
  });

  it('takes none on a clock behind the last tick (another process’s ran ahead)', () => {
    const { ticks, after } = ticksUntil({ ...AAPL, tick: 5 }, START_MS - 2_000, SETTINGS);
    expect(ticks).toEqual([]);
    expect(after).toEqual({ ...AAPL, tick: 5 });
  });

  it('replays at most MAX_REPLAYED_TICKS, the latest, with prices standing through the skipped', () => {
    const due = MAX_REPLAYED_TICKS + 50;
    const { ticks, after } = ticksUntil(AAPL, START_MS + due * 1_000, SETTINGS);
    expect(ticks).toHaveLength(MAX_REPLAYED_TICKS);
    expect(ticks[0]!.atMs).toBe(START_MS + 51 * 1_000);
    expect(after).toMatchObject({ tick: due, tickAtMs: START_MS + due * 1_000 });
  });
});

describe('tradeThrough', () => {
  const ticks = [
    { atMs: START_MS + 1_000, priceMinor: 101n },
    { atMs: START_MS + 2_000, priceMinor: 99n },
    { atMs: START_MS + 3_000, priceMinor: 98n },
  ];
  const limitBuy = (expiresAt: string | null) =>
    newOrder(
      {
        orderId: 'o-1',
        accountId: 'a-1',
        instrument: 'AAPL',
        side: 'BUY',
        orderType: 'LIMIT',
        quantity: 3n,
        limitPriceMinor: 100n,
        expiresAt,
      },
      START_MS,
    );

  it('fills a share a tick at the ticks that reach the limit, and closes when all is filled', () => {
    const order = limitBuy(null);
    const fills = tradeThrough(order, ticks, 2n);
    expect(fills.map(({ quantity, priceMinor }) => [quantity, priceMinor])).toEqual([
      [2n, 99n],
      [1n, 98n],
    ]);
    expect(order).toMatchObject({ status: 'FILLED', fillCount: 2, filledNotionalMinor: 296n });
    expect(priceRange(ticks)).toEqual({ lowMinor: 98n, highMinor: 101n });
  });

  it('expires an order at the tick of its expiry before it can trade there', () => {
    const order = limitBuy(new Date(START_MS + 2_000).toISOString());
    expect(tradeThrough(order, ticks, null)).toEqual([]);
    expect(order).toMatchObject({ status: 'EXPIRED', closedAtMs: START_MS + 2_000 });
  });
});
