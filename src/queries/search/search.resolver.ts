import { Args, Context, Query, Resolver } from '@nestjs/graphql';
import { QueryBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import { authorizedCaller, customerScopeOf } from '../../shared/request-identity.js';
import {
  ConsistencyArg,
  ConsistencyInput,
  readConsistencyOf,
} from '../consistency/consistency.input.js';
import { executeConsistent } from '../consistency/consistent-query.js';
import { connectionOf } from '../paging/connection.type.js';
import { AfterArg, FirstArg } from '../paging/page-args.js';
import { OrderSearchFilterInput, orderSearchFilterOf } from './order-search-filter.input.js';
import { OrderSearchConnectionType, toSearchedOrderType } from './order-search.type.js';
import { MAX_SEARCH_TEXT_LENGTH, SearchOrdersQuery } from './search-orders.query.js';

/** Full-text order search: a customer finds only its own orders, an admin everyone's. */
@Resolver()
export class SearchResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => OrderSearchConnectionType, {
    description:
      'Orders matching words and a filter, newest first, with facet counts over every match',
  })
  async searchOrders(
    @Args('text', {
      type: () => String,
      nullable: true,
      description: `Words that must all match (at most ${MAX_SEARCH_TEXT_LENGTH} characters): each a whole word of the reason or status, or any 3 or more characters of the order id, account id, customer id or instrument. Omitted: every order the filter lets through`,
    })
    text: string | null,
    @Args('filter', {
      type: () => OrderSearchFilterInput,
      nullable: true,
      description: 'Which orders to consider; omitted, all the caller may see',
    })
    filter: OrderSearchFilterInput,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<OrderSearchConnectionType> {
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new SearchOrdersQuery(
        text ?? undefined,
        { ...orderSearchFilterOf(filter), customerId: customerScopeOf(authorizedCaller(ctx)) },
        first,
        after,
        readConsistencyOf(consistency),
      ),
    );
    const { value } = result;
    return {
      ...connectionOf(value, result.consistency, toSearchedOrderType),
      total: value.total,
      facets: value.facets,
    };
  }
}
