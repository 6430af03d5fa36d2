/**
 * Money arrives as exact decimal strings ("1234.50") with its ISO 4217 currency. It is
 * formatted from the string itself: Intl.NumberFormat reads a numeric string exactly, so
 * no amount ever passes through a float.
 */
const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, locale: string | undefined): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      // At least the currency's digits (JPY 0, most others 2), and every digit the amount has.
      maximumFractionDigits: 20,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** "1234.5" USD -> "$1,234.50" (in the user's locale); text that is not a decimal is shown as is. */
export function formatMoney(amount: string, currency: string, locale?: string): string {
  if (!DECIMAL.test(amount)) return `${amount} ${currency}`;
  return formatterFor(currency, locale).format(amount as Intl.StringNumericLiteral);
}

/** Whole shares or a decimal quantity, grouped in the user's locale. */
export function formatQuantity(quantity: string, locale?: string): string {
  if (!DECIMAL.test(quantity)) return quantity;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 20 }).format(
    quantity as Intl.StringNumericLiteral,
  );
}

/** A decimal string as a number, for chart scales only: never for figures shown as text. */
export function chartValue(amount: string): number {
  const value = Number(amount);
  return Number.isFinite(value) ? value : 0;
}

/** Exact sum of decimal strings (as bigint minor units at the widest scale among them). */
export function sumDecimals(amounts: readonly string[]): string {
  const scale = Math.max(0, ...amounts.map((a) => a.split('.')[1]?.length ?? 0));
  const total = amounts.reduce((sum, amount) => sum + toUnits(amount, scale), 0n);
  return fromUnits(total, scale);
}

function toUnits(amount: string, scale: number): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = amount.replace('-', '').split('.');
  const units = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -units : units;
}

function fromUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
