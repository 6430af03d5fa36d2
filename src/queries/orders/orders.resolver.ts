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
import { OrderFilterInput, orderFilterOf } from './order-filter.input.js';
import { OrderQuery } from './order.query.js';
import { OrderConnectionType, OrderType, toOrderType } from './order.type.js';
import { OrdersQuery } from './orders.query.js';
import { authorizedCaller, customerScopeOf } from '../../shared/request-identity.js';

/** Orders as the `orders` projector keeps them. */
@Resolver()
export class OrdersResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => OrderType, {
    nullable: true,
    description:
      "One order by id; null when it does not exist or is another customer's (the same answer, by design)",
  })
  async order(
    @Args('id', { type: () => ID, description: 'The order id' }) id: string,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<OrderType | null> {
    const { value } = await executeConsistent(
      this.queryBus,
      ctx,
      new OrderQuery(id, readConsistencyOf(consistency)),
    );
    return value === undefined ? null : toOrderType(value);
  }

  @Query(() => OrderConnectionType, { description: 'Orders, newest first, paged' })
  async orders(
    @Args('filter', {
      type: () => OrderFilterInput,
      nullable: true,
      description: 'Which orders to list; omitted, all the caller may see',
    })
    filter: OrderFilterInput,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<OrderConnectionType> {
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new OrdersQuery(
        { ...orderFilterOf(filter), customerId: customerScopeOf(authorizedCaller(ctx)) },
        first,
        after,
        readConsistencyOf(consistency),
      ),
    );
    return connectionOf(result.value, result.consistency, toOrderType);
  }
}
