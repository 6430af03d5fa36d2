import { Inject, Injectable } from '@nestjs/common';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { sliceOf } from '../paging/page.js';
import {
  type FacetCount,
  MAX_FACET_VALUES,
  type OrderSearchFacets,
  type OrderSearchFilter,
  type OrderSearchHit,
  type OrderSearchRequest,
  type OrderSearchResult,
} from '../search/order-search.port.js';
import {
  MIN_PARTIAL_WORD_LENGTH,
  containsPattern,
  indexedWindow,
  searchWords,
} from '../search/search-words.js';
import { ORDER_COLUMNS, type OrderRowText, orderFieldsOfRow } from './order-rows.js';
import { isoMicros } from './sql-formats.js';

interface HitRow extends OrderRowText {
  customer_id: string | null;
  placed_at: string;
  updated_at: string;
}

const HIT_COLUMNS = `${ORDER_COLUMNS}, customer_id,
  ${isoMicros('placed_at')} AS placed_at, ${isoMicros('updated_at')} AS updated_at`;

function toHit(row: HitRow): OrderSearchHit {
  return {
    ...orderFieldsOfRow(row),
    customerId: row.customer_id,
    placedAt: row.placed_at,
    updatedAt: row.updated_at,
    key: { placedAt: row.placed_at, orderId: row.order_id },
  };
}

/** The conditions of a statement and their parameters, numbered as they are added. */
class Conditions {
  readonly sql: string[] = [];
  readonly values: unknown[] = [];

  parameter(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  add(condition: string): void {
    this.sql.push(condition);
  }

  where(): string {
    return this.sql.length === 0 ? '' : `WHERE ${this.sql.join(' AND ')}`;
  }
}

type ListFilter = Exclude<keyof OrderSearchFilter, 'customerId' | 'placedFrom' | 'placedTo'>;

const LIST_COLUMNS: Record<ListFilter, string> = {
  accountIds: 'account_id',
  statuses: 'status',
  sides: 'side',
  orderTypes: 'order_type',
  instruments: 'instrument',
};

/**
 * The word anywhere in the ids and symbol. A word longer than the window is looked up in
 * the trigram index by its first characters, and the whole word is checked on the rows
 * found: `search_keys || ''` is an expression no index holds, so the planner cannot add
 * its every trigram to the index lookup (the same ILIKE, so the same matches).
 */
function partOfKeys(conditions: Conditions, word: string): string {
  const whole = containsPattern(word);
  const window = indexedWindow(word);
  if (window === word) return `search_keys ILIKE ${conditions.parameter(whole)}`;
  return (
    `(search_keys ILIKE ${conditions.parameter(containsPattern(window))}` +
    ` AND (search_keys || '') ILIKE ${conditions.parameter(whole)})`
  );
}

/**
 * Text and filter as conditions. Each word must match: a whole token through the
 * full-text index, or (3 characters or more) any part of an id or symbol through the
 * trigram index. Only the filters given become conditions, so the planner can pick the
 * index that narrows most.
 */
function matching(request: Pick<OrderSearchRequest, 'text' | 'filter'>): Conditions {
  const conditions = new Conditions();
  for (const word of searchWords(request.text)) {
    const token = `search_tsv @@ plainto_tsquery('simple', ${conditions.parameter(word)})`;
    conditions.add(
      [...word].length < MIN_PARTIAL_WORD_LENGTH
        ? token
        : `(${token} OR ${partOfKeys(conditions, word)})`,
    );
  }
  const { filter } = request;
  if (filter.customerId !== undefined) {
    conditions.add(`customer_id = ${conditions.parameter(filter.customerId)}`);
  }
  for (const [key, column] of Object.entries(LIST_COLUMNS) as [ListFilter, string][]) {
    const values = filter[key];
    if (values === undefined || values.length === 0) continue;
    conditions.add(`${column} = ANY(${conditions.parameter(values)}::text[])`);
  }
  if (filter.placedFrom !== undefined) {
    conditions.add(`placed_at >= ${conditions.parameter(filter.placedFrom)}::timestamptz`);
  }
  if (filter.placedTo !== undefined) {
    conditions.add(`placed_at < ${conditions.parameter(filter.placedTo)}::timestamptz`);
  }
  return conditions;
}

/** GROUPING(status, side, instrument, account_id) of each facet's grouping set. */
const FACET_GROUPS: Record<number, keyof OrderSearchFacets> = {
  0b0111: 'status',
  0b1011: 'side',
  0b1101: 'instrument',
  0b1110: 'account',
};
const TOTAL_GROUP = 0b1111;

/** view_order_search (kept by the `order-search` projector). */
@Injectable()
export class OrderSearchRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  /** The page and the counts over every match: two statements, sent together. */
  async search(request: OrderSearchRequest): Promise<OrderSearchResult> {
    const [hits, { total, facets }] = await Promise.all([this.page(request), this.counts(request)]);
    return { hits, total, facets };
  }

