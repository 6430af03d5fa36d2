import {
  type EventStoreError,
  InvalidAppendError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '../../../event-store/event-store.errors.js';
import { type ExpectedRevision } from '../../../event-store/event-store.port.js';
import { isConnectionFailure } from '../../database/connection-errors.js';

/** Raised by ledger_append when the expected revision does not hold. */
export const WRONG_EXPECTED_REVISION_SQLSTATE = 'LG001';
const UNIQUE_VIOLATION = '23505';

interface PgErrorShape {
  code?: string;
  detail?: string;
  constraint?: string;
}

function shape(error: unknown): PgErrorShape {
  return typeof error === 'object' && error !== null ? (error as PgErrorShape) : {};
}

export function isDuplicateEventId(error: unknown): boolean {
  const e = shape(error);
  return e.code === UNIQUE_VIOLATION && e.constraint === 'ledger_events_event_id_key';
}

/** Errors that answer an append (conflict, duplicate) and leave the connection healthy. */
export function isExpectedAppendError(error: unknown): boolean {
  const code = shape(error).code;
  return code === WRONG_EXPECTED_REVISION_SQLSTATE || code === UNIQUE_VIOLATION;
}

/** The one place PostgreSQL errors become the port's errors. */
export function mapPostgresError(
  error: unknown,
  context: { streamId: string; expected: ExpectedRevision },
): EventStoreError | unknown {
  const e = shape(error);
  if (e.code === WRONG_EXPECTED_REVISION_SQLSTATE) {
    const actual =
      e.detail === 'no_stream' || e.detail === undefined ? 'no_stream' : BigInt(e.detail);
    return new WrongExpectedRevisionError(context.streamId, context.expected, actual);
  }
  if (e.code === UNIQUE_VIOLATION && e.constraint === 'ledger_events_stream_revision_key') {
    // Only reachable if ledger_streams and ledger_events disagree: a concurrency conflict all the same.
    return new WrongExpectedRevisionError(context.streamId, context.expected, undefined);
  }
  if (isDuplicateEventId(error)) {
    return new InvalidAppendError(
      `Event ids of this append are already used (${context.streamId})`,
    );
  }
  if (isConnectionFailure(error)) {
    return new StoreUnavailableError(`PostgreSQL event store unavailable: ${String(error)}`, {
      cause: error,
    });
  }
  return error;
}
