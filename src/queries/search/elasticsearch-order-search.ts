import { type OnApplicationShutdown } from '@nestjs/common';
import { type Client, type estypes } from '@elastic/elasticsearch';
import { ORDERS_INDEX } from '../../infrastructure/elasticsearch/search-indexes.js';
import { ORDER_SEARCH_ELASTICSEARCH } from '../../shared/search-projections.js';
import { sliceOf } from '../paging/page.js';
import {
  type FacetCount,
  MAX_FACET_VALUES,
  type OrderSearchFacets,
  type OrderSearchFilter,
  type OrderSearchHit,
  type OrderSearchPort,
  type OrderSearchRequest,
  type OrderSearchResult,
} from './order-search.port.js';
import { MIN_PARTIAL_WORD_LENGTH, searchWords } from './search-words.js';

const ID_FIELDS = ['order_id', 'account_id', 'customer_id', 'instrument'] as const;

/** One word: a part of an id or symbol, a whole id or symbol, a word of the reason or status. */
function wordQuery(word: string): estypes.QueryDslQueryContainer {
  const should: estypes.QueryDslQueryContainer[] = [
    ...ID_FIELDS.map((field) => ({ term: { [field]: { value: word, case_insensitive: true } } })),
    { match: { reason: word } },
    { match: { 'status.words': word } },
  ];
  if ([...word].length >= MIN_PARTIAL_WORD_LENGTH) {
    should.push(...ID_FIELDS.map((field) => ({ match: { [`${field}.part`]: word } })));
  }
  return { bool: { should, minimum_should_match: 1 } };
}

function terms(field: string, values: readonly string[] | undefined) {
  return values && values.length > 0 ? [{ terms: { [field]: [...values] } }] : [];
}

function filterClauses(filter: OrderSearchFilter): estypes.QueryDslQueryContainer[] {
  const range: estypes.QueryDslDateRangeQuery = {};
  if (filter.placedFrom) range.gte = filter.placedFrom;
  if (filter.placedTo) range.lt = filter.placedTo;
  return [
    // Pending fees (a fee whose order the index has not seen placed) are no orders.
    { term: { placed: true } },
    ...(filter.customerId ? [{ term: { customer_id: filter.customerId } }] : []),
    ...terms('account_id', filter.accountIds),
    ...terms('status', filter.statuses),
    ...terms('side', filter.sides),
    ...terms('order_type', filter.orderTypes),
    ...terms('instrument', filter.instruments),
    ...(filter.placedFrom || filter.placedTo ? [{ range: { placed_at: range } }] : []),
  ];
}

function facet(field: string): estypes.AggregationsAggregationContainer {
  return {
    terms: { field, size: MAX_FACET_VALUES, order: [{ _count: 'desc' }, { _key: 'asc' }] },
  };
}

/** The search request body for a port request (exported for its tests). */
export function searchBody(request: OrderSearchRequest): estypes.SearchRequest {
  const words = searchWords(request.text);
  return {
    index: ORDERS_INDEX.alias,
    size: request.limit + 1,
    track_total_hits: true,
    query: {
      bool: {
        must: words.map(wordQuery),
        filter: filterClauses(request.filter),
      },
    },
    // placed_key is the exact microsecond key: it sorts as placed_at and pages exactly.
    sort: [{ placed_key: 'desc' }, { order_id: 'desc' }],
    ...(request.after ? { search_after: [request.after.placedAt, request.after.orderId] } : {}),
    aggs: {
      status: facet('status'),
      side: facet('side'),
      instrument: facet('instrument'),
      account: facet('account_id'),
    },
  };
}

type Source = Readonly<Record<string, unknown>>;

function field(source: Source, name: string): string {
  const value = source[name];
  if (typeof value !== 'string') throw new Error(`search hit has no ${name}`);
  return value;
}

function nullable(source: Source, name: string): string | null {
  return source[name] === null || source[name] === undefined ? null : field(source, name);
}

/** A hit back to the port's shape: longs were indexed as strings, so they come back exact. */
export function hitOf(source: Source): OrderSearchHit {
  const limit = nullable(source, 'limit_price_minor');
  const placedAt = field(source, 'placed_key');
  const orderId = field(source, 'order_id');
  return {
    orderId,
    accountId: field(source, 'account_id'),
    customerId: field(source, 'customer_id'),
    side: field(source, 'side'),
    orderType: field(source, 'order_type'),
    instrument: field(source, 'instrument'),
    currency: field(source, 'currency'),
    quantity: BigInt(field(source, 'quantity')),
    limitPriceMinor: limit === null ? null : BigInt(limit),
    filledQuantity: BigInt(field(source, 'filled_quantity')),
    filledNotionalMinor: BigInt(field(source, 'filled_notional_minor')),
    feeMinor: BigInt(field(source, 'fee_minor')),
    status: field(source, 'status'),
    reason: nullable(source, 'reason'),
    placedAt,
    updatedAt: field(source, 'updated_at'),
    key: { placedAt, orderId },
  };
}

function counts(
  aggregations: Record<string, estypes.AggregationsAggregate> | undefined,
  name: string,
): FacetCount[] {
  const buckets = (aggregations?.[name] as estypes.AggregationsStringTermsAggregate | undefined)
    ?.buckets;
  if (!Array.isArray(buckets)) return [];
  return buckets.map((bucket) => ({ value: String(bucket.key), count: bucket.doc_count }));
}

/**
 * Order search on the Elasticsearch index (`ledger-orders`) that the search indexer
 * keeps. Bound by the queries module when ELASTICSEARCH_URL is set:
 * `new ElasticsearchOrderSearch(createElasticsearchClient(url))`.
 */
export class ElasticsearchOrderSearch implements OrderSearchPort, OnApplicationShutdown {
  readonly projections = [ORDER_SEARCH_ELASTICSEARCH];

  constructor(private readonly client: Client) {}

  /** The app made the client for this reader: it closes it too. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }

  async search(request: OrderSearchRequest): Promise<OrderSearchResult> {
    const response = await this.client.search<Source>(searchBody(request));
    const sources = response.hits.hits.map((hit) => {
      if (!hit._source) throw new Error(`search hit ${hit._id ?? ''} has no source`);
      return hit._source;
    });
    const total = response.hits.total;
    const facets: OrderSearchFacets = {
      status: counts(response.aggregations, 'status'),
      side: counts(response.aggregations, 'side'),
      instrument: counts(response.aggregations, 'instrument'),
      account: counts(response.aggregations, 'account'),
    };
    return {
      hits: sliceOf(sources.map(hitOf), request.limit),
      total: typeof total === 'number' ? total : (total?.value ?? 0),
      facets,
    };
  }
}
