import { GraphQLError } from 'graphql';
import {
  CommandRejectedError,
  ConcurrencyConflictError,
  type FieldError,
  IdempotencyKeyReusedError,
  ValidationFailedError,
} from '../../commands/command-errors.js';
import { type RejectionCode } from '../../domain/rejection.js';
import { MarketUnavailableError } from '../../market/market-gateway.port.js';
import { ProjectionBusyError } from '../../projections/projections.service.js';
import { UnknownProjectionError } from '../../projections/projections.service.js';
import { EventStoreError } from '../event-store/event-store.errors.js';

export type ApiErrorCode =
  | RejectionCode
  | 'CONCURRENCY_CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export interface ApiError {
  readonly message: string;
  readonly code: ApiErrorCode;
  readonly fields?: readonly FieldError[];
}

/** `... at "input.amount"; ...` in graphql-js coercion messages names the input field. */
function fieldOfCoercionMessage(message: string): string | undefined {
  const at = /at "(?:[^".]+\.)*([^".]+)"/.exec(message);
  if (at) return at[1];
  const required = /[Ff]ield "(?:[^".]+\.)*([^".]+)" of required type/.exec(message);
  if (required) return required[1];
  const unknown = /[Ff]ield "([^"]+)" is not defined by type/.exec(message);
  return unknown?.[1];
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
  if (original instanceof ValidationFailedError) {
    return { code: 'VALIDATION_FAILED', message: original.message, fields: original.fields };
  }
  if (original instanceof CommandRejectedError) {
    const { code, message, field } = original.rejection;
    return field === undefined
      ? { code, message }
      : {
          code,
          message: `${field} ${message}`,
          fields: [{ field, message: `${field} ${message}` }],
        };
  }
  if (original instanceof ConcurrencyConflictError)
    return { code: 'CONCURRENCY_CONFLICT', message: original.message };
  if (original instanceof IdempotencyKeyReusedError) {
    return { code: 'IDEMPOTENCY_KEY_REUSED', message: original.message };
  }
  if (original instanceof UnknownProjectionError) {
    return { code: 'NOT_FOUND', message: original.message };
  }
  if (original instanceof ProjectionBusyError) {
    return { code: 'CONCURRENCY_CONFLICT', message: original.message };
  }
  if (original instanceof EventStoreError && original.code === 'STORE_UNAVAILABLE') {
    return { code: 'SERVICE_UNAVAILABLE', message: 'The event store is unavailable; try again' };
  }
  if (original instanceof MarketUnavailableError) {
    return { code: 'SERVICE_UNAVAILABLE', message: 'The market is unavailable; try again' };
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
