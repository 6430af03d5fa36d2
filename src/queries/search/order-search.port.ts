import { type Slice } from '../paging/page.js';

/**
 * Full-text search over orders, with facet counts and keyset paging. Two adapters keep
 * and answer it: PostgreSQL (the default; a view kept by the projection runner) and
 * Elasticsearch (when ELASTICSEARCH_URL is set; an index kept by its own checkpointed
 * indexer). Both pass one contract suite (test/contract/order-search.contract.ts).
 */
export interface OrderSearchPort {
  /** The checkpoints a search waits on under `consistency` (projection names). */
  readonly projections: readonly string[];
  search(request: OrderSearchRequest): Promise<OrderSearchResult>;
}

export const ORDER_SEARCH = Symbol('ORDER_SEARCH');

/** Every filter narrows (AND); a list matches any of its values (OR). Empty lists are absent. */
export interface OrderSearchFilter {
  /** Orders of this customer's accounts only: set for a customer's own searches. */
  readonly customerId?: string | undefined;
  readonly accountIds?: readonly string[] | undefined;
  readonly statuses?: readonly string[] | undefined;
  readonly sides?: readonly string[] | undefined;
  readonly orderTypes?: readonly string[] | undefined;
  readonly instruments?: readonly string[] | undefined;
  /** Inclusive, ISO 8601. */
  readonly placedFrom?: string | undefined;
  /** Exclusive, ISO 8601. */
  readonly placedTo?: string | undefined;
}

/** Where a page of hits ends: newest placement first, then the id descending. */
export interface OrderSearchKey {
  /** placed_at exactly: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (microseconds, UTC). */
  readonly placedAt: string;
  readonly orderId: string;
}

export interface OrderSearchRequest {
  /**
   * Words to find, all of them (AND), each anywhere in the order id, account id, customer
   * id, instrument, reason or status: a word matches a whole token of the reason, or any
   * part (3 characters or more) of an id or symbol. Absent or blank: every order the
   * filter lets through.
   */
  readonly text?: string | undefined;
  readonly filter: OrderSearchFilter;
  /** Hits per page, already bounded by the caller (1 to 200). */
  readonly limit: number;
  readonly after?: OrderSearchKey | undefined;
}

/** An order as search shows it. Money in minor units of `currency`, quantities in shares. */
export interface OrderSearchHit {
  readonly orderId: string;
  readonly accountId: string;
  /** Null while the account's opening has not reached the index (see the README). */
  readonly customerId: string | null;
  readonly side: string;
  readonly orderType: string;
  readonly instrument: string;
  readonly currency: string;
  readonly quantity: bigint;
  readonly limitPriceMinor: bigint | null;
  readonly filledQuantity: bigint;
  readonly filledNotionalMinor: bigint;
  readonly feeMinor: bigint;
  readonly status: string;
  readonly reason: string | null;
  /** ISO 8601, UTC, microseconds. */
  readonly placedAt: string;
  readonly updatedAt: string;
  readonly key: OrderSearchKey;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

/** The largest number of values a facet lists (the most frequent first, ties by value). */
export const MAX_FACET_VALUES = 20;

/** Counts over every order that matches text and filter, not only the page. */
export interface OrderSearchFacets {
  readonly status: readonly FacetCount[];
  readonly side: readonly FacetCount[];
  readonly instrument: readonly FacetCount[];
  readonly account: readonly FacetCount[];
}

export interface OrderSearchResult {
  readonly hits: Slice<OrderSearchHit>;
  /** Orders matching text and filter in all. */
  readonly total: number;
  readonly facets: OrderSearchFacets;
}
