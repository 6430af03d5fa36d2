import { ErrorType, convertToCommandError, isCommandError } from '@eventstore/db-client';
import { type ExpectedRevision } from '../../../event-store/event-store.port.js';
import {
  EventStoreError,
  InvalidAppendError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '../../../event-store/event-store.errors.js';

export interface ErrorContext {
  readonly operation: 'append' | 'read' | 'subscribe';
  readonly streamId?: string;
  readonly expectedRevision?: ExpectedRevision;
}

/** Client errors that, on an append, mean it can never succeed as sent. */
const INVALID_APPEND: ReadonlySet<ErrorType> = new Set([
  ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED,
  ErrorType.MISSING_REQUIRED_METADATA_PROPERTY,
  ErrorType.INVALID_ARGUMENT,
  ErrorType.INVALID_TRANSACTION,
  ErrorType.STREAM_DELETED,
]);

/**
 * The one mapping from the EventStoreDB client's errors to the port's. Anything the
 * client reports that is neither a concurrency conflict nor an invalid append —
 * unreachable node, deadline, dropped call, not-leader, access denied, unknown —
 * leaves the store unusable for this call, so it becomes StoreUnavailableError with
 * the client's error as cause. Errors that are not the client's, and invalid
 * arguments to reads (bugs in the caller), pass through unchanged so they stay
 * visible.
 */
export function toEventStoreError(error: unknown, context: ErrorContext): unknown {
  if (error instanceof EventStoreError || !(error instanceof Error)) return error;
  const converted = convertToCommandError(error);
  if (!isCommandError(converted)) return error;
  if (converted.type === ErrorType.WRONG_EXPECTED_VERSION) {
    return new WrongExpectedRevisionError(
      context.streamId ?? converted.streamName,
      context.expectedRevision ?? converted.expectedVersion,
      converted.actualVersion,
    );
  }
  const where = context.streamId === undefined ? '' : ` (stream ${context.streamId})`;
  if (INVALID_APPEND.has(converted.type)) {
    if (context.operation !== 'append') return converted;
    return new InvalidAppendError(
      `EventStoreDB rejected the append${where}: ${converted.message}`,
      {
        cause: converted,
      },
    );
  }
  return new StoreUnavailableError(`EventStoreDB ${converted.type}${where}: ${converted.message}`, {
    cause: converted,
  });
}
