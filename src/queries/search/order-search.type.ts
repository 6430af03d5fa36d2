import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ConnectionType, KEYSET_PAGE } from '../paging/connection.type.js';
import { OrderFieldsType, orderFieldsOf } from '../orders/order.type.js';
import {
  type FacetCount,
  MAX_FACET_VALUES,
  type OrderSearchFacets,
  type OrderSearchHit,
} from './order-search.port.js';

@ObjectType('SearchedOrder', { description: 'An order found by searchOrders' })
export class SearchedOrderType extends OrderFieldsType {
  @Field(() => String, {
    nullable: true,
    description:
      "The customer whose account placed it (the account's owner); null for the moment an order reaches the search view before its account's opening",
  })
  customerId!: string | null;
}

@ObjectType('FacetCount', { description: 'How many of the matching orders have one value' })
export class FacetCountType {
  @Field({ description: 'The value: a status, side, instrument symbol or account id' })
  value!: string;

  @Field(() => Int, { description: 'Matching orders with it' })
  count!: number;
}

@ObjectType('OrderSearchFacets', {
  description: `Counts over every matching order, not only the page: the ${MAX_FACET_VALUES} most frequent values of each (ties by value)`,
})
export class OrderSearchFacetsType {
  @Field(() => [FacetCountType], { description: 'By status' })
  status!: FacetCount[];

  @Field(() => [FacetCountType], { description: 'By side' })
  side!: FacetCount[];

  @Field(() => [FacetCountType], { description: 'By instrument' })
  instrument!: FacetCount[];

  @Field(() => [FacetCountType], { description: 'By account' })
  account!: FacetCount[];
}

@ObjectType('OrderSearchConnection', {
  description: `Orders that match a search, newest first, with facet counts. ${KEYSET_PAGE}`,
})
export class OrderSearchConnectionType extends ConnectionType {
  @Field(() => [SearchedOrderType], { description: 'The orders of this page, newest first' })
  nodes!: SearchedOrderType[];

  @Field(() => Int, { description: 'Orders matching text and filter in all' })
  total!: number;

  @Field(() => OrderSearchFacetsType, { description: 'Counts by value over every match' })
  facets!: OrderSearchFacets;
}

export function toSearchedOrderType(hit: OrderSearchHit): SearchedOrderType {
  return {
    ...orderFieldsOf({
      ...hit,
      placedAt: new Date(hit.placedAt),
      updatedAt: new Date(hit.updatedAt),
    }),
    customerId: hit.customerId,
  };
}
