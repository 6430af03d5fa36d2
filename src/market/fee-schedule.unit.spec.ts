import { describe, expect, it } from 'vitest';
import { DEFAULT_FEE_SCHEDULE, type FeeRule, FeeSchedule } from './fee-schedule.js';

const schedule = new FeeSchedule();

function withUsd(rule: FeeRule): FeeSchedule {
  return new FeeSchedule({ ...DEFAULT_FEE_SCHEDULE, USD: rule });
}

describe('FeeSchedule', () => {
  it('charges rateBps of the notional, with everything it used in the quote', () => {
    // 10 x 1,900.00 = 19,000.00; 0.10 % of it = 19.00.
    expect(schedule.quote({ currency: 'USD', quantity: 10n, priceMinor: 190_000n })).toEqual({
      currency: 'USD',
      quantity: 10n,
      priceMinor: 190_000n,
      notionalMinor: 1_900_000n,
      rateBps: 10,
      minimumMinor: 100n,
      feeMinor: 1_900n,
    });
  });

  it.each([
    // notional, fee at 25 bps with no minimum
    [400n, 1n], // 1.00 exactly
    [401n, 2n], // 1.0025 rounds up
    [1_000_000n, 2_500n], // exact: not rounded
    [1_000_001n, 2_501n], // 2,500.0025 rounds up
    [1n, 1n], // 0.0025 rounds up to one minor unit
  ])('rounds a fraction of a minor unit up: notional %s -> fee %s', (notional, fee) => {
    const quote = withUsd({ rateBps: 25, minimumMinor: 0n }).quote({
      currency: 'USD',
      quantity: 1n,
      priceMinor: notional,
    });
    expect(quote.feeMinor).toBe(fee);
  });

  it('charges at least the minimum of the currency', () => {
    // 0.10 % of 50.00 is 0.05: the minimum of 1.00 applies.
    expect(schedule.quote({ currency: 'USD', quantity: 1n, priceMinor: 5_000n }).feeMinor).toBe(
      100n,
    );
    // 100,000.00 x 0.10 % is exactly the minimum, 100.00: either way 100.00.
    const atMinimum = withUsd({ rateBps: 10, minimumMinor: 10_000n });
    expect(
      atMinimum.quote({ currency: 'USD', quantity: 1n, priceMinor: 10_000_000n }).feeMinor,
    ).toBe(10_000n);
    expect(
      atMinimum.quote({ currency: 'USD', quantity: 1n, priceMinor: 10_000_100n }).feeMinor,
    ).toBe(10_001n);
  });

  it('works in each currency’s own minor units and minimum', () => {
    // Yen have no minor digits: 0.10 % of ¥3,300 is ¥3.3, under the ¥100 minimum.
    expect(schedule.quote({ currency: 'JPY', quantity: 1n, priceMinor: 3_300n }).feeMinor).toBe(
      100n,
    );
    expect(schedule.quote({ currency: 'JPY', quantity: 100n, priceMinor: 3_301n }).feeMinor).toBe(
      331n,
    );
    expect(schedule.quote({ currency: 'SEK', quantity: 1n, priceMinor: 10_000n }).feeMinor).toBe(
      1_000n,
    );
  });

  it('stays exact far beyond what a double holds', () => {
    const quote = withUsd({ rateBps: 7, minimumMinor: 0n }).quote({
      currency: 'USD',
      quantity: 10n ** 9n,
      priceMinor: 10n ** 15n + 1n,
    });
    // (10^24 + 10^9) x 7 / 10^4 = 7 x 10^20 + 700,000 exactly.
    expect(quote.feeMinor).toBe(7n * 10n ** 20n + 700_000n);
  });

  it('can charge nothing at all', () => {
    const free = withUsd({ rateBps: 0, minimumMinor: 0n });
    expect(free.quote({ currency: 'USD', quantity: 5n, priceMinor: 1_000n }).feeMinor).toBe(0n);
  });

  it.each<[string, FeeRule]>([
    ['rateBps', { rateBps: -1, minimumMinor: 0n }],
    ['rateBps', { rateBps: 10_001, minimumMinor: 0n }],
    ['rateBps', { rateBps: 2.5, minimumMinor: 0n }],
    ['minimumMinor', { rateBps: 10, minimumMinor: -1n }],
  ])('refuses a bad %s', (field, rule) => {
    expect(() => withUsd(rule)).toThrow(`USD: ${field}`);
  });

  it('refuses to quote an order without quantity or price', () => {
    expect(() => schedule.quote({ currency: 'USD', quantity: 0n, priceMinor: 100n })).toThrow(
      RangeError,
    );
    expect(() => schedule.quote({ currency: 'USD', quantity: 1n, priceMinor: 0n })).toThrow(
      RangeError,
    );
  });
});
