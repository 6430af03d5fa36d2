import { describe, expect, it } from 'vitest';
import { formatMoney, formatQuantity, sumDecimals } from './money';
import { lastDays, showDay, showTime } from './time';

describe('formatMoney', () => {
  it('formats a decimal string in its currency, with the currency digits', () => {
    expect(formatMoney('1234.5', 'USD', 'en-US')).toBe('$1,234.50');
    expect(formatMoney('1234', 'JPY', 'en-US')).toBe('¥1,234');
    expect(formatMoney('-0.5', 'EUR', 'de-DE')).toBe('-0,50\u00a0€');
  });

  it('keeps every digit of an amount no float could hold', () => {
    expect(formatMoney('90071992547409931.07', 'USD', 'en-US')).toBe('$90,071,992,547,409,931.07');
  });

  it('keeps extra digits (an average price) instead of rounding them away', () => {
    expect(formatMoney('190.12345', 'USD', 'en-US')).toBe('$190.12345');
  });

  it('shows text that is not a decimal as it came', () => {
    expect(formatMoney('n/a', 'USD', 'en-US')).toBe('n/a USD');
  });
});

describe('formatQuantity and sumDecimals', () => {
  it('groups quantities', () => {
    expect(formatQuantity('1200', 'en-US')).toBe('1,200');
  });

  it('sums exactly, across scales and signs', () => {
    expect(sumDecimals(['0.10', '0.20'])).toBe('0.30');
    expect(sumDecimals(['1', '-2.5', '0.005'])).toBe('-1.495');
    expect(sumDecimals([])).toBe('0');
  });
});

describe('times', () => {
  const instant = '2026-03-29T00:30:00.000Z';

  it("shows an instant in the user's zone and in UTC for the hover", () => {
    const shown = showTime(instant, 'Europe/Stockholm', 'en-GB');
    expect(shown.local).toBe('29 Mar 2026, 01:30:00');
    expect(shown.utc).toBe('2026-03-29 00:30:00 UTC');
  });

  it('follows daylight saving time of the zone', () => {
    expect(showTime('2026-03-29T01:30:00Z', 'Europe/Stockholm', 'en-GB').local).toBe(
      '29 Mar 2026, 03:30:00',
    );
  });

  it('shows a UTC day as that day in any zone', () => {
    expect(showDay('2026-01-31', 'en-GB')).toBe('31 Jan 2026');
  });

  it('gives the last days up to today, both ends included', () => {
    expect(lastDays(7, new Date('2026-12-06T10:00:00Z'))).toEqual({
      from: '2026-11-30',
      to: '2026-12-06',
    });
  });

  it('shows text that is not a time as it came', () => {
    expect(showTime('soon').local).toBe('soon');
  });
});
