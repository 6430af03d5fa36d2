import { Field, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType } from '../paging/connection.type.js';
import { type StatementLineView } from '../repositories/account-statements.repository.js';

@ObjectType('StatementLine')
export class StatementLineType {
  @Field()
  accountId!: string;

  @Field({ description: 'The log position of the event that moved the cash' })
  position!: string;

  @Field()
  entryType!: string;

  @Field()
  description!: string;

  @Field({ description: 'Signed decimal string: positive into the account' })
  amount!: string;

  @Field({ description: 'The balance after this line' })
  balanceAfter!: string;

  @Field()
  currency!: string;

  @Field(() => GraphQLISODateTime)
  occurredAt!: Date;
}

@ObjectType('StatementLineConnection')
export class StatementLineConnectionType extends ConnectionType {
  @Field(() => [StatementLineType])
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
