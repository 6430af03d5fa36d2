import { Field, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType, KEYSET_PAGE } from '../paging/connection.type.js';
import { type StatementLineView } from '../repositories/account-statements.repository.js';

@ObjectType('StatementLine', {
  description: "One movement of an account's cash, with the balance after it",
})
export class StatementLineType {
  @Field({ description: 'The account whose cash moved' })
  accountId!: string;

  @Field({ description: 'The log position of the event that moved the cash' })
  position!: string;

  @Field({
    description:
      'What moved the cash: DEPOSIT, WITHDRAWAL, FEE, FEE_REFUND, BUY_SETTLEMENT or SELL_SETTLEMENT',
  })
  entryType!: string;

  @Field({
    description: "The payment's reference, or a text naming the order (e.g. 'Fee for order …')",
  })
  description!: string;

  @Field({ description: 'Signed decimal string: positive into the account' })
  amount!: string;

  @Field({ description: 'The balance after this line' })
  balanceAfter!: string;

  @Field({ description: "ISO 4217 code of amount and balanceAfter: the account's currency" })
  currency!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the event that moved the cash happened' })
  occurredAt!: Date;
}

@ObjectType('StatementLineConnection', {
  description: `Statement lines, oldest first. ${KEYSET_PAGE}`,
})
export class StatementLineConnectionType extends ConnectionType {
  @Field(() => [StatementLineType], { description: 'The lines of this page, oldest first' })
  nodes!: StatementLineType[];
}

export function toStatementLineType(view: StatementLineView): StatementLineType {
  return {
    accountId: view.accountId,
    position: encodePosition(view.position),
    entryType: view.entryType,
    description: view.description,
    amount: formatMoney(view.amountMinor, view.currency),
    balanceAfter: formatMoney(view.balanceAfterMinor, view.currency),
    currency: view.currency,
    occurredAt: view.occurredAt,
  };
}
