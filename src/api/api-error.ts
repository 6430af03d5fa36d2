import { GraphQLError } from 'graphql';
import { EventStoreError } from '../event-store/event-store.errors.js';
import { type FieldError, LedgerError, type LedgerErrorCode } from '../shared/ledger-errors.js';

export type ApiErrorCode = LedgerErrorCode;

export interface ApiError {
  readonly message: string;
  readonly code: ApiErrorCode;
  readonly fields?: readonly FieldError[];
  readonly retryAfterMs?: number;
}

/**
 * `... at "input.amount"; ...` in graphql-js coercion messages names the input field; a
 * variable that is itself wrong (`Variable "$first" got invalid value ...`) names itself.
 */
function fieldOfCoercionMessage(message: string): string | undefined {
  const at = /at "(?:[^".]+\.)*([^".]+)"/.exec(message);
  if (at) return at[1];
  const required = /[Ff]ield "(?:[^".]+\.)*([^".]+)" of required type/.exec(message);
  if (required) return required[1];
  const unknown = /[Ff]ield "([^"]+)" is not defined by type/.exec(message);
  if (unknown) return unknown[1];
  return /^Variable "\$([^"]+)" got invalid value/.exec(message)?.[1];
}

/**
 * graphql-jit (Mercurius runs a query compiled from its second run on) reports a null in
 * a non-null field without an original error, where graphql-js wraps the same report in
 * an Error. Either way it is a fault of the server, not of the request.
 */
function isNullInNonNullField(error: GraphQLError): boolean {
  return (
    error.originalError === undefined &&
    error.path !== undefined &&
    error.message.startsWith('Cannot return null for non-nullable field ')
  );
}

/**
 * The one place errors become API errors with a stable code. Anything unexpected is
 * reported as INTERNAL_SERVER_ERROR without its details (those go to the log).
 */
export function toApiError(error: GraphQLError): ApiError {
  const original = error.originalError;
  if (original instanceof LedgerError) {
    const { code, clientMessage: message, fields, retryAfterMs } = original;
    return {
      code,
      message,
      ...(fields === undefined ? {} : { fields }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (original instanceof EventStoreError && original.code === 'STORE_UNAVAILABLE') {
    return { code: 'SERVICE_UNAVAILABLE', message: 'The event store is unavailable; try again' };
  }
  if (isNullInNonNullField(error)) {
    return { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' };
  }
  if (original === undefined || original instanceof GraphQLError) {
    // Parse, validation and input coercion errors of graphql-js: the request was malformed.
    const field = fieldOfCoercionMessage(error.message);
    return field === undefined
      ? { code: 'VALIDATION_FAILED', message: error.message }
      : {
          code: 'VALIDATION_FAILED',
          message: error.message,
          fields: [{ field, message: error.message }],
        };
  }
  return { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' };
}
