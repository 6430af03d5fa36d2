import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import { QueryBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import {
  ConsistencyArg,
  ConsistencyInput,
  readConsistencyOf,
} from '../consistency/consistency.input.js';
import { executeConsistent } from '../consistency/consistent-query.js';
import { connectionOf } from '../paging/connection.type.js';
import { AfterArg, FirstArg } from '../paging/page-args.js';
import { LedgerEntriesQuery } from './ledger-entries.query.js';
import { LedgerEntryConnectionType, toLedgerEntryType } from './ledger-entry.type.js';

/** The double-entry journal as the `ledger-entries` projector keeps it. */
@Resolver()
export class LedgerEntriesResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => LedgerEntryConnectionType, {
    description:
      "The journal postings of the account's money movements (both legs of each), in log order",
  })
  async ledgerEntries(
    @Args('accountId', { type: () => ID, description: 'The account whose postings to read' })
    accountId: string,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<LedgerEntryConnectionType> {
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new LedgerEntriesQuery(accountId, first, after, readConsistencyOf(consistency)),
    );
    return connectionOf(result.value, result.consistency, toLedgerEntryType);
  }
}
