import { Field, GraphQLISODateTime, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { formatMoney } from '../../shared/decimal-format.js';
import { ConnectionType, KEYSET_PAGE } from '../paging/connection.type.js';
import { type AccountView } from '../repositories/accounts.repository.js';

/** The account states the decider knows (the projector stores them as they are). */
export enum AccountStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(AccountStatus, {
  name: 'AccountStatus',
  description: 'Whether an account takes payments and orders',
  valuesMap: {
    OPEN: { description: 'Takes deposits, withdrawals and orders' },
    CLOSED: { description: 'Closed for good: every command on it is refused with ACCOUNT_CLOSED' },
  },
});

@ObjectType('Account', {
  description: "A customer's cash account in one currency, as the accounts view holds it",
})
export class AccountType {
  @Field(() => ID, {
    description: 'The account id: pass it as accountId to payments, orders and queries',
  })
  id!: string;

  @Field({ description: 'The customer who owns the account (the `sub` of their token)' })
  customerId!: string;

  @Field({ description: "The account's display name, as given to openAccount" })
  name!: string;

  @Field({ description: 'ISO 4217 code of every amount on the account, e.g. USD' })
  currency!: string;

  @Field(() => AccountStatus, { description: 'OPEN until closeAccount succeeds' })
  status!: AccountStatus;

  @Field({ description: 'Cash, a decimal string in the account currency' })
  balance!: string;

  @Field({ description: 'Cash held for open orders and pending payments' })
  reserved!: string;

  @Field({ description: 'Balance minus reserved: what a withdrawal or a buy may use now' })
  available!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the account was opened' })
  openedAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When an event last changed the account' })
  updatedAt!: Date;
}

@ObjectType('AccountConnection', {
  description: `Accounts in id order. ${KEYSET_PAGE}`,
})
export class AccountConnectionType extends ConnectionType {
  @Field(() => [AccountType], { description: 'The accounts of this page, in id order' })
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
