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

  constructor(readonly values: unknown[] = []) {}

  /** Conditions of another part of the same statement: its own list, the same parameters. */
  fork(): Conditions {
    return new Conditions(this.values);
  }

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
 * The word anywhere in the ids. A word longer than the window is looked up in the
 * trigram index by its first characters, and the whole word is checked on the rows
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
 * A word against one text: a whole token of it through `tsv`, or (3 characters or more)
 * any part of it through `keys`. The same test serves the text columns (every field but
 * the instrument, through their indexes) and the instrument alone.
 */
function wordIn(conditions: Conditions, word: string, tsv: string, keys?: string): string {
  const token = `${tsv} @@ plainto_tsquery('simple', ${conditions.parameter(word)})`;
  if ([...word].length < MIN_PARTIAL_WORD_LENGTH) return token;
  const part =
    keys === undefined
      ? partOfKeys(conditions, word)
      : `${keys} ILIKE ${conditions.parameter(containsPattern(word))}`;
  return `(${token} OR ${part})`;
}

/** A word of the search and the instruments that match it on their own. */
interface SearchWord {
  readonly word: string;
  readonly instruments: readonly string[];
}

/**
 * How a search's matches split. An order whose instrument is in `byInstrument` matches
 * every word through its instrument alone: those are counted from the instrument-led
 * covering index without their text. Every other match has some word that its
 * instrument does not match, so that word is in its text columns: `rest` adds that
 * (any word in the text columns) to the conditions, which the text indexes answer.
 */
interface SearchSplit {
  readonly words: readonly SearchWord[];
  readonly byInstrument: readonly string[];
}

function splitOf(words: readonly SearchWord[], filter: OrderSearchFilter): SearchSplit {
  let byInstrument = words.length === 0 ? [] : [...words[0]!.instruments];
  for (const { instruments } of words.slice(1)) {
    byInstrument = byInstrument.filter((instrument) => instruments.includes(instrument));
  }
  if (filter.instruments !== undefined && filter.instruments.length > 0) {
    byInstrument = byInstrument.filter((instrument) => filter.instruments!.includes(instrument));
  }
  return { words, byInstrument };
}

/** The filter's conditions (all but the text). */
function filtering(conditions: Conditions, filter: OrderSearchFilter): Conditions {
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

/**
 * Text and filter as conditions. Each word must match the order's instrument (one of the
 * word's `instruments`) or its text columns. `part` is every match (`all`, for the page)
 * or one side of the split: `instrument`, the orders that match through their
 * instrument alone; `rest`, the others. Only the filters given become conditions, so the
 * planner can pick the index that narrows most.
 */
function matching(
  split: SearchSplit,
  filter: OrderSearchFilter,
  part: 'all' | 'instrument' | 'rest',
  conditions = new Conditions(),
): Conditions {
  const inText = (word: string): string => wordIn(conditions, word, 'search_tsv');
  const { words, byInstrument } = split;
  if (part === 'instrument') {
    conditions.add(`instrument = ANY(${conditions.parameter(byInstrument)}::text[])`);
    return filtering(conditions, filter);
  }
  for (const { word, instruments } of words) {
    if (instruments.length === 0) conditions.add(inText(word));
    else {
      const byItsInstrument = `instrument = ANY(${conditions.parameter(instruments)}::text[])`;
      conditions.add(`(${byItsInstrument} OR ${inText(word)})`);
    }
  }
  if (part === 'rest' && words.some(({ instruments }) => instruments.length > 0)) {
    if (byInstrument.length > 0) {
      conditions.add(`instrument <> ALL(${conditions.parameter(byInstrument)}::text[])`);
    }
    conditions.add(`(${words.map(({ word }) => inText(word)).join(' OR ')})`);
  }
  return filtering(conditions, filter);
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
    const split = splitOf(await this.wordsOf(request.text), request.filter);
    const [hits, { total, facets }] = await Promise.all([
      this.page(request, split),
      this.counts(request, split),
    ]);
    return { hits, total, facets };
  }

  /**
   * The words of a search, each with the instruments that match it on their own. The
   * instruments are walked one index probe each (a loose scan of the instrument-led
   * index), so this costs in proportion to the symbols traded, not to the orders.
   */
  private async wordsOf(text: string | undefined): Promise<SearchWord[]> {
    const words = searchWords(text);
    if (words.length === 0) return [];
    const conditions = new Conditions();
    const matchedBy = words.map((word, i) => {
      const test = wordIn(conditions, word, `to_tsvector('simple', instrument)`, 'instrument');
      return `ARRAY(SELECT instrument FROM symbols WHERE ${test} ORDER BY instrument) AS w${i}`;
    });
    const { rows } = await this.pool.query<Record<string, string[]>>(
      `WITH RECURSIVE symbols(instrument) AS (
         (SELECT instrument FROM view_order_search ORDER BY instrument LIMIT 1)
         UNION ALL
         SELECT (SELECT later.instrument FROM view_order_search later
                  WHERE later.instrument > symbols.instrument
                  ORDER BY later.instrument LIMIT 1)
           FROM symbols WHERE symbols.instrument IS NOT NULL
       )
       SELECT ${matchedBy.join(', ')}`,
      conditions.values,
    );
    return words.map((word, i) => ({ word, instruments: rows[0]![`w${i}`]! }));
  }

  /** Newest first, keyset-paged on (placed_at, order_id): limit + 1 rows read. */
  private async page(
    request: OrderSearchRequest,
    split: SearchSplit,
  ): Promise<OrderSearchResult['hits']> {
    // Every match, whichever side of the split: read newest first, the split does not help.
    const conditions = matching(
      split,
      request.filter,
      split.byInstrument.length > 0 ? 'all' : 'rest',
    );
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
   * account facet's thousands of groups are never sorted whole. The matches through an
   * instrument alone and the rest are read apart (see SearchSplit).
   */
  private async counts(
    request: OrderSearchRequest,
    split: SearchSplit,
  ): Promise<{ total: number; facets: OrderSearchFacets }> {
    const conditions = new Conditions();
    const part = (side: 'instrument' | 'rest'): string =>
      `SELECT status, side, instrument, account_id FROM view_order_search
        ${matching(split, request.filter, side, conditions.fork()).where()}`;
    const matches =
      split.byInstrument.length === 0
        ? `view_order_search ${matching(split, request.filter, 'rest', conditions).where()}`
        : `(${part('instrument')} UNION ALL ${part('rest')}) matches`;
    const maxValues = conditions.parameter(MAX_FACET_VALUES);
    const topOfEachFacet = Object.keys(FACET_GROUPS).map(
      (grp) => `(SELECT grp, value, count FROM grouped WHERE grp = ${grp}
                  ORDER BY count DESC, value COLLATE "C" LIMIT ${maxValues})`,
    );
    const { rows } = await this.pool.query<{ grp: number; value: string | null; count: number }>(
      `WITH grouped AS MATERIALIZED (
         SELECT GROUPING(status, side, instrument, account_id) AS grp,
                coalesce(status, side, instrument, account_id) AS value, count(*)::int AS count
           FROM ${matches}
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
