import { describe, expect, it } from 'vitest';
import { divideRounded } from '../domain/money.js';
import { PricePath } from './price-path.js';
import { randomInteger, seededRandom } from '../shared/seeded-random.js';

function walk(path: PricePath, steps: number): bigint[] {
  return Array.from({ length: steps }, () => path.step());
}

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and stream, another for another', () => {
    const draw = (seed: number, stream: string): number[] =>
      Array.from({ length: 5 }, seededRandom(seed, stream));
    expect(draw(42, 'prices')).toEqual(draw(42, 'prices'));
    expect(draw(42, 'prices')).not.toEqual(draw(43, 'prices'));
    expect(draw(42, 'prices')).not.toEqual(draw(42, 'faults'));
  });

  it('draws from [0, 1), and whole numbers from both ends of a range', () => {
    const random = seededRandom(7, 'range');
    const values = Array.from({ length: 2_000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const seen = new Set(Array.from({ length: 200 }, () => randomInteger(random, -2, 2)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
  });

  it('starts past `skip` draws as if it had drawn them, however many', () => {
    const drawn = Array.from({ length: 40 }, seededRandom(5, 'price:AAPL'));
    expect(Array.from({ length: 15 }, seededRandom(5, 'price:AAPL', 25))).toEqual(drawn.slice(25));
    // The state moves modulo 2^32: a whole cycle further is where it began.
    expect(seededRandom(5, 'price:AAPL', 2 ** 32 + 3)()).toBe(drawn[3]);
    expect(() => seededRandom(5, 'price:AAPL', -1)).toThrow(RangeError);
  });
});

describe('PricePath', () => {
  it('is the same path for the same seed', () => {
    const path = (): PricePath => new PricePath(19_000n, 20, seededRandom(1, 'price:AAPL'));
    expect(walk(path(), 100)).toEqual(walk(path(), 100));
  });

  it('moves each tick by at most volatilityBps of the price, and does move', () => {
    const path = new PricePath(19_000n, 20, seededRandom(1, 'price:AAPL'));
    let previous = path.priceMinor;
    const moves = new Set<bigint>();
    for (const price of walk(path, 500)) {
      const change = price - previous;
      expect(change < 0n ? -change : change).toBeLessThanOrEqual(
        divideRounded(previous * 20n, 10_000n),
      );
      moves.add(change);
      previous = price;
    }
    expect(moves.size).toBeGreaterThan(10);
  });

  it('stands still with no volatility', () => {
    const path = new PricePath(19_000n, 0, seededRandom(1, 'flat'));
    expect(new Set(walk(path, 50))).toEqual(new Set([19_000n]));
  });

  it('never falls below one minor unit, and small prices still move', () => {
    const path = new PricePath(3n, 5_000, seededRandom(3, 'penny'));
    const prices = walk(path, 1_000);
    expect(prices.every((price) => price >= 1n)).toBe(true);
    expect(new Set(prices).size).toBeGreaterThan(3);
  });

  it('refuses a reference price below one minor unit', () => {
    expect(() => new PricePath(0n, 20, seededRandom(1, 'x'))).toThrow('positive');
  });
});
