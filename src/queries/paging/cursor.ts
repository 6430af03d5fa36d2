import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { isPossibleId } from '../query-args.js';

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
 * What one part of a cursor must be. A RegExp is one; a range check is another, for a part
 * whose shape passes but whose value the database would refuse (a day that does not exist,
 * a number past its column's type): those must be bad input here, not an error there.
 */
export interface CursorPart {
  test(part: string): boolean;
}

/**
 * Decodes a cursor of `kind` whose parts pass `patterns` one for one; anything else is
 * VALIDATION_FAILED on `after`.
 */
export function decodeCursor(
  kind: string,
  token: string,
  patterns: readonly CursorPart[],
): string[] {
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

/** Parts of cursors: a decimal of at most 20 digits (positions, compared as numeric). */
export const DIGITS = /^\d{1,20}$/;

/** Any id the views key by: bounded, and without NUL (PostgreSQL refuses it in text). */
export const ANY_ID: CursorPart = { test: isPossibleId };

const SMALLINT_MAX = 32_767;

/** A PostgreSQL smallint that is not negative. */
export const SMALLINT: CursorPart = {
  test: (part) => /^\d{1,5}$/.test(part) && Number(part) <= SMALLINT_MAX,
};

const UTC_MICROS = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * A UTC timestamp as PostgreSQL's `to_char(... 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` writes it, of a
 * day that exists in years 1 to 9999: PostgreSQL refuses 0000-00-00, and a year past its
 * range (294276) too, which the shape alone lets through.
 */
export const UTC_TIMESTAMP: CursorPart = {
  test(part) {
    const match = UTC_MICROS.exec(part);
    if (!match || Number(match[1]) < 1) return false;
    const millis = Date.parse(`${part.slice(0, 19)}Z`);
    // A day past the month's end parses to the next month: the round trip tells.
    return (
      !Number.isNaN(millis) && new Date(millis).toISOString().slice(0, 19) === part.slice(0, 19)
    );
  },
};

/** The `after` argument of a query: absent (null or undefined) starts at the beginning. */
export function decodeAfter(
  kind: string,
  after: string | null | undefined,
  patterns: readonly CursorPart[],
): string[] | undefined {
  return after === null || after === undefined ? undefined : decodeCursor(kind, after, patterns);
}
