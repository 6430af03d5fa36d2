import { ValidationFailedError } from '../../shared/ledger-errors.js';

/** Longest cursor accepted: ours are far shorter. */
const MAX_CURSOR_LENGTH = 512;

/**
 * An opaque cursor: base64url of JSON `[kind, ...parts]`. The kind keeps a cursor of one
 * query from being taken by another; the parts are the keyset values after which the next
 * page starts.
 */
export function encodeCursor(kind: string, parts: readonly string[]): string {
  return Buffer.from(JSON.stringify([kind, ...parts]), 'utf8').toString('base64url');
}

function invalidCursor(): ValidationFailedError {
  return new ValidationFailedError([
    { field: 'after', message: 'after must be an endCursor returned by the same query' },
  ]);
}

/**
 * Decodes a cursor of `kind` whose parts match `patterns` one for one; anything else is
 * VALIDATION_FAILED on `after`.
 */
export function decodeCursor(kind: string, token: string, patterns: readonly RegExp[]): string[] {
  if (token.length > MAX_CURSOR_LENGTH) throw invalidCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== patterns.length + 1 ||
    decoded[0] !== kind ||
    !decoded.every((part): part is string => typeof part === 'string')
  ) {
    throw invalidCursor();
  }
  const parts = decoded.slice(1) as string[];
  if (!parts.every((part, index) => patterns[index]!.test(part))) throw invalidCursor();
  return parts;
}

/** Parts of cursors: a decimal of at most 20 digits (positions), any id up to 256 chars. */
export const DIGITS = /^\d{1,20}$/;
export const ANY_ID = /^.{1,256}$/s;

/** The `after` argument of a query: absent (null or undefined) starts at the beginning. */
export function decodeAfter(
  kind: string,
  after: string | null | undefined,
  patterns: readonly RegExp[],
): string[] | undefined {
  return after === null || after === undefined ? undefined : decodeCursor(kind, after, patterns);
}
