import { Field, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType } from '../paging/connection.type.js';
import { type LedgerEntryView } from '../repositories/ledger-entries.repository.js';

/** One posting of the double-entry journal. */
@ObjectType('LedgerEntry')
export class LedgerEntryType {
  @Field({ description: 'The log position of the event that posted it' })
  position!: string;

  @Field(() => Int, { description: "The posting's index within its event" })
  postingIndex!: number;

  @Field({
    description: 'customer-cash:<accountId>, fee-income, market-settlement or external-bank',
  })
  ledgerAccount!: string;

  @Field(() => String, { nullable: true })
  accountId!: string | null;

  @Field({ description: 'Signed decimal string: positive raises the ledger account' })
  amount!: string;

  @Field()
  currency!: string;

  @Field()
  eventType!: string;

  @Field(() => String, { nullable: true })
  paymentId!: string | null;

  @Field(() => String, { nullable: true })
  orderId!: string | null;

  @Field(() => GraphQLISODateTime)
  occurredAt!: Date;
}

@ObjectType('LedgerEntryConnection')
export class LedgerEntryConnectionType extends ConnectionType {
  @Field(() => [LedgerEntryType])
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
