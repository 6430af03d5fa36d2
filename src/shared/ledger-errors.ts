import { type Rejection, type RejectionCode } from '../domain/rejection.js';

/** Every code a client may see in `extensions.code`: a closed set. */
export type LedgerErrorCode =
  | RejectionCode
  | 'CONCURRENCY_CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  /** The HTTP request itself is malformed: not JSON, no query string, a batch, a bad key. */
  | 'BAD_REQUEST'
  /** POST /graphql takes application/json (or application/graphql) only: no form posts. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** The request body is larger than the server accepts. */
  | 'PAYLOAD_TOO_LARGE'
  /** A mutation sent with GET: mutations take POST. */
  | 'METHOD_NOT_ALLOWED'
  /** The operation is larger than one request may be: too many mutations, aliases or fields, or nested too deep. */
  | 'LIMIT_EXCEEDED'
  /** An export's directory cannot be created or written; nothing was written. */
  | 'EXPORT_DIRECTORY_UNWRITABLE'
  /** An export's position range names positions the log does not have. */
  | 'EXPORT_RANGE_NOT_FOUND'
  /** The disk filled while an export ran; what it had written was removed. */
  | 'EXPORT_DISK_FULL'
  /** Another run of the same export is under way. */
  | 'EXPORT_BUSY'
  | 'INTERNAL_SERVER_ERROR';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * An error a client may be told about: it carries its own stable code, so the one error
 * formatter at the edge maps it without knowing which feature threw it. Its message is
 * written for the client; anything that is not a LedgerError is reported as internal.
 */
export abstract class LedgerError extends Error {
  abstract readonly code: LedgerErrorCode;
  /** Problems with single input fields (VALIDATION_FAILED). */
  readonly fields: readonly FieldError[] | undefined = undefined;
  /** When trying again may work, and not sooner (RATE_LIMITED). */
  readonly retryAfterMs: number | undefined = undefined;
  /** The client's message when it differs from the one logged. */
  get clientMessage(): string {
    return this.message;
  }
}

/** A decider refused the command; nothing was written. */
export class CommandRejectedError extends LedgerError {
  override readonly name = 'CommandRejectedError';
  readonly code: RejectionCode;
  override readonly fields: readonly FieldError[] | undefined;
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
    this.code = rejection.code;
    const { field } = rejection;
    this.fields =
      field === undefined ? undefined : [{ field, message: `${field} ${rejection.message}` }];
  }
  override get clientMessage(): string {
    const { field, message } = this.rejection;
    return field === undefined ? message : `${field} ${message}`;
  }
}

/** Input that can never be valid; nothing was written. */
export class ValidationFailedError extends LedgerError {
  override readonly name = 'ValidationFailedError';
  readonly code = 'VALIDATION_FAILED' as const;
  constructor(override readonly fields: readonly FieldError[]) {
    super(`Invalid input: ${fields.map((f) => f.message).join('; ')}`);
  }
}

export class ConcurrencyConflictError extends LedgerError {
  override readonly name = 'ConcurrencyConflictError';
  readonly code = 'CONCURRENCY_CONFLICT' as const;
  constructor(streamId: string, attempts: number) {
    super(`${streamId} kept changing underneath the command; gave up after ${attempts} attempts`);
  }
}

export class IdempotencyKeyReusedError extends LedgerError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly code = 'IDEMPOTENCY_KEY_REUSED' as const;
  constructor(commandId: string) {
    super(`commandId ${commandId} was already used with a different input`);
  }
}

/** A dependency (the event store, the market) does not answer now; trying again may work. */
export class ServiceUnavailableError extends LedgerError {
  override readonly name: string = 'ServiceUnavailableError';
  readonly code = 'SERVICE_UNAVAILABLE' as const;
}
