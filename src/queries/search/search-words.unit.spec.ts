import { describe, expect, it } from 'vitest';
import {
  MAX_SEARCH_WORDS,
  MAX_SEARCH_WORD_LENGTH,
  INDEXED_WINDOW_LENGTH,
  containsPattern,
  indexedWindow,
  searchWords,
} from './search-words.js';

describe('search words', () => {
  it('splits on any blanks and ignores blank text', () => {
    expect(searchWords('  market \t closed\nAAPL ')).toEqual(['market', 'closed', 'AAPL']);
    expect(searchWords('   ')).toEqual([]);
    expect(searchWords('')).toEqual([]);
    expect(searchWords(undefined)).toEqual([]);
  });

  it('keeps at most the first words, each cut to the longest length', () => {
    const many = Array.from({ length: MAX_SEARCH_WORDS + 5 }, (_, i) => `w${i}`).join(' ');
    expect(searchWords(many)).toEqual(Array.from({ length: MAX_SEARCH_WORDS }, (_, i) => `w${i}`));
    expect(searchWords('x'.repeat(200))).toEqual(['x'.repeat(MAX_SEARCH_WORD_LENGTH)]);
  });

  it('cuts a long word between characters, not inside one', () => {
    const word = '€'.repeat(MAX_SEARCH_WORD_LENGTH + 1);
    expect(searchWords(word)).toEqual(['€'.repeat(MAX_SEARCH_WORD_LENGTH)]);
  });

  it('escapes the LIKE wildcards and the escape character', () => {
    expect(containsPattern('abc')).toBe('%abc%');
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });

  it('looks a long word up by its first characters, whole characters only', () => {
    expect(indexedWindow('abc')).toBe('abc');
    expect(indexedWindow('0123456789abcdef')).toBe(
      '0123456789abcdef'.slice(0, INDEXED_WINDOW_LENGTH),
    );
    expect(indexedWindow('€'.repeat(20))).toBe('€'.repeat(INDEXED_WINDOW_LENGTH));
  });
});
