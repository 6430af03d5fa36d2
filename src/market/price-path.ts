import { divideRounded } from '../domain/money.js';
import { randomInteger } from '../shared/seeded-random.js';

const BPS_PER_UNIT = 10_000n;

/**
 * A price that takes one seeded random step per tick: up or down by a whole number of
 * basis points, uniformly up to `volatilityBps`, rounded to the minor unit and never
 * below one. Integer arithmetic only, so the path is the same on every machine.
 */
export class PricePath {
  private price: bigint;

  constructor(
    referencePriceMinor: bigint,
    private readonly volatilityBps: number,
    private readonly random: () => number,
  ) {
    if (referencePriceMinor < 1n) throw new Error('A reference price must be positive');
    this.price = referencePriceMinor;
  }

  get priceMinor(): bigint {
    return this.price;
  }

  step(): bigint {
    const moveBps = randomInteger(this.random, -this.volatilityBps, this.volatilityBps);
    const magnitude = BigInt(Math.abs(moveBps));
    // Rounded on the magnitude, so that ups and downs of the same size round alike.
    const change = divideRounded(this.price * magnitude, BPS_PER_UNIT);
    const next = moveBps < 0 ? this.price - change : this.price + change;
    this.price = next < 1n ? 1n : next;
    return this.price;
  }
}
