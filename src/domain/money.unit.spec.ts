import { describe, expect, it } from 'vitest';
import {
  CURRENCIES,
  MAX_AMOUNT_MINOR,
  divideRounded,
  formatMinor,
  isCurrency,
  minorDigits,
  parseAmount,
} from './money.js';

const USD = minorDigits('USD');
const JPY = minorDigits('JPY');

describe('money', () => {
  describe('currencies', () => {
    it('knows the minor digits of each currency', () => {
      expect(USD).toBe(2);
      expect(minorDigits('EUR')).toBe(2);
      expect(JPY).toBe(0);
    });

    it('accepts only listed ISO codes, case-sensitively', () => {
      expect(isCurrency('USD')).toBe(true);
      expect(isCurrency('usd')).toBe(false);
      expect(isCurrency('XXX')).toBe(false);
      expect(isCurrency('toString')).toBe(false);
      expect(Object.keys(CURRENCIES)).toContain('JPY');
    });
  });

  describe('parseAmount', () => {
    it.each([
      ['10', 2, 1_000n],
      ['10.5', 2, 1_050n],
      ['10.50', 2, 1_050n],
      ['0.01', 2, 1n],
      ['0.10', 2, 10n],
      ['1', 2, 100n],
      ['123456.78', 2, 12_345_678n],
      ['15', 0, 15n],
      ['1.5', 1, 15n],
    ])('parses %s with %i decimals into %s minor units', (text, digits, minor) => {
      expect(parseAmount(text, digits)).toEqual({ ok: true, minor });
    });

    it.each(['0', '0.00', '0.0'])('refuses zero (%s)', (text) => {
      expect(parseAmount(text, USD)).toEqual({ ok: false, reason: 'must be greater than zero' });
    });

    it.each([
      ['a negative number', '-1'],
      ['an explicit plus', '+1'],
      ['an exponent', '1e3'],
      ['leading zeros', '01'],
      ['leading zeros before a fraction', '00.5'],
      ['a leading space', ' 10'],
      ['a trailing space', '10 '],
      ['a trailing newline', '10\n'],
      ['an inner space', '1 0'],
      ['a missing whole part', '.5'],
      ['a missing fraction', '10.'],
      ['a decimal comma', '10,50'],
      ['a thousands separator', '1,000'],
      ['an underscore', '1_000'],
      ['hexadecimal', '0x10'],
      ['the empty string', ''],
      ['words', 'ten'],
      ['Infinity', 'Infinity'],
      ['NaN', 'NaN'],
      ['non-ASCII digits', '١٠'],
    ])('refuses %s (%j)', (_what, text) => {
      const parsed = parseAmount(text, USD);
      expect(parsed).toEqual({
        ok: false,
        reason: 'must be a positive decimal number such as 10.50',
      });
    });

    it('refuses more decimals than the currency has', () => {
      expect(parseAmount('1.234', USD)).toEqual({
        ok: false,
        reason: 'must have at most 2 decimal places',
      });
      expect(parseAmount('0.001', USD)).toEqual({
        ok: false,
        reason: 'must have at most 2 decimal places',
      });
    });

    it('counts trailing zeros as decimals too', () => {
      expect(parseAmount('10.500', USD)).toEqual({
        ok: false,
        reason: 'must have at most 2 decimal places',
      });
    });

    it('refuses any fraction in a currency without minor units (JPY)', () => {
      expect(parseAmount('1.5', JPY)).toEqual({
        ok: false,
        reason: 'must have at most 0 decimal places',
      });
      expect(parseAmount('1.0', JPY)).toEqual({
        ok: false,
        reason: 'must have at most 0 decimal places',
      });
      expect(parseAmount('1500', JPY)).toEqual({ ok: true, minor: 1_500n });
    });

    it('accepts exactly the largest amount and refuses one minor unit more', () => {
      expect(MAX_AMOUNT_MINOR).toBe(10n ** 15n);
      expect(parseAmount('10000000000000', USD)).toEqual({ ok: true, minor: MAX_AMOUNT_MINOR });
      expect(parseAmount('10000000000000.00', USD)).toEqual({ ok: true, minor: MAX_AMOUNT_MINOR });
      expect(parseAmount('10000000000000.01', USD)).toEqual({ ok: false, reason: 'is too large' });
      expect(parseAmount('1000000000000000', JPY)).toEqual({ ok: true, minor: MAX_AMOUNT_MINOR });
      expect(parseAmount('1000000000000001', JPY)).toEqual({ ok: false, reason: 'is too large' });
    });

    it.each([
      '99999999999999999',
      '12345678901234567890.12',
      '9'.repeat(400),
      `1${'0'.repeat(10_000)}`,
    ])('refuses a huge number (%s)', (text) => {
      expect(parseAmount(text, USD)).toEqual({ ok: false, reason: 'is too large' });
    });

    it('is exact where floating point is not', () => {
      // 0.29 * 100 is 28.999999999999996 in floating point.
      expect(parseAmount('0.29', USD)).toEqual({ ok: true, minor: 29n });
      expect(parseAmount('1.13', USD)).toEqual({ ok: true, minor: 113n });
      expect(parseAmount('9999999999999.99', USD)).toEqual({
        ok: true,
        minor: 999_999_999_999_999n,
      });
    });
  });

  describe('formatMinor', () => {
    it.each([
      [1_050n, 2, '10.50'],
      [1_000n, 2, '10.00'],
      [5n, 2, '0.05'],
      [50n, 2, '0.50'],
      [0n, 2, '0.00'],
      [-5n, 2, '-0.05'],
      [-1_050n, 2, '-10.50'],
      [1_500n, 0, '1500'],
      [0n, 0, '0'],
      [-7n, 0, '-7'],
      [15n, 1, '1.5'],
      [2n ** 64n, 2, '184467440737095516.16'],
    ])('formats %s with %i decimals as %s', (minor, digits, text) => {
      expect(formatMinor(minor, digits)).toBe(text);
    });

    it.each([
      ['10.50', 2],
      ['0.01', 2],
      ['10000000000000.00', 2],
      ['1500', 0],
    ])('round-trips %s through parseAmount', (text, digits) => {
      const parsed = parseAmount(text, digits);
      if (!parsed.ok) throw new Error(parsed.reason);
      expect(formatMinor(parsed.minor, digits)).toBe(text);
    });
  });

  describe('divideRounded', () => {
    it.each([
      [10n, 5n, 2n],
      [5n, 2n, 3n],
      [7n, 2n, 4n],
      [4n, 3n, 1n],
      [5n, 3n, 2n],
      [0n, 7n, 0n],
      [2n ** 64n + 1n, 2n, 2n ** 63n + 1n],
    ])('%s / %s rounds half away from zero to %s', (numerator, denominator, quotient) => {
      expect(divideRounded(numerator, denominator)).toBe(quotient);
    });
  });
});
