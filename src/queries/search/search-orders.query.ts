import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { ANY_ID, UTC_TIMESTAMP, decodeAfter, encodeCursor } from '../paging/cursor.js';
import { pageSize } from '../paging/page.js';
import {
  ORDER_SEARCH,
  type OrderSearchFilter,
  type OrderSearchHit,
  type OrderSearchPort,
  type OrderSearchFacets,
} from './order-search.port.js';
import { type Page, pageOf } from '../paging/page.js';

/** Longest search text: a few ids or words, not a document. */
export const MAX_SEARCH_TEXT_LENGTH = 200;

export interface OrderSearchPage extends Page<OrderSearchHit> {
  readonly total: number;
  readonly facets: OrderSearchFacets;
}

export class SearchOrdersQuery extends ConsistentQuery<OrderSearchPage> {
  constructor(
    readonly text: string | undefined,
    readonly filter: OrderSearchFilter,
    readonly first: number | null | undefined,
    readonly after: string | null | undefined,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

const CURSOR_KIND = 'searchOrders';

function checkedText(text: string | undefined): string | undefined {
  if (text !== undefined && text.length > MAX_SEARCH_TEXT_LENGTH) {
    throw new ValidationFailedError([
      { field: 'text', message: `text must be at most ${MAX_SEARCH_TEXT_LENGTH} characters` },
    ]);
  }
  return text?.trim() || undefined;
}

function checkedFilter(filter: OrderSearchFilter): OrderSearchFilter {
  const { placedFrom, placedTo } = filter;
  if (placedFrom !== undefined && placedTo !== undefined && placedFrom > placedTo) {
    throw new ValidationFailedError([
      { field: 'placedTo', message: 'placedTo must not be before placedFrom' },
    ]);
  }
  return filter;
}

/** searchOrders through whichever adapter the app is bound to (PostgreSQL or Elasticsearch). */
@QueryHandler(SearchOrdersQuery)
export class SearchOrdersHandler implements IQueryHandler<SearchOrdersQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    @Inject(ORDER_SEARCH) private readonly search: OrderSearchPort,
  ) {}

  execute(query: SearchOrdersQuery) {
    const text = checkedText(query.text);
    const filter = checkedFilter(query.filter);
    const limit = pageSize(query.first);
    const after = decodeAfter(CURSOR_KIND, query.after, [UTC_TIMESTAMP, ANY_ID]);
    return this.consistency.read(this.search.projections, query.consistency, async () => {
      const result = await this.search.search({
        text,
        filter,
        limit,
        after: after && { placedAt: after[0]!, orderId: after[1]! },
      });
      const page = pageOf(result.hits, (hit) =>
        encodeCursor(CURSOR_KIND, [hit.key.placedAt, hit.key.orderId]),
      );
      return { ...page, total: result.total, facets: result.facets };
    });
  }
}
