import { describe, expect, it } from 'vitest';
import {
  type AccountCommand,
  type AccountState,
  accountDecider,
  evolveAccount,
  initialAccountState,
} from '../../domain/account.decider.js';
import { CommandRejectedError } from '../../shared/ledger-errors.js';
import { amountInAccountCurrency, existingAccount } from './account-guards.js';

const yenAccount: AccountState = evolveAccount(initialAccountState, {
  type: 'AccountOpened',
  data: { accountId: 'a1', customerId: 'c1', name: 'Main', currency: 'JPY' },
});

function refusal(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  return expect.unreachable('expected a refusal');
}

describe('account guards', () => {
  // The commands a handler may build on an account that turns out not to exist.
  const commands: AccountCommand[] = [
    { type: 'DepositFunds', paymentId: 'p', amountMinor: 1n, reference: 'r' },
    { type: 'WithdrawFunds', paymentId: 'p', amountMinor: 1n, reference: 'r' },
    { type: 'OpenAccountOrder', orderId: 'o', instrument: 'AAPL' },
    { type: 'CloseAccount', openOrders: new Map(), holdings: [] },
  ];

  it.each(commands)('refuses a missing account exactly as the decider refuses $type', (command) => {
    const decision = accountDecider.decide(command, initialAccountState);
    const error = refusal(() => existingAccount(initialAccountState));
    expect(error).toBeInstanceOf(CommandRejectedError);
    expect(decision).toEqual({
      kind: 'rejected',
      rejection: (error as CommandRejectedError).rejection,
    });
    expect((error as CommandRejectedError).message).toBe('Account not found');
  });

  it('finds the account missing before it judges an amount in its currency', () => {
    // 1.234 fits no currency the ledger keeps: a missing account must not read as bad input.
    const error = refusal(() => amountInAccountCurrency(initialAccountState, '1.234', 'amount'));
    expect(error).toBeInstanceOf(CommandRejectedError);
    expect((error as CommandRejectedError).rejection.code).toBe('NOT_FOUND');
  });

  it('passes an open account through and reads amounts in its currency', () => {
    expect(existingAccount(yenAccount)).toBe(yenAccount);
    expect(amountInAccountCurrency(yenAccount, '1500', 'amount')).toBe(1500n);
  });
});
