/** The most words a search matches (more are ignored). */
export const MAX_SEARCH_WORDS = 10;
/** The longest word a search matches (a longer one is cut). */
export const MAX_SEARCH_WORD_LENGTH = 64;
/** Shorter words match whole tokens only: a part of an id that short matches nearly every order. */
export const MIN_PARTIAL_WORD_LENGTH = 3;

/**
 * How much of a longer word the trigram index looks up: the index intersects the rows of
 * every trigram of a pattern, each of them common among a million hex ids, so a whole
 * 36-character id costs 34 of those lists. Its first characters find the same rows (and
 * a few more) in a fraction of that, and the whole word is checked on the rows found.
 */
export const INDEXED_WINDOW_LENGTH = 8;

/** The part of a word the trigram index looks up: the word, or its first characters. */
export function indexedWindow(word: string): string {
  return [...word].slice(0, INDEXED_WINDOW_LENGTH).join('');
}

/** The words of a search text: split on blanks, blanks ignored, bounded in number and length. */
export function searchWords(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(/\s+/u)
    .filter((word) => word !== '')
    .slice(0, MAX_SEARCH_WORDS)
    .map((word) => [...word].slice(0, MAX_SEARCH_WORD_LENGTH).join(''));
}

/** A word as a LIKE pattern that matches it anywhere, its wildcards taken literally. */
export function containsPattern(word: string): string {
  return `%${word.replace(/[\\%_]/gu, (char) => `\\${char}`)}%`;
}
