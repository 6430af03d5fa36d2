import { type AccountState } from '../../domain/account.decider.js';
import { minorDigits, parseAmount } from '../../domain/money.js';
import { CommandRejectedError, ValidationFailedError } from '../command-errors.js';

/** The account must exist before anything about it (its currency) can be checked. */
export function existingAccount(state: AccountState): AccountState {
  if (state.status === 'NONE') {
    throw new CommandRejectedError({ code: 'NOT_FOUND', message: 'Account not found' });
  }
  return state;
}

/** A decimal amount in the account's currency, exactly, or VALIDATION_FAILED on `field`. */
export function amountInAccountCurrency(state: AccountState, text: string, field: string): bigint {
  const parsed = parseAmount(text, minorDigits(existingAccount(state).currency));
  if (!parsed.ok)
    throw new ValidationFailedError([
      { field, message: `${field} ${parsed.reason} (${state.currency})` },
    ]);
  return parsed.minor;
}
