import { LedgerError, type LedgerErrorCode } from '../shared/ledger-errors.js';

/**
 * Refusals of the HTTP request or of the operation's size, before any resolver runs.
 * Each carries its stable code, and the formatter answers it with its own HTTP status
 * (see `httpStatusOf`): the request never reached the ledger, so nothing was written.
 */
abstract class RequestRefusedError extends LedgerError {}

export class BadRequestError extends RequestRefusedError {
  override readonly name = 'BadRequestError';
  readonly code = 'BAD_REQUEST' as const;
}

export class UnsupportedMediaTypeError extends RequestRefusedError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly code = 'UNSUPPORTED_MEDIA_TYPE' as const;
}

export class PayloadTooLargeError extends RequestRefusedError {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'PAYLOAD_TOO_LARGE' as const;
}

export class MethodNotAllowedError extends RequestRefusedError {
  override readonly name = 'MethodNotAllowedError';
  readonly code = 'METHOD_NOT_ALLOWED' as const;
}

export class LimitExceededError extends RequestRefusedError {
  override readonly name = 'LimitExceededError';
  readonly code = 'LIMIT_EXCEEDED' as const;
}

/**
 * The HTTP status of an answer that holds no data, by its first error's code. The codes of
 * the request itself answer their HTTP status; every other error answers 200 with the error
 * in the body, as GraphQL over HTTP has it for `application/json`.
 */
const HTTP_STATUS: Partial<Record<LedgerErrorCode, number>> = {
  BAD_REQUEST: 400,
  LIMIT_EXCEEDED: 400,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

export function httpStatusOf(code: LedgerErrorCode): number | undefined {
  return HTTP_STATUS[code];
}

/** Whether the code refuses the request as a whole (logged as such, once). */
export function isRequestRefusal(code: LedgerErrorCode): boolean {
  return HTTP_STATUS[code] !== undefined;
}
