/** The most words a search matches (more are ignored). */
export const MAX_SEARCH_WORDS = 10;
/** The longest word a search matches (a longer one is cut). */
export const MAX_SEARCH_WORD_LENGTH = 64;
/** Shorter words match whole tokens only: a part of an id that short matches nearly every order. */
export const MIN_PARTIAL_WORD_LENGTH = 3;

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
