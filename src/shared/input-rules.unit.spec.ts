import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { IsBoundedText, escapeUnsafeText, isPlainText } from './input-rules.js';

class NameInput {
  @IsBoundedText(10)
  name!: unknown;
}

function check(name: unknown): { name: unknown; problems: string[] } {
  const input = plainToInstance(NameInput, { name });
  const problems = validateSync(input).flatMap((error) => Object.keys(error.constraints ?? {}));
  return { name: input.name, problems };
}

describe('plain text: what names and references may hold', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['a bell (C0 control)', 'a\u0007b'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['NEL (C1 control)', 'a\u0085b'],
    ['a right-to-left override', 'abc\u202Efdp.exe'],
    ['a left-to-right embedding', 'a\u202Ab'],
    ['a pop directional formatting', 'a\u202Cb'],
    ['a right-to-left isolate', 'a\u2067b'],
    ['a pop directional isolate', 'a\u2069b'],
    ['a left-to-right mark', 'a\u200Eb'],
    ['a right-to-left mark', 'a\u200Fb'],
    ['an Arabic letter mark', 'a\u061Cb'],
    ['a zero-width space', 'a\u200Bb'],
    ['a zero-width non-joiner', 'a\u200Cb'],
    ['a zero-width joiner', 'a\u200Db'],
    ['a word joiner', 'a\u2060b'],
    ['a byte order mark', '\uFEFFab'],
    ['a soft hyphen', 'a\u00ADb'],
    ['a line separator', 'a\u2028b'],
    ['a paragraph separator', 'a\u2029b'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate', 'a\uDC00b'],
  ])('refuses %s', (_label, text) => {
    expect(isPlainText(text)).toBe(false);
    expect(check(text).problems).toContain('isPlainText');
  });

  it.each([
    ['letters of any script', 'Zoë Ørsted Łódź 山田 Привет مرحبا'],
    ['an emoji (a surrogate pair)', 'Savings 💰'],
    ['SQL-looking text, stored as text', "'; DROP TABLE x; --"],
    ['punctuation and spaces', 'Rent #12 (May), 50% off!'],
  ])('accepts %s', (_label, text) => {
    expect(isPlainText(text)).toBe(true);
  });

  it('stores text in NFC: combining accents become precomposed letters', () => {
    const decomposed = 'Cafe\u0301';
    expect(check(decomposed)).toEqual({ name: 'Caf\u00e9', problems: [] });
  });

  it('counts the length after NFC', () => {
    // Ten letters, each with a combining accent: 20 code units before NFC, 10 after.
    expect(check('e\u0301'.repeat(10)).problems).toEqual([]);
    expect(check('e\u0301'.repeat(11)).problems).toContain('maxLength');
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['not a string', 5],
  ])('refuses %s text', (_label, value) => {
    expect(check(value).problems.length).toBeGreaterThan(0);
  });
});

describe('escapeUnsafeText', () => {
  it('writes what a log line must not hold as \\u escapes, and leaves the rest', () => {
    expect(escapeUnsafeText('a\nb\u202Ec\u0000 Zoë 💰')).toBe('a\\u000ab\\u202ec\\u0000 Zoë 💰');
  });
});
