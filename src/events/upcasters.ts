import { type JsonObject } from './json.js';
import { customerCash, transfer } from '../domain/ledger.js';
import { isCurrency, minorDigits, parseAmount } from '../domain/money.js';
import { ACCOUNT_STREAM_PREFIX } from './stream-names.js';

/** Turns the stored data of `<type>.v<fromVersion>` into `.v<fromVersion + 1>`. */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: JsonObject, context: { readonly streamId: string }): JsonObject;
}

/**
 * FundsDeposited.v1 carried a decimal `amount` and its `currency`; v2 carries exact
 * `amountMinor` and the double-entry postings.
 */
const fundsDepositedV1: Upcaster = {
  type: 'FundsDeposited',
  fromVersion: 1,
  upcast(data, { streamId }) {
    const currency = String(data['currency']);
    if (!isCurrency(currency))
      throw new Error(`FundsDeposited.v1 with unknown currency ${currency}`);
    const parsed = parseAmount(String(data['amount']), minorDigits(currency));
    if (!parsed.ok) throw new Error(`FundsDeposited.v1 with bad amount: ${parsed.reason}`);
    if (!streamId.startsWith(ACCOUNT_STREAM_PREFIX)) {
      throw new Error(`FundsDeposited.v1 outside an account stream: ${streamId}`);
    }
    if (typeof data['paymentId'] !== 'string')
      throw new Error('FundsDeposited.v1 without a paymentId');
    const accountId = streamId.slice(ACCOUNT_STREAM_PREFIX.length);
    const postings = transfer('external-bank', customerCash(accountId), parsed.minor).map((p) => ({
      ledgerAccount: p.ledgerAccount,
      amountMinor: p.amountMinor.toString(),
    }));
    return {
      paymentId: data['paymentId'],
      amountMinor: parsed.minor.toString(),
      reference: data['reference'] ?? '',
      postings,
    };
  },
};

export const UPCASTERS: readonly Upcaster[] = [fundsDepositedV1];
