import { isPlainText } from '../shared/input-rules.js';
import { ValidationFailedError } from '../shared/ledger-errors.js';

/** Longest id a query looks up: longer ones cannot exist (ids are uuids or client ids <= 128). */
export const MAX_ID_LENGTH = 256;

/** Whether `value` can be an id at all: bounded, and text PostgreSQL can compare (no NUL). */
export function isPossibleId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_ID_LENGTH && isPlainText(value);
}

/** An id argument, bounded; an unknown id is simply not found, an absurd one is bad input. */
export function checkedId(field: string, value: string): string {
  if (!isPossibleId(value)) {
    throw new ValidationFailedError([
      {
        field,
        message: `${field} must be 1 to ${MAX_ID_LENGTH} characters, without control or invisible characters`,
      },
    ]);
  }
  return value;
}

/** An optional id argument: null and undefined both mean "not given". */
export function checkedOptionalId(
  field: string,
  value: string | null | undefined,
): string | undefined {
  return value === null || value === undefined ? undefined : checkedId(field, value);
}
