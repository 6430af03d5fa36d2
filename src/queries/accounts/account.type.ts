import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType } from '../paging/connection.type.js';
import { type AccountView } from '../repositories/accounts.repository.js';

/** The account states the decider knows (the projector stores them as they are). */
export enum AccountStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(AccountStatus, { name: 'AccountStatus' });

@ObjectType('Account')
export class AccountType {
  @Field(() => ID)
  id!: string;

  @Field()
  customerId!: string;

  @Field()
  name!: string;

  @Field()
  currency!: string;

  @Field(() => AccountStatus)
  status!: AccountStatus;

  @Field({ description: 'Cash, a decimal string in the account currency' })
  balance!: string;

  @Field({ description: 'Cash held for open orders and pending payments' })
  reserved!: string;

  @Field({ description: 'balance - reserved' })
  available!: string;

  @Field(() => GraphQLISODateTime)
  openedAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@ObjectType('AccountConnection')
export class AccountConnectionType extends ConnectionType {
  @Field(() => [AccountType])
  nodes!: AccountType[];
}

export function toAccountType(view: AccountView): AccountType {
  return {
    id: view.accountId,
    customerId: view.customerId,
    name: view.name,
    currency: view.currency,
    status: view.status as AccountStatus,
    balance: formatMoney(view.balanceMinor, view.currency),
    reserved: formatMoney(view.reservedMinor, view.currency),
    available: formatMoney(view.balanceMinor - view.reservedMinor, view.currency),
    openedAt: view.openedAt,
    updatedAt: view.updatedAt,
  };
}
