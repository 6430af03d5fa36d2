import { formatMinor, isCurrency, minorDigits } from '../domain/money.js';

/** Averages (cost, fill price) carry this many decimals beyond the currency's own. */
export const AVERAGE_EXTRA_DIGITS = 4;

// Views store only currencies the write side accepted; 2 covers a code added later.
const FALLBACK_DIGITS = 2;

export function currencyDigits(currency: string): number {
  return isCurrency(currency) ? minorDigits(currency) : FALLBACK_DIGITS;
}

export function formatMoney(minor: bigint, currency: string): string {
  return formatMinor(minor, currencyDigits(currency));
}

/** numerator / denominator rounded half away from zero, for any signs; denominator != 0. */
export function divideHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (n * 2n + d) / (d * 2n);
  return negative ? -quotient : quotient;
}

/**
 * totalMinor / quantity per unit, with the currency's digits plus AVERAGE_EXTRA_DIGITS,
 * rounded half away from zero in exact integer arithmetic; null when quantity is 0.
 */
/** The average of nothing: zero with the averages' precision. */
export function zeroAverage(currency: string): string {
  return formatMinor(0n, currencyDigits(currency) + AVERAGE_EXTRA_DIGITS);
}

export function formatAverage(
  totalMinor: bigint,
  quantity: bigint,
  currency: string,
): string | null {
  if (quantity === 0n) return null;
  const scaled = divideHalfAwayFromZero(totalMinor * 10n ** BigInt(AVERAGE_EXTRA_DIGITS), quantity);
  return formatMinor(scaled, currencyDigits(currency) + AVERAGE_EXTRA_DIGITS);
}
