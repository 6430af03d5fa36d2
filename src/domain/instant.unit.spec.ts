import { describe, expect, it } from 'vitest';
import { parseInstant } from './instant.js';

describe('parseInstant', () => {
  it('reads ISO-8601 UTC instants with and without milliseconds', () => {
    expect(parseInstant('2026-01-31T12:00:00Z')).toBe(Date.UTC(2026, 0, 31, 12));
    expect(parseInstant('2026-01-31T12:00:00.250Z')).toBe(Date.UTC(2026, 0, 31, 12, 0, 0, 250));
  });

  it.each([
    ['a bare number', '1'],
    ['a date without time', '2026-01-31'],
    ['prose', 'March 1, 2024'],
    ['an impossible date', '2024-02-30T00:00:00Z'],
    ['a local time', '2026-01-31T12:00:00'],
    ['an offset', '2026-01-31T12:00:00+01:00'],
    ['an expanded year', '+275760-09-13T00:00:00.000Z'],
    ['garbage', 'garbage'],
  ])('refuses %s', (_, text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});
