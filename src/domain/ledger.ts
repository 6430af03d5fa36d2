/**
 * Double-entry: every money movement is a set of postings between ledger accounts
 * whose amounts sum to zero. A positive amount raises that ledger account's balance.
 */
export type LedgerAccount =
  `customer-cash:${string}` | 'fee-income' | 'market-settlement' | 'external-bank';

export interface Posting {
  readonly ledgerAccount: LedgerAccount;
  readonly amountMinor: bigint;
}

export function customerCash(accountId: string): LedgerAccount {
  return `customer-cash:${accountId}`;
}

/** Moves `amountMinor` from one ledger account to another. */
export function transfer(from: LedgerAccount, to: LedgerAccount, amountMinor: bigint): Posting[] {
  if (amountMinor <= 0n) throw new Error(`transfer of a non-positive amount: ${amountMinor}`);
  return [
    { ledgerAccount: from, amountMinor: -amountMinor },
    { ledgerAccount: to, amountMinor },
  ];
}

export function postingsBalance(postings: readonly Posting[]): bigint {
  return postings.reduce((sum, p) => sum + p.amountMinor, 0n);
}
