/**
 * How an order is paid: from the customer's cash account in the instrument's currency,
 * the one payment method the ledger has today. The reports slice by it under this name,
 * so that a method added later (a card, a margin line) is a new value, not a new column.
 */
const CASH_ACCOUNT = 'CASH_';

export function cashPaymentMethod(currency: string): string {
  return `${CASH_ACCOUNT}${currency}`;
}

/** The currency a payment method pays in. */
export function currencyOfPaymentMethod(method: string): string {
  return method.startsWith(CASH_ACCOUNT) ? method.slice(CASH_ACCOUNT.length) : method;
}
