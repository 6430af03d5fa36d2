import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import { InMemoryMarketBook } from './in-memory.market-book.js';
import { MarketUnavailableError } from './market-gateway.port.js';
import {
  DEFAULT_SIMULATED_EXCHANGE_CONFIG,
  type SimulatedExchangeConfig,
} from './simulated-exchange.config.js';
import { SimulatedExchange } from './simulated-exchange.js';
import {
  START_MS,
  TICK_MS,
  accepted,
  iso,
  request,
  simulatedExchangeContract,
  testExchangeConfig,
} from '../../test/market/simulated-exchange.contract.js';

simulatedExchangeContract('an in-memory book', (maxClosedOrders) =>
  Promise.resolve(new InMemoryMarketBook(maxClosedOrders)),
);

function exchange(overrides: Partial<SimulatedExchangeConfig> = {}) {
  const clock = new ManualClock(START_MS);
  const market = new SimulatedExchange(testExchangeConfig(overrides), clock);
  return { clock, market };
}

describe('SimulatedExchange over its simulated wire', () => {
  describe('latency', () => {
    it('answers after the round trip; the order reaches the market half way', async () => {
      const { clock, market } = exchange({ latencyMs: 100 });
      let answered = false;
      const outcome = market.submitOrder(request()).finally(() => (answered = true));
      await clock.advance(99);
      expect(answered).toBe(false);
      await clock.advance(1);
      expect(await outcome).toMatchObject({ order: { acceptedAt: iso(START_MS + 50) } });
    });

    it('adds a seeded jitter of at most latencyJitterMs', async () => {
      const roundTrips = async (seed: number): Promise<number[]> => {
        const { clock, market } = exchange({ seed, latencyMs: 10, latencyJitterMs: 40 });
        const times: number[] = [];
        for (let i = 0; i < 30; i++) {
          const startedMs = clock.nowMs();
          const roundTrip = market.getInstrument('AAPL').then(() => clock.nowMs() - startedMs);
          await clock.advance(60);
          times.push(await roundTrip);
        }
        return times;
      };
      const times = await roundTrips(3);
      expect(Math.min(...times)).toBeGreaterThanOrEqual(10);
      expect(Math.max(...times)).toBeLessThanOrEqual(50);
      expect(new Set(times).size).toBeGreaterThan(5);
      expect(await roundTrips(3)).toEqual(times);
    });
  });

  describe('faults', () => {
    async function failurePattern(seed: number, failureRate: number): Promise<boolean[]> {
      const { market } = exchange({ seed, failureRate });
      const pattern: boolean[] = [];
      for (let i = 0; i < 400; i++) {
        pattern.push(
          await market.getInstrument('AAPL').then(
            () => false,
            (error: unknown) => {
              expect(error).toBeInstanceOf(MarketUnavailableError);
              return true;
            },
          ),
        );
      }
      return pattern;
    }

    it('fails about failureRate of the calls, the same ones for the same seed', async () => {
      const pattern = await failurePattern(9, 0.25);
      const failures = pattern.filter(Boolean).length;
      expect(failures).toBeGreaterThan(60);
      expect(failures).toBeLessThan(140);
      expect(await failurePattern(9, 0.25)).toEqual(pattern);
      expect(await failurePattern(10, 0.25)).not.toEqual(pattern);
    });

    it('fails every call at rate 1 and none at rate 0', async () => {
      expect((await failurePattern(9, 1)).every(Boolean)).toBe(true);
      expect((await failurePattern(9, 0)).some(Boolean)).toBe(false);
    });

    it('sometimes acts before the answer is lost: a repeated submit finds the order', async () => {
      const { clock, market } = exchange({ failureRate: 1, maxFillQuantity: 1n });
      const ids = Array.from({ length: 20 }, (_, i) => `o-${i}`);
      for (const orderId of ids) {
        await expect(market.submitOrder(request({ orderId }))).rejects.toBeInstanceOf(
          MarketUnavailableError,
        );
      }
      await clock.advance(TICK_MS / 2);
      market.setFailureRate(0);
      const placed = (await Promise.all(ids.map((id) => market.getOrder(id)))).filter(
        (order) => order !== undefined,
      );
      expect(placed.length).toBeGreaterThan(0);
      expect(placed.length).toBeLessThan(ids.length);
      for (const orderId of ids) {
        const order = await accepted(market, request({ orderId }));
        const before = placed.find((earlier) => earlier.orderId === orderId);
        // Placed by the lost call: the same order, not a second one.
        expect(order.acceptedAt).toBe(iso(before === undefined ? clock.nowMs() : START_MS));
        expect(order.fillCount).toBe(1);
      }
    });

    it('refuses a failure rate outside 0 to 1', () => {
      const { market } = exchange();
      expect(() => market.setFailureRate(1.5)).toThrow('failureRate');
    });
  });

  describe('configuration', () => {
    it.each<[string, Partial<SimulatedExchangeConfig>]>([
      ['tickIntervalMs', { tickIntervalMs: 0 }],
      ['volatilityBps', { volatilityBps: -1 }],
      ['latencyMs', { latencyMs: 0.5 }],
      ['failureRate', { failureRate: Number.NaN }],
      ['maxFillQuantity', { maxFillQuantity: 0n }],
      ['seed', { seed: -1 }],
      [
        'repeat',
        {
          instruments: [
            DEFAULT_SIMULATED_EXCHANGE_CONFIG.instruments[0]!,
            DEFAULT_SIMULATED_EXCHANGE_CONFIG.instruments[0]!,
          ],
        },
      ],
    ])('refuses a bad %s', (message, overrides) => {
      expect(() => exchange(overrides)).toThrow(message);
    });
  });
});
