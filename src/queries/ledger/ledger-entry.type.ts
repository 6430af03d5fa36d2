import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType, KEYSET_PAGE } from '../paging/connection.type.js';
import { type LedgerEntryView } from '../repositories/ledger-entries.repository.js';

/** One posting of the double-entry journal. */
@ObjectType('LedgerEntry', {
  description: 'One posting of the double-entry journal; the postings of an event sum to zero',
})
export class LedgerEntryType {
  @Field({ description: 'The log position of the event that posted it' })
  position!: string;

  @Field(() => Int, { description: "The posting's index within its event" })
  postingIndex!: number;

  @Field({
    description:
      'The ledger account posted to: customer-cash:<accountId>, fee-income, market-settlement or external-bank',
  })
  ledgerAccount!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The customer account of a customer-cash posting; null for the house accounts',
  })
  accountId!: string | null;

  @Field({ description: 'Signed decimal string: positive raises the ledger account' })
  amount!: string;

  @Field({ description: 'ISO 4217 code of amount' })
  currency!: string;

  @Field({ description: 'The stored event type that posted it, e.g. FundsDeposited.v2' })
  eventType!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The deposit or withdrawal it belongs to; null for order postings',
  })
  paymentId!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The order it belongs to (fee, settlement); null for payments',
  })
  orderId!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When the event that posted it happened' })
  occurredAt!: Date;
}

@ObjectType('LedgerEntryConnection', {
  description: `Journal postings in log order. ${KEYSET_PAGE}`,
})
export class LedgerEntryConnectionType extends ConnectionType {
  @Field(() => [LedgerEntryType], { description: 'The postings of this page, in log order' })
  nodes!: LedgerEntryType[];
}

export function toLedgerEntryType(view: LedgerEntryView): LedgerEntryType {
  return {
    position: encodePosition(view.position),
    postingIndex: view.postingIndex,
    ledgerAccount: view.ledgerAccount,
    accountId: view.accountId,
    amount: formatMoney(view.amountMinor, view.currency),
    currency: view.currency,
    eventType: view.eventType,
    paymentId: view.paymentId,
    orderId: view.orderId,
    occurredAt: view.occurredAt,
  };
}
