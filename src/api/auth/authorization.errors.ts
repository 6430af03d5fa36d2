import { LedgerError } from '../../shared/ledger-errors.js';

/** The caller is known but may not do this (a customer asking for an admin operation). */
export class ForbiddenError extends LedgerError {
  override readonly name = 'ForbiddenError';
  readonly code = 'FORBIDDEN' as const;
}

/**
 * Another customer's account or order, answered exactly as one that does not exist:
 * a different answer would tell a customer which ids belong to someone else.
 */
export class NotYoursError extends LedgerError {
  override readonly name = 'NotYoursError';
  readonly code = 'NOT_FOUND' as const;
  constructor(what: 'Account' | 'Order') {
    super(`${what} not found`);
  }
}