  /** Newest first, keyset-paged on (placed_at, order_id): limit + 1 rows read. */
  private async page(request: OrderSearchRequest): Promise<OrderSearchResult['hits']> {
    const conditions = matching(request);
    if (request.after !== undefined) {
      const placedAt = conditions.parameter(request.after.placedAt);
      const orderId = conditions.parameter(request.after.orderId);
      conditions.add(`(placed_at, order_id) < (${placedAt}::timestamptz, ${orderId}::text)`);
    }
    const limit = conditions.parameter(request.limit + 1);
    // The table's placed_at, not the output column of that name (its text): only the
    // timestamp is in view_order_search_placed, which reads the newest rows first.
    const { rows } = await this.pool.query<HitRow>(
      `SELECT ${HIT_COLUMNS} FROM view_order_search ${conditions.where()}
        ORDER BY view_order_search.placed_at DESC, order_id DESC LIMIT ${limit}`,
      conditions.values,
    );
    return sliceOf(rows.map(toHit), request.limit);
  }

  /**
   * The total and the four facets in one pass over the matches (one grouping set each,
   * and the empty set for the total); each facet's most frequent values first, ties by
   * value in byte order. Each facet's top values are a top-N of its own groups, so the
   * account facet's thousands of groups are never sorted whole.
   */
  private async counts(
    request: OrderSearchRequest,
  ): Promise<{ total: number; facets: OrderSearchFacets }> {
    const conditions = matching(request);
    const maxValues = conditions.parameter(MAX_FACET_VALUES);
    const topOfEachFacet = Object.keys(FACET_GROUPS).map(
      (grp) => `(SELECT grp, value, count FROM grouped WHERE grp = ${grp}
                  ORDER BY count DESC, value COLLATE "C" LIMIT ${maxValues})`,
    );
    const { rows } = await this.pool.query<{ grp: number; value: string | null; count: number }>(
      `WITH grouped AS MATERIALIZED (
         SELECT GROUPING(status, side, instrument, account_id) AS grp,
                coalesce(status, side, instrument, account_id) AS value, count(*)::int AS count
           FROM view_order_search ${conditions.where()}
          GROUP BY GROUPING SETS ((status), (side), (instrument), (account_id), ())
       )
       SELECT grp, value, count FROM (
         SELECT grp, value, count FROM grouped WHERE grp = ${TOTAL_GROUP}
         UNION ALL ${topOfEachFacet.join(' UNION ALL ')}
       ) top
       ORDER BY grp, count DESC, value COLLATE "C"`,
      conditions.values,
    );
    const facets: Record<keyof OrderSearchFacets, FacetCount[]> = {
      status: [],
      side: [],
      instrument: [],
      account: [],
    };
    let total = 0;
    for (const row of rows) {
      if (row.grp === TOTAL_GROUP) total = row.count;
      else facets[FACET_GROUPS[row.grp]!].push({ value: row.value!, count: row.count });
    }
    return { total, facets };
  }
}
