import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../src/shared/ledger-errors.js';
import {
  divideHalfAwayFromZero,
  formatAverage,
  formatMoney,
  zeroAverage,
} from '../../src/shared/decimal-format.js';
import {
  DIGITS,
  decodeAfter,
  decodeCursor,
  encodeCursor,
} from '../../src/queries/paging/cursor.js';
import { MAX_PAGE_SIZE, pageSize } from '../../src/queries/paging/page.js';

describe('decimal formats', () => {
  it('rounds quotients half away from zero for any signs', () => {
    expect(divideHalfAwayFromZero(5n, 2n)).toBe(3n);
    expect(divideHalfAwayFromZero(-5n, 2n)).toBe(-3n);
    expect(divideHalfAwayFromZero(5n, -2n)).toBe(-3n);
    expect(divideHalfAwayFromZero(7n, 3n)).toBe(2n);
    expect(divideHalfAwayFromZero(-7n, 3n)).toBe(-2n);
  });

  it('formats averages with the currency digits plus four, exactly', () => {
    expect(formatAverage(100_001n, 3n, 'USD')).toBe('333.336667');
    expect(formatAverage(10_000n, 3n, 'JPY')).toBe('3333.3333');
    expect(formatAverage(1n, 3n, 'EUR')).toBe('0.003333');
    // Far beyond a double's 53 bits: still exact.
    expect(formatAverage(123_456_789_012_345_678_901n, 7n, 'USD')).toBe(
      '176366841446208112.715714',
    );
    expect(formatAverage(5n, 0n, 'USD')).toBeNull();
    expect(zeroAverage('JPY')).toBe('0.0000');
    expect(formatMoney(-2_500n, 'USD')).toBe('-25.00');
  });
});

describe('cursors and page sizes', () => {
  it('round-trips a cursor and refuses another kind, tampering and overlong ones', () => {
    const cursor = encodeCursor('statement', ['12', '3']);
    expect(decodeCursor('statement', cursor, [DIGITS, DIGITS])).toEqual(['12', '3']);
    const refused = [
      () => decodeCursor('orders', cursor, [DIGITS, DIGITS]),
      () => decodeCursor('statement', encodeCursor('statement', ['12', 'x']), [DIGITS, DIGITS]),
      () => decodeCursor('statement', encodeCursor('statement', ['12']), [DIGITS, DIGITS]),
      () => decodeCursor('statement', '%%%', [DIGITS, DIGITS]),
      () => decodeCursor('statement', 'a'.repeat(600), [DIGITS, DIGITS]),
      () => decodeAfter('statement', '', [DIGITS, DIGITS]),
    ];
    for (const decode of refused) expect(decode).toThrow(ValidationFailedError);
    expect(decodeAfter('statement', null, [DIGITS])).toBeUndefined();
  });

  it('takes page sizes from 1 to the maximum, 50 by default', () => {
    expect(pageSize(undefined)).toBe(50);
    expect(pageSize(null)).toBe(50);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
    for (const bad of [0, -1, MAX_PAGE_SIZE + 1, 2.5]) {
      expect(() => pageSize(bad)).toThrow(ValidationFailedError);
    }
  });
});
