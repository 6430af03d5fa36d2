import { type Currency, MAX_QUANTITY } from '../domain/money.js';

const BPS_PER_UNIT = 10_000n;

/** How an order's fee is worked out in one currency. */
export interface FeeRule {
  /** Share of the notional in whole basis points (1 bp = 0.01 %). */
  readonly rateBps: number;
  /** The least fee of an order, in minor units of the currency. */
  readonly minimumMinor: bigint;
}

/** A rule for every currency the ledger accepts: an order in any of them has a fee. */
export type FeeScheduleConfig = Readonly<Record<Currency, FeeRule>>;

/** The fee of one order and everything it came from, to record and to show on the order. */
export interface FeeQuote {
  readonly currency: Currency;
  readonly quantity: bigint;
  readonly priceMinor: bigint;
  /** priceMinor x quantity. */
  readonly notionalMinor: bigint;
  readonly rateBps: number;
  readonly minimumMinor: bigint;
  readonly feeMinor: bigint;
}

export interface OrderForFee {
  readonly currency: Currency;
  readonly quantity: bigint;
  /** The limit price of a LIMIT order; the last price when a MARKET order is placed. */
  readonly priceMinor: bigint;
}

/** 0.10 % of the notional, at least about one unit of the currency (100 yen). */
export const DEFAULT_FEE_SCHEDULE: FeeScheduleConfig = {
  USD: { rateBps: 10, minimumMinor: 100n },
  EUR: { rateBps: 10, minimumMinor: 100n },
  GBP: { rateBps: 10, minimumMinor: 100n },
  CHF: { rateBps: 10, minimumMinor: 100n },
  SEK: { rateBps: 10, minimumMinor: 1_000n },
  NOK: { rateBps: 10, minimumMinor: 1_000n },
  DKK: { rateBps: 10, minimumMinor: 1_000n },
  PLN: { rateBps: 10, minimumMinor: 500n },
  CAD: { rateBps: 10, minimumMinor: 100n },
  AUD: { rateBps: 10, minimumMinor: 100n },
  JPY: { rateBps: 10, minimumMinor: 100n },
};

/** A fee above the whole notional is a typo in the configuration, not a price. */
const MAX_RATE_BPS = 10_000;

function assertRule(currency: string, rule: FeeRule): void {
  if (!Number.isInteger(rule.rateBps) || rule.rateBps < 0 || rule.rateBps > MAX_RATE_BPS) {
    throw new Error(
      `${currency}: rateBps must be a whole number from 0 to ${MAX_RATE_BPS}, got ${rule.rateBps}`,
    );
  }
  if (rule.minimumMinor < 0n) {
    throw new Error(`${currency}: minimumMinor must not be negative, got ${rule.minimumMinor}`);
  }
}

/**
 * The one fee rule of the ledger: the saga reserves and charges with it, and the order
 * shows its quote. fee = max(minimum, ceil(notional x rateBps / 10,000)), in exact
 * integer arithmetic: a fraction of a minor unit always rounds up, in the house's favour,
 * so a fee is never understated.
 *
 * The quote depends on the price it was given, and a market price moves: a saga must
 * record the quote (or the fee) once and reuse it after a restart, not quote again.
 */
export class FeeSchedule {
  constructor(private readonly rules: FeeScheduleConfig = DEFAULT_FEE_SCHEDULE) {
    for (const [currency, rule] of Object.entries(rules)) assertRule(currency, rule);
  }

  quote(order: OrderForFee): FeeQuote {
    const { currency, quantity, priceMinor } = order;
    if (quantity <= 0n || quantity > MAX_QUANTITY) {
      throw new RangeError(`quantity must be from 1 to ${MAX_QUANTITY}, got ${quantity}`);
    }
    if (priceMinor <= 0n) throw new RangeError(`priceMinor must be positive, got ${priceMinor}`);
    const { rateBps, minimumMinor } = this.rules[currency];
    const notionalMinor = priceMinor * quantity;
    const proportionalMinor = (notionalMinor * BigInt(rateBps) + BPS_PER_UNIT - 1n) / BPS_PER_UNIT;
    const feeMinor = proportionalMinor > minimumMinor ? proportionalMinor : minimumMinor;
    return { currency, quantity, priceMinor, notionalMinor, rateBps, minimumMinor, feeMinor };
  }
}
