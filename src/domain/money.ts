/**
 * Money is integer minor units in a bigint; decimal strings only at the edges.
 * Quantities are whole shares (bigint).
 */

/** ISO 4217 codes the ledger accepts, with their minor-unit digits. */
export const CURRENCIES = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CAD: 2,
  AUD: 2,
  JPY: 0,
} as const satisfies Record<string, number>;

export type Currency = keyof typeof CURRENCIES;

export function isCurrency(code: string): code is Currency {
  return Object.hasOwn(CURRENCIES, code);
}

export function minorDigits(currency: Currency): number {
  return CURRENCIES[currency];
}

/** The largest amount a single command may move: 10^15 minor units (10 trillion in a 2-digit currency). */
export const MAX_AMOUNT_MINOR = 10n ** 15n;
/** The largest quantity of one order. */
export const MAX_QUANTITY = 10n ** 9n;

const DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

export type ParsedAmount =
  { readonly ok: true; readonly minor: bigint } | { readonly ok: false; readonly reason: string };

/** Parses a positive decimal string into minor units of `digits` decimals, exactly. */
export function parseAmount(text: string, digits: number): ParsedAmount {
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, reason: 'must be a positive decimal number such as 10.50' };
  const [, whole, fraction = ''] = match;
  if (fraction.length > digits) {
    return { ok: false, reason: `must have at most ${digits} decimal places` };
  }
  if (whole!.length > 16) return { ok: false, reason: 'is too large' };
  const minor = BigInt(whole! + fraction.padEnd(digits, '0'));
  if (minor <= 0n) return { ok: false, reason: 'must be greater than zero' };
  if (minor > MAX_AMOUNT_MINOR) return { ok: false, reason: 'is too large' };
  return { ok: true, minor };
}

/** Formats minor units as a decimal string with exactly `digits` decimals. */
export function formatMinor(minor: bigint, digits: number): string {
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** numerator / denominator rounded half away from zero, for non-negative operands. */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}
