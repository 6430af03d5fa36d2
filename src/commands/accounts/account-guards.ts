import { type AccountState, accountNotFound } from '../../domain/account.decider.js';
import { minorDigits, parseAmount } from '../../domain/money.js';
import { CommandRejectedError, ValidationFailedError } from '../../shared/ledger-errors.js';

/**
 * The account must exist before anything about it (its currency) can be checked. The
 * refusal is the decider's own, asked before the command is built: otherwise the initial
 * state's placeholder currency would judge the amount, and a missing account would read
 * as bad input.
 */
export function existingAccount(state: AccountState): AccountState {
  const notFound = accountNotFound(state);
  if (notFound) throw new CommandRejectedError(notFound);
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
