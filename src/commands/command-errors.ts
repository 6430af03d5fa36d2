import { type Rejection } from '../domain/rejection.js';

/** A decider refused the command; nothing was written. */
export class CommandRejectedError extends Error {
  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Input that can never be valid; nothing was written. */
export class ValidationFailedError extends Error {
  constructor(readonly fields: readonly FieldError[]) {
    super(`Invalid input: ${fields.map((f) => f.message).join('; ')}`);
  }
}

export class ConcurrencyConflictError extends Error {
  constructor(streamId: string, attempts: number) {
    super(`${streamId} kept changing underneath the command; gave up after ${attempts} attempts`);
  }
}

export class IdempotencyKeyReusedError extends Error {
  constructor(commandId: string) {
    super(`commandId ${commandId} was already used with a different input`);
  }
}
