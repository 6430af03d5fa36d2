import { describe, expect, it } from 'vitest';
import { decimal, integer } from './env-values.js';

describe('numbers from the environment', () => {
  it('takes the fallback when unset or blank', () => {
    expect(decimal('LEDGER_REBUILD_PACE', undefined, 1, 0, 10)).toBe(1);
    expect(integer('PORT', '  ', 3000, 0, 65_535)).toBe(3000);
  });

  it('reads decimals where decimals are allowed, and only whole numbers otherwise', () => {
    expect(decimal('LEDGER_REBUILD_PACE', '0.5', 1, 0, 10)).toBe(0.5);
    expect(() => integer('PORT', '80.5', 3000, 0, 65_535)).toThrow(
      'PORT must be an integer from 0 to 65535, got "80.5"',
    );
  });

  it.each(['x', '-1', '11', 'Infinity', 'NaN'])(
    'refuses %s, naming the variable and the range',
    (value) => {
      expect(() => decimal('LEDGER_REBUILD_PACE', value, 1, 0, 10)).toThrow(
        `LEDGER_REBUILD_PACE must be a number from 0 to 10, got "${value}"`,
      );
    },
  );
});
