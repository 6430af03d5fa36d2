import { ValidationFailedError } from '../../shared/ledger-errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Rows of one page as a repository found them: it reads one more to know whether more follow. */
export interface Slice<T> {
  readonly items: readonly T[];
  readonly hasMore: boolean;
}

/** A page as a query answers it: nodes and where the next page starts. */
export interface Page<T> {
  readonly nodes: readonly T[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
}

/** Checks a requested page size: 1 to MAX_PAGE_SIZE; absent means DEFAULT_PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new ValidationFailedError([
      { field: 'first', message: `first must be an integer from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  return first;
}

/** Reads `limit + 1` rows' worth of result into a slice of at most `limit`. */
export function sliceOf<T>(rows: readonly T[], limit: number): Slice<T> {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

export function pageOf<T>(slice: Slice<T>, cursorOf: (item: T) => string): Page<T> {
  const last = slice.items[slice.items.length - 1];
  return {
    nodes: slice.items,
    endCursor: last === undefined ? null : cursorOf(last),
    hasNextPage: slice.hasMore,
  };
}
