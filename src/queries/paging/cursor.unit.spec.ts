import { describe, expect, it } from 'vitest';
import { ANY_ID, DIGITS, SMALLINT, UTC_TIMESTAMP, decodeCursor, encodeCursor } from './cursor.js';

describe('cursor parts the database would refuse are refused first', () => {
  it.each([
    ['2024-02-29T23:59:59.999999Z', true],
    ['0001-01-01T00:00:00.000000Z', true],
    ['9999-12-31T23:59:59.999999Z', true],
    ['0000-00-00T00:00:00.000000Z', false],
    ['0000-01-01T00:00:00.000000Z', false],
    ['294277-01-01T00:00:00.000000Z', false],
    ['2023-02-29T00:00:00.000000Z', false],
    ['2024-13-01T00:00:00.000000Z', false],
    ['2024-01-01T24:00:00.000000Z', false],
    ['2024-01-01T00:60:00.000000Z', false],
    ['2024-01-01T00:00:00Z', false],
    ['2024-01-01 00:00:00.000000Z', false],
  ])('placed_at %s: %s', (part, accepted) => {
    expect(UTC_TIMESTAMP.test(part)).toBe(accepted);
  });

  it.each([
    ['0', true],
    ['32767', true],
    ['32768', false],
    ['99999', false],
    ['-1', false],
    ['1e3', false],
  ])('posting index %s: %s', (part, accepted) => {
    expect(SMALLINT.test(part)).toBe(accepted);
  });

  it.each([
    ['an id', 'ab12-cd', true],
    ['a 256-character id', 'x'.repeat(256), true],
    ['an empty id', '', false],
    ['a 257-character id', 'x'.repeat(257), false],
    ['NUL', 'a\u0000', false],
    ['a lone surrogate', 'a\ud800', false],
  ])('id part: %s', (_label, part, accepted) => {
    expect(ANY_ID.test(part)).toBe(accepted);
  });

  it('decodes what it encoded, and refuses a cursor whose part fails its check', () => {
    const good = encodeCursor('k', ['2024-01-01T00:00:00.000000Z', '5']);
    expect(decodeCursor('k', good, [UTC_TIMESTAMP, DIGITS])).toEqual([
      '2024-01-01T00:00:00.000000Z',
      '5',
    ]);
    const bad = encodeCursor('k', ['0000-00-00T00:00:00.000000Z', '5']);
    expect(() => decodeCursor('k', bad, [UTC_TIMESTAMP, DIGITS])).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });
});
