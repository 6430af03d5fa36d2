import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import { QueryBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import {
  ConsistencyArg,
  ConsistencyInput,
  readConsistencyOf,
} from '../consistency/consistency.input.js';
import { executeConsistent } from '../consistency/consistent-query.js';
import { authorizedCaller, customerScopeOf } from '../../shared/request-identity.js';
import { connectionOf } from '../paging/connection.type.js';
import { AfterArg, FirstArg } from '../paging/page-args.js';
import { AccountStatementQuery } from './account-statement.query.js';
import { AccountQuery } from './account.query.js';
import { AccountConnectionType, AccountType, toAccountType } from './account.type.js';
import { AccountsQuery } from './accounts.query.js';
import { HoldingType, toHoldingType } from './holding.type.js';
import { HoldingsQuery } from './holdings.query.js';
import { StatementLineConnectionType, toStatementLineType } from './statement-line.type.js';

/** Accounts, their holdings and statements: the views kept by `accounts` and `holdings`. */
@Resolver()
export class AccountsResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => AccountType, {
    nullable: true,
    description:
      "One account by id; null when it does not exist or is another customer's (the same answer, by design)",
  })
  async account(
    @Args('id', { type: () => ID, description: 'The account id' }) id: string,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<AccountType | null> {
    const { value } = await executeConsistent(
      this.queryBus,
      ctx,
      new AccountQuery(id, readConsistencyOf(consistency)),
    );
    return value === undefined ? null : toAccountType(value);
  }

  @Query(() => AccountConnectionType, { description: 'Accounts in id order, paged' })
  async accounts(
    @Args('customerId', {
      type: () => String,
      nullable: true,
      description: "Only this customer's accounts; a customer's token sees only its own anyway",
    })
    customerId: string | null,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<AccountConnectionType> {
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new AccountsQuery(
        customerId,
        first,
        after,
        readConsistencyOf(consistency),
        customerScopeOf(authorizedCaller(ctx)),
      ),
    );
    return connectionOf(result.value, result.consistency, toAccountType);
  }

  @Query(() => [HoldingType], { description: "The account's positions, by instrument" })
  async holdings(
    @Args('accountId', { type: () => ID, description: 'The account to read' }) accountId: string,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<HoldingType[]> {
    const { value } = await executeConsistent(
      this.queryBus,
      ctx,
      new HoldingsQuery(accountId, readConsistencyOf(consistency)),
    );
    return value.map(toHoldingType);
  }

  @Query(() => StatementLineConnectionType, {
    description: "The account's cash movements, oldest first, each with the balance after it",
  })
  async accountStatement(
    @Args('accountId', { type: () => ID, description: 'The account to read' }) accountId: string,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<StatementLineConnectionType> {
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new AccountStatementQuery(accountId, first, after, readConsistencyOf(consistency)),
    );
    return connectionOf(result.value, result.consistency, toStatementLineType);
  }
}
